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

from briefing.config import CATCHALL_ID, Settings
from briefing.models import Article, Evidence, Item, Section, Sentence
from briefing.neighbours import neighbour_pairs
from briefing.rewrite import dangling_penalty, make_self_contained
from briefing.themes import ThemeIndex

GENERIC_ID = "summary"
SAME_ARTICLE_MARGIN = 0.1  # two sentences of one article must be this much closer to merge
TOP_LINES = 3

_NUMBER = re.compile(r"\b\d[\d,.]*\b|\$\s?\d")
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|"
                    r"November|December|Jan\.|Feb\.|Dec\.)\b")
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")
_QUOTE_ONLY = re.compile(r"^[“\"‘'].*[”\"’']$")
_FIRST_PERSON = re.compile(r"^(I|We|Our|My|You)\b")
# "…, he said, …": the speaker is only a pronoun, so the item would not say who spoke.
_PRONOUN_SPEAKER = re.compile(r"\b(he|she|they) (said|says|added|adds|told|noted|stressed)\b")


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


def compose(articles: list[Article], sentences: list[Sentence], embeddings: np.ndarray,
            settings: Settings, theme_index: ThemeIndex | None,
            weights: Weights | None = None) -> tuple[list[Section], list[Item]]:
    """Return the sections (in config order, catch-all last) and the top lines."""
    # Composition is story-based (briefing.stories); the fact-level steps below are the
    # building blocks it uses, and what a caller passing the old Weights still gets.
    if weights is None or not isinstance(weights, Weights):
        from briefing.stories import compose_stories

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


# 1. grouping ------------------------------------------------------------------------------


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


# 2. themes --------------------------------------------------------------------------------


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


# 3. importance ----------------------------------------------------------------------------


def informativeness(text: str) -> float:
    """Numbers, dates and names carry the facts an analyst wants; 0..1."""
    hits = len(_NUMBER.findall(text)) + len(_MONTH.findall(text)) + len(_NAME.findall(text))
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
    if _PRONOUN_SPEAKER.search(text):
        quality -= 1.0 if re.search("[“”\"]", text) else 0.5
    if _QUOTE_ONLY.match(text) or _FIRST_PERSON.match(text) or unbalanced_quotes(text):
        # A quote without its speaker, "we"/"I" without who we are, or half a quotation
        # cut by the sentence splitter: none reads correctly on its own.
        quality -= 1.0
    return quality


def unbalanced_quotes(text: str) -> bool:
    opening, closing = text.count("“"), text.count("”")
    straight = text.count('"')
    return opening != closing or straight % 2 == 1


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
           theme_order: list[str], redundancy_cutoff: float, lam: float = 0.5) -> list[Group]:
    """Greedy MMR under the word budget. Each theme first gets its best item (so no section
    is empty when it has material), then items go by score minus redundancy. An item as
    close to a chosen one as two reports of the same fact (``redundancy_cutoff``) is left
    out; closeness below that only lowers its rank.

    Linear in the number of groups per chosen item: each group's closeness to the chosen
    ones is kept up to date with one matrix-vector product per choice, and a group that no
    longer fits the words left or is too close to a chosen one is dropped for good (both
    only get worse as items are added).
    """
    ranked = sorted(groups, key=lambda g: -g.score)
    if not ranked:
        return []
    vectors = embeddings[[g.best for g in ranked]]
    scores = np.array([g.score for g in ranked])
    lengths = np.array([len(g.text.split()) for g in ranked])
    themes = np.array([g.theme for g in ranked], dtype=object)
    closeness = np.zeros(len(ranked), dtype=np.float32)  # max similarity to a chosen item
    open_ = np.ones(len(ranked), dtype=bool)
    chosen: list[Group] = []
    words = 0

    def usable() -> np.ndarray:
        open_[lengths > budget_words - words] = False
        open_[closeness >= redundancy_cutoff] = False
        return open_

    def take(index: int) -> None:
        nonlocal words, closeness
        chosen.append(ranked[index])
        words += int(lengths[index])
        open_[index] = False
        closeness = np.maximum(closeness, vectors @ vectors[index])

    for theme in [*theme_order, CATCHALL_ID]:
        candidates = np.flatnonzero(usable() & (themes == theme))
        if candidates.size:
            take(int(candidates[0]))  # ranked by score: the first is the theme's best
    while words < budget_words:
        mask = usable()
        if not mask.any():
            break
        value = np.where(mask, scores - lam * closeness, -np.inf)
        take(int(np.argmax(value)))
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
