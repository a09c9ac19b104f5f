"""The compose stage, in order: group, file under themes, rank, word, select, build sections."""

from __future__ import annotations

import numpy as np

from briefing.compose.grouping import group_sentences
from briefing.compose.ranking import WEIGHTS, Weights, score_groups
from briefing.compose.sections import GENERIC_ID, TOP_LINES, assign_themes, build_sections
from briefing.compose.selection import select
from briefing.compose.themes import ThemeIndex
from briefing.compose.wording import choose_wording
from briefing.config import Settings
from briefing.records import Article, Item, Section, Sentence


def compose(articles: list[Article], sentences: list[Sentence], embeddings: np.ndarray,
            settings: Settings, theme_index: ThemeIndex | None,
            weights: Weights | None = None) -> tuple[list[Section], list[Item]]:
    """Return the sections (in config order, catch-all last) and the top lines."""
    if weights is None or not isinstance(weights, Weights):
        from briefing.compose.stories import compose_stories

        return compose_stories(articles, sentences, embeddings, settings, theme_index, weights)
    if not sentences:
        return [], []
    by_id = {a.id: a for a in articles}
    weights = weights or WEIGHTS
    groups = group_sentences(sentences, embeddings, settings.group_threshold)
    assign_themes(groups, theme_index, settings.theme_threshold)
    score_groups(groups, sentences, embeddings, weights)
    for group in groups:
        choose_wording(group, sentences, embeddings)
    groups = [g for g in groups if g.text]
    chosen = select(groups, embeddings, settings.budget_words,
                    [t.id for t in settings.themes] if theme_index else [GENERIC_ID],
                    redundancy_cutoff=settings.group_threshold)
    sections = build_sections(chosen, sentences, settings, by_id, theme_index is not None)
    items = [i for s in sections for i in s.items]
    top = sorted(items, key=lambda i: -i.score)[:TOP_LINES]
    return sections, top
