"""Chosen groups to themed sections of items, each citing its articles and evidence."""

from __future__ import annotations

import numpy as np

from briefing.compose.grouping import Group
from briefing.compose.themes import ThemeIndex
from briefing.config import CATCHALL_ID, Settings
from briefing.records import Article, Evidence, Item, Section, Sentence

GENERIC_ID = "summary"


TOP_LINES = 3


def assign_themes(groups: list[Group], index: ThemeIndex | None, threshold: float) -> None:
    if index is None:
        for g in groups:
            g.theme = GENERIC_ID
        return
    if not groups:
        return
    labels = index.classify(np.stack([g.centroid for g in groups]), threshold)
    for g, (theme, score) in zip(groups, labels, strict=True):
        g.theme, g.theme_score = theme, score


def build_sections(chosen: list[Group], sentences: list[Sentence], settings: Settings,
                   by_id: dict[str, Article], themed: bool) -> list[Section]:
    titles = {t.id: t.title for t in settings.themes} if themed else {GENERIC_ID: "Summary"}
    titles[CATCHALL_ID] = settings.catchall_title
    order = list(titles)
    order.remove(CATCHALL_ID)
    order.append(CATCHALL_ID)
    sections = []
    for theme in order:
        groups = sorted((g for g in chosen if g.theme == theme), key=lambda g: -g.score)
        if not groups:
            continue
        items = [_item(g, sentences) for g in groups]
        sections.append(Section(theme=theme, title=titles[theme], items=items))
    return sections


def _item(group: Group, sentences: list[Sentence]) -> Item:
    evidence: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    # The chosen wording's sentence first, then one sentence per other citing article.
    members = [group.best] + [m for m in group.members if m != group.best]
    cited: list[str] = []
    for m in members:
        s = sentences[m]
        if s.article_id in cited and m != group.best:
            continue
        if (s.article_id, s.text) in seen:
            continue
        seen.add((s.article_id, s.text))
        evidence.append(Evidence(article=s.article_id, text=s.text))
        cited.append(s.article_id)
    return Item(text=group.text, sources=list(dict.fromkeys(cited)), evidence=evidence,
                theme=group.theme, score=group.score)
