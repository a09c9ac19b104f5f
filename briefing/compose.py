"""Compose: sentences with embeddings to themed sections of cited, non-redundant items.

1. group sentences that report the same fact (across and within articles);
2. file each group under the theme it fits best, or the catch-all;
3. score groups by importance (sources, centrality, informative content, position);
4. pick each group's best wording and make it self-contained (see ``briefing.rewrite``);
5. select items under the word budget without redundancy (MMR), every theme represented;
6. order sections and items, and pick the top lines.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from briefing.config import CATCHALL_ID, Settings, Theme
from briefing.models import Article, Evidence, Item, Section, Sentence
from briefing.neighbours import neighbour_pairs
from briefing.rewrite import dangling_penalty, make_self_contained

GENERIC_ID = "summary"
REDUNDANCY = 0.62  # items closer than this to a chosen item say the same thing
TOP_LINES = 3

_NUMBER = re.compile(r"\b\d[\d,.]*\b|\$\s?\d")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|"
                    r"November|December|Jan\.|Feb\.|Dec\.)\b")
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")
_QUOTE_ONLY = re.compile(r"^[“\"‘'].*[”\"’']$")
_FIRST_PERSON = re.compile(r"^(I|We|Our|My|You)\b")


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


@dataclass
class ThemeIndex:
    """Theme vectors: the description and each example phrase, embedded."""

    themes: tuple[Theme, ...]
    vectors: list[np.ndarray]  # one (k, d) matrix per theme

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """(n, themes) similarity: half the best example, half the mean of all phrases."""
        cols = []
        for vecs in self.vectors:
            sims = matrix @ vecs.T
            cols.append(0.5 * sims.max(axis=1) + 0.5 * sims.mean(axis=1))
        return np.stack(cols, axis=1) if cols else np.zeros((len(matrix), 0))


def theme_phrases(theme: Theme) -> list[str]:
    phrases = [p for p in (theme.description, *theme.examples) if p.strip()]
    return phrases or [theme.title]


def compose(articles: list[Article], sentences: list[Sentence], embeddings: np.ndarray,
            settings: Settings, theme_index: ThemeIndex | None) -> tuple[list[Section], list[Item]]:
    """Return the sections (in config order, catch-all last) and the top lines."""
    if not sentences:
        return [], []
    by_id = {a.id: a for a in articles}
    groups = group_sentences(sentences, embeddings, settings.group_threshold)
    assign_themes(groups, theme_index, settings.theme_threshold)
    score_groups(groups, sentences, embeddings)
    for group in groups:
        choose_wording(group, sentences, embeddings)
    groups = [g for g in groups if g.text]
    chosen = select(groups, embeddings, settings.budget_words,
                    [t.id for t in settings.themes] if theme_index else [GENERIC_ID])
    sections = build_sections(chosen, sentences, settings, by_id, theme_index is not None)
    items = [i for s in sections for i in s.items]
    top = sorted(items, key=lambda i: -i.score)[:TOP_LINES]
    return sections, top


# 1. grouping ------------------------------------------------------------------------------


def group_sentences(sentences: list[Sentence], embeddings: np.ndarray,
                    threshold: float) -> list[Group]:
    """Star clustering: the most connected unassigned sentence seeds a group and takes its
    unassigned neighbours above the threshold. Unlike single linkage it does not chain
    loosely related sentences into one blob."""
    n = len(sentences)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for i, j in neighbour_pairs(embeddings, threshold):
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


# 2. themes --------------------------------------------------------------------------------


def assign_themes(groups: list[Group], index: ThemeIndex | None, threshold: float) -> None:
    if index is None:
        for g in groups:
            g.theme = GENERIC_ID
        return
    if not groups:
        return
    scores = index.scores(np.stack([g.centroid for g in groups]))
    for g, row in zip(groups, scores, strict=True):
        best = int(row.argmax())
        g.theme_score = float(row[best])
        g.theme = index.themes[best].id if row[best] >= threshold else CATCHALL_ID


# 3. importance ----------------------------------------------------------------------------


def informativeness(text: str) -> float:
    """Numbers, dates and names carry the facts an analyst wants; 0..1."""
    hits = len(_NUMBER.findall(text)) + len(_MONTH.findall(text)) + len(_NAME.findall(text))
    return min(hits, 6) / 6


def score_groups(groups: list[Group], sentences: list[Sentence], embeddings: np.ndarray) -> None:
    day_centroid = embeddings.mean(axis=0)
    day_centroid /= max(float(np.linalg.norm(day_centroid)), 1e-9)
    n_articles = len({s.article_id for s in sentences})
    for g in groups:
        sources = len(g.articles)
        centrality = float(g.centroid @ day_centroid)
        info = max(informativeness(sentences[m].text) for m in g.members)
        lead = max(1.0 / (1 + sentences[m].position) for m in g.members)
        corroboration = math.log2(1 + sources) / math.log2(1 + max(n_articles, 1))
        g.score = 1.2 * corroboration + 1.0 * centrality + 0.5 * info + 0.3 * lead \
            + 0.3 * max(g.theme_score, 0.0)


# 4. wording -------------------------------------------------------------------------------


def wording_quality(sentence: Sentence) -> float:
    """How well a sentence stands alone as a briefing item (higher is better)."""
    text = sentence.text
    words = len(text.split())
    quality = 0.0
    if words < 10:
        quality -= 0.3
    elif words > 45:
        quality -= 0.02 * (words - 45)
    quality -= dangling_penalty(text, sentence.context)
    if _QUOTE_ONLY.match(text) or _FIRST_PERSON.match(text):
        quality -= 1.0  # a quote without its speaker, or "we"/"I" without who we are
    return quality


def choose_wording(group: Group, sentences: list[Sentence], embeddings: np.ndarray) -> None:
    best, best_value = -1, -math.inf
    for m in group.members:
        quality = wording_quality(sentences[m])
        if quality <= -1.0:
            continue
        value = quality + 1.5 * float(embeddings[m] @ group.centroid)
        if value > best_value:
            best, best_value = m, value
    if best < 0:
        group.text = ""
        return
    group.best = best
    group.text = make_self_contained(sentences[best].text, sentences[best].context)


# 5. selection -----------------------------------------------------------------------------


def select(groups: list[Group], embeddings: np.ndarray, budget_words: int,
           theme_order: list[str], lam: float = 0.5) -> list[Group]:
    """Greedy MMR under the word budget. Each theme first gets its best item (so no section
    is empty when it has material), then items go by score minus redundancy."""
    ranked = sorted(groups, key=lambda g: -g.score)
    chosen: list[Group] = []
    chosen_vecs: list[np.ndarray] = []
    words = 0

    def redundancy(g: Group) -> float:
        if not chosen_vecs:
            return 0.0
        mat = np.stack(chosen_vecs)
        own = embeddings[g.best]
        return float(max((mat @ own).max(), (mat @ g.centroid).max()))

    def take(g: Group) -> bool:
        nonlocal words
        w = len(g.text.split())
        if words + w > budget_words or redundancy(g) >= REDUNDANCY:
            return False
        chosen.append(g)
        chosen_vecs.append(embeddings[g.best])
        words += w
        return True

    for theme in [*theme_order, CATCHALL_ID]:
        for g in ranked:
            if g.theme == theme and take(g):
                break
    remaining = [g for g in ranked if g not in chosen]
    while remaining:
        best, best_value = None, -math.inf
        for g in remaining:
            value = g.score - lam * redundancy(g)
            if value > best_value:
                best, best_value = g, value
        remaining.remove(best)
        take(best)
        if words >= budget_words:
            break
    return chosen


# 6. sections ------------------------------------------------------------------------------


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
