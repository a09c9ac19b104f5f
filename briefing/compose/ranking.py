"""Ranking: how important each fact is inside its story (word support across outlets,
closeness to the story's openings and centre, position, quotes), with the weights and the
corpus that set each."""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from briefing.compose.grouping import Story
from briefing.compose.leads import resolve_relative_days, standalone_quality
from briefing.compose.weights import StoryWeights
from briefing.compose.wording import make_self_contained
from briefing.records import Sentence
from briefing.text.patterns import MONTH, NAME_WORDS_CACHE, NUMBER, QUOTED, name_spans


@lru_cache(maxsize=NAME_WORDS_CACHE)
def informativeness(text: str) -> float:
    """Numbers, dates and names carry the facts an analyst wants; 0..1. Kept by text, as
    the names are: the daemon's poll jobs read each new sentence's (``Pipeline.prepare``)."""
    hits = (len(NUMBER.findall(text)) + len(MONTH.findall(text))
            + len(name_spans(text, trim_openers=True)))
    return min(hits, 6) / 6




_WORD = re.compile(r"[a-z0-9]+")


_STOPWORDS = frozenset(
    "a an the and or but of in on at to for from by with as is are was were be been being "
    "has have had do does did that this these those it its he she they them his her their "
    "we our you your i not no said says say will would could should may might can also "
    "than then there here who whom which what when where while after before about over "
    "into out up down more most some any all one two new last first".split())


def content_words(text: str) -> set[str]:
    """Lower-cased content words, crudely singularised (agreement across outlets' wordings)."""
    return {w[:-1] if len(w) > 4 and w.endswith("s") else w
            for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2}


def word_support(sentences: list[Sentence]) -> list[float]:
    """For each sentence, the mean share of the day's articles that use each of its content
    words: corroboration by the words outlets share, finer than whole facts. Counted over
    all articles, not one story's: in a story of one article every word would count 1."""
    # Each sentence's words as a tuple of word numbers, not a set of strings: a set per
    # sentence of a 5 MB article (23,000) took 45 MB; the tuples take a tenth of that.
    number: dict[str, int] = {}
    words = [tuple({number.setdefault(w, len(number)) for w in content_words(s.text)})
             for s in sentences]
    per_article: dict[str, set[int]] = {}
    for s, vocabulary in zip(sentences, words, strict=True):
        per_article.setdefault(s.article_id, set()).update(vocabulary)
    df = [0] * len(number)
    for vocabulary in per_article.values():
        for w in vocabulary:
            df[w] += 1
    size = max(len(per_article), 1)
    return [sum(df[w] for w in v) / (len(v) * size) if v else 0.0 for v in words]


def score_facts(story: Story, sentences: list[Sentence], embeddings: np.ndarray,
                weights: StoryWeights, support: list[float],
                published: dict[str, str | None] | None = None,
                listings: set[str] | frozenset[str] = frozenset(),
                hook_lines: set[int] | frozenset[int] = frozenset()) -> None:
    """Every fact's wording and importance within the story. Each usable member sentence
    (``leads.standalone_quality``) is scored as it would be shown; the fact takes
    its best-scoring member as wording, plus how many of the story's articles report it.
    Sentences of ``listings`` (article ids) and the ``hook_lines`` (rows of features' first
    lines, ``Story.features``) are never the wording."""
    size = len(story.articles)
    inside = set(story.articles)
    core_vector = story.core if story.core is not None else story.centroid
    for fact in story.facts:
        reporting = {sentences[m].article_id for m in fact.members} & inside
        corroboration = math.log2(1 + len(reporting)) / math.log2(1 + size) if size > 1 else 0.0
        fact.best, fact.score, fact.text = -1, -math.inf, ""
        fact.wordings = []
        for m in fact.members:
            sentence = sentences[m]
            if sentence.article_id in listings or m in hook_lines:
                continue
            quality = standalone_quality(sentence)
            if quality <= weights.fact_min_quality:
                continue
            value = (weights.corroboration * corroboration
                     + weights.centrality * float(embeddings[m] @ story.centroid)
                     + weights.core * float(embeddings[m] @ core_vector)
                     + weights.position / (1 + sentence.position)
                     # Read only when it counts: 0 by default (weights.py).
                     + (weights.information * informativeness(sentence.text)
                        if weights.information else 0.0)
                     + weights.support * support[m]
                     - weights.quote * quote_share(sentence.text)
                     + weights.wording * quality)
            fact.wordings.append((m, value))
            if value > fact.score:
                fact.best, fact.score = m, value
        fact.wordings.sort(key=lambda mv: -mv[1])
        if fact.best >= 0:
            best = sentences[fact.best]
            fact.text = make_self_contained(best.text, best.context)
            if weights.resolve_days:
                fact.text = resolve_relative_days(fact.text,
                                                  (published or {}).get(best.article_id))




def quote_share(text: str) -> float:
    """The share of a sentence inside quotation marks (0..1)."""
    quoted = sum(len(m.group()) for m in QUOTED.finditer(text))
    return quoted / max(len(text), 1)
