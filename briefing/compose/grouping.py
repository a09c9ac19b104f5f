"""Sentences that say the same thing across articles, grouped."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from briefing.analyse.neighbours import neighbour_pairs
from briefing.config import CATCHALL_ID
from briefing.records import Sentence

SAME_ARTICLE_MARGIN = 0.1  # two sentences of one article must be this much closer to merge


@dataclass
class Group:
    members: list[int]  # sentence indices
    centroid: np.ndarray
    theme: str = CATCHALL_ID
    theme_score: float = 0.0
    score: float = 0.0
    best: int = -1
    text: str = ""
    articles: list[str] = field(default_factory=list)


def group_sentences(sentences: list[Sentence], embeddings: np.ndarray,
                    threshold: float) -> list[Group]:
    """Star clustering: the most connected unassigned sentence seeds a group and takes its
    unassigned neighbours above the threshold. Unlike single linkage it does not chain
    loosely related sentences into one blob."""
    n = len(sentences)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    strict = threshold + SAME_ARTICLE_MARGIN
    for i, j in neighbour_pairs(embeddings, threshold):
        # Neighbouring sentences of one article share names and topic without saying the
        # same thing; a live blog repeating itself is much closer than that.
        if sentences[i].article_id == sentences[j].article_id and \
                float(embeddings[i] @ embeddings[j]) < strict:
            continue
        neighbours[i].append(j)
        neighbours[j].append(i)
    # Degree counts distinct other articles first: a fact many sources report seeds first.
    def degree(i: int) -> tuple[int, int]:
        arts = {sentences[j].article_id for j in neighbours[i]} - {sentences[i].article_id}
        return (len(arts), len(neighbours[i]))

    order = sorted(range(n), key=lambda i: degree(i), reverse=True)
    assigned = np.full(n, -1)
    groups: list[Group] = []
    for i in order:
        if assigned[i] >= 0:
            continue
        members = [i] + [j for j in neighbours[i] if assigned[j] < 0]
        for m in members:
            assigned[m] = len(groups)
        centroid = embeddings[members].mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        groups.append(Group(members=sorted(members), centroid=centroid))
    for g in groups:
        g.articles = list(dict.fromkeys(sentences[m].article_id for m in g.members))
    return groups
