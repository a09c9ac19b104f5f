"""Subjects: chosen stories that are developments of one subject, shown as one item.

Stories are events: the New York attorney general's inquiry into WeWork and WeWork's layoffs
the same week are two developments, and grouping keeps them apart (joining them cost ROUGE on
MultiLing and duc_tac, where each development of an event is a story of its own). A reader
still expects one item about WeWork, not two. So after selection, two chosen stories of one
section whose leads name a subject that the day's other articles do not open with, and whose
texts are alike, become one item: the more widely reported story's lead leads, the other
story's lead and facts follow as its facts, each citing its own articles. Selection is not
changed (the same lines, in a different order), so neither is what the budget holds.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from briefing.compose.grouping import OPENING_SENTENCES, Group, Story
from briefing.compose.outlets import voices
from briefing.records import Sentence
from briefing.text.patterns import name_words

# Two stories' whole texts (centroids of all their sentences) at least this alike. On the news
# pages, articles of one story are 0.60-0.94 alike and of different stories at most 0.55
# (bench/news_pages.py --separability); the WeWork probe and layoffs stories are 0.77.
SUBJECT_SIMILARITY = 0.6


def merge_subjects(chosen: list[tuple[Story, list[Group]]], sentences: list[Sentence],
                   embeddings: np.ndarray, rows: dict[str, list[int]]
                   ) -> list[tuple[Story, list[Group]]]:
    """The chosen (story, lines) pairs, with the stories of one subject merged into the one
    most outlets report.

    A subject is a name both leads carry that no article outside the two stories opens with
    (its first ``OPENING_SENTENCES``): "WeWork" on a day of many companies' news, never
    "Russia" on a day of Russia's war, which every story names. ``rows``: the sentences' rows
    by article (``grouping.rows_by_article``)."""
    if len(chosen) < 2:
        return chosen
    # The most widely reported story of a subject leads its item (the order of selection
    # breaks ties); the sections order items again.
    chosen = sorted(chosen, key=lambda pair: -voices(pair[0]))
    opening_names: dict[str, frozenset[str]] = {
        aid: frozenset().union(*(name_words(sentences[i].text)
                                 for i in own[:OPENING_SENTENCES]))
        for aid, own in rows.items()}
    opened_by: dict[str, set[str]] = {}
    for aid, names in opening_names.items():
        for name in names:
            opened_by.setdefault(name, set()).add(aid)
    lead_names = [name_words(lines[0].text) for _story, lines in chosen]
    centroids = np.stack([story.centroid for story, _lines in chosen])
    similar = centroids @ centroids.T
    into = list(range(len(chosen)))  # each story's item: its own index or an earlier one

    def root(k: int) -> int:
        while into[k] != k:
            k = into[k]
        return k

    for b in range(1, len(chosen)):
        story_b = chosen[b][0]
        for a in range(b):
            story_a = chosen[a][0]
            if story_a.theme != story_b.theme or similar[a, b] < SUBJECT_SIMILARITY:
                continue
            inside = {*story_a.articles, *story_b.articles}
            if any(opened_by.get(name, set()) <= inside
                   for name in lead_names[a] & lead_names[b]):
                into[b] = root(a)
                break
    merged: dict[int, tuple[Story, list[Group]]] = {}
    for k, (story, lines) in enumerate(chosen):
        home = root(k)
        if home == k:
            merged[k] = (story, list(lines))
        else:
            merged[home][1].extend([_cite_story(lines[0], story, sentences, embeddings, rows),
                                    *lines[1:]])
    return list(merged.values())


def _cite_story(lead: Group, story: Story, sentences: list[Sentence], embeddings: np.ndarray,
                rows: dict[str, list[int]]) -> Group:
    """A story's lead become a fact, still citing every article of its story as a lead does
    (``sections.story_item``): each article's sentence closest to it joins its members."""
    cited = {sentences[m].article_id for m in lead.members}
    extra = []
    for aid in story.articles:
        if aid not in cited and rows.get(aid):
            own = rows[aid]
            extra.append(own[int(np.argmax(embeddings[own] @ embeddings[lead.best]))])
    if not extra:
        return lead
    return replace(lead, members=[*lead.members, *extra],
                   articles=[*lead.articles, *(a for a in story.articles
                                               if a not in lead.articles)])
