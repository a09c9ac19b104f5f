"""How important a group is: corroboration, centrality, position, information."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from briefing.compose.grouping import Group
from briefing.records import Sentence
from briefing.text.patterns import MONTH, NUMBER, name_spans


def informativeness(text: str) -> float:
    """Numbers, dates and names carry the facts an analyst wants; 0..1."""
    hits = (len(NUMBER.findall(text)) + len(MONTH.findall(text))
            + len(name_spans(text, trim_openers=True)))
    return min(hits, 6) / 6


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in an item's importance (see docs/quality.md)."""

    corroboration: float = 1.5  # share of the day's articles that report the fact
    centrality: float = 1.0  # closeness to the day's centre of gravity
    information: float = 0.2  # numbers, dates, names
    lead: float = 0.5  # reported early in its article
    theme: float = 0.3  # fits its theme well


WEIGHTS = Weights()


def score_groups(groups: list[Group], sentences: list[Sentence], embeddings: np.ndarray,
                 weights: Weights = WEIGHTS) -> None:
    day_centroid = embeddings.mean(axis=0)
    day_centroid /= max(float(np.linalg.norm(day_centroid)), 1e-9)
    n_articles = len({s.article_id for s in sentences})
    for g in groups:
        sources = len(g.articles)
        centrality = float(g.centroid @ day_centroid)
        info = max(informativeness(sentences[m].text) for m in g.members)
        lead = max(1.0 / (1 + sentences[m].position) for m in g.members)
        corroboration = math.log2(1 + sources) / math.log2(1 + max(n_articles, 1))
        g.score = (weights.corroboration * corroboration + weights.centrality * centrality
                   + weights.information * info + weights.lead * lead
                   + weights.theme * max(g.theme_score, 0.0))
