"""Concept coverage: what many of the day's articles say, counted once.

A concept is a pair of neighbouring content words after stemming ("oil spill", "peace talk").
The bigrams that many articles share are the day's facts in small pieces; a briefing that
covers the heaviest of them, each once, says most of what the outlets agree on without saying
anything twice (Gillick & Favre's concept coverage). Selection adds, for each candidate line,
the weight of the concepts it would add that no chosen line holds yet.

A concept weighs the number of articles that hold it, when at least ``min_articles`` do, raised
by the share of those articles whose headline holds it too (``headline``) and of those that say
it in their opening sentences (``opening``). Those three numbers are chosen by cross-validation
over the development clusters (``bench/quality.py``); a linear model of seven such features,
fitted the same way, did worse out of fold than the plain count it was meant to refine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import snowballstemmer

from briefing.records import Article, Sentence

_TOKEN = re.compile(r"[a-z0-9]+")
# Function words never begin or end a concept: a pair such as "of the" says nothing. Wider
# than ranking's content-word list, which also serves short-word overlap checks.
STOPWORDS = frozenset(
    "a about above after again against all also am an and any are aren't as at be because "
    "been before being below between both but by can could did do does doing down during each "
    "few for from further had has have having he her here hers herself him himself his how i "
    "if in into is it its itself just me more most my myself no nor not now of off on once "
    "only or other our ours ourselves out over own same she should so some such than that the "
    "their theirs them themselves then there these they this those through to too under until "
    "up very was we were what when where which while who whom why will with would you your "
    "yours yourself said says say told according mr mrs ms one two new year years may might "
    "must shall us".split())
OPENING = 3  # sentences counted as an article's opening (the inverted pyramid's top)
_STEMMER = snowballstemmer.stemmer("porter")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


@lru_cache(maxsize=100_000)
def concepts(text: str) -> frozenset[tuple[str, str]]:
    """The stemmed content-word bigrams of a text."""
    words = [_stem(w) for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]
    return frozenset(zip(words, words[1:], strict=False))


def concept_weights(articles: Sequence[Article], sentences: Sequence[Sentence],
                    min_articles: int = 3, headline: float = 0.0, opening: float = 0.0
                    ) -> dict[tuple[str, str], float]:
    """Each concept held by at least ``min_articles`` articles, with its weight: the number of
    articles holding it, times ``1 + headline × share of those whose headline holds it``,
    times ``1 + opening × share of those saying it in their first OPENING sentences``."""
    holders: dict[tuple[str, str], set[str]] = {}
    opens: dict[tuple[str, str], set[str]] = {}
    for sentence in sentences:
        for c in concepts(sentence.text):
            holders.setdefault(c, set()).add(sentence.article_id)
            if opening and sentence.position < OPENING:
                opens.setdefault(c, set()).add(sentence.article_id)
    in_headline: dict[tuple[str, str], set[str]] = {}
    if headline:
        for article in articles:
            if not article.title_generated:
                for c in concepts(article.title):
                    in_headline.setdefault(c, set()).add(article.id)
    weights = {}
    for c, who in holders.items():
        df = len(who)
        if df >= min_articles:
            weights[c] = (df * (1 + headline * len(in_headline.get(c, set()) & who) / df)
                          * (1 + opening * len(opens.get(c, ())) / df))
    return weights


class Coverage:
    """The weight each candidate line would add, kept up to date as lines are chosen: when a
    concept is covered, only the lines that hold it lose its weight (an inverted index), so a
    choice costs what it touches, not a pass over every line."""

    def __init__(self, line_texts: Sequence[str], weights: dict[tuple[str, str], float]):
        self.weights = weights
        self.holders: dict[tuple[str, str], list[int]] = {}
        self.line_concepts: list[list[tuple[str, str]]] = []
        self.gain = np.zeros(len(line_texts), dtype=np.float64)
        for n, text in enumerate(line_texts):
            held = [c for c in concepts(text) if c in weights]
            self.line_concepts.append(held)
            for c in held:
                self.holders.setdefault(c, []).append(n)
                self.gain[n] += weights[c]
        self.covered: set[tuple[str, str]] = set()

    def reword(self, line: int, text: str) -> None:
        """Line ``line`` now reads ``text``: its concepts and gain follow."""
        for c in self.line_concepts[line]:
            self.holders[c].remove(line)
        held = [c for c in concepts(text) if c in self.weights]
        self.line_concepts[line] = held
        for c in held:
            self.holders.setdefault(c, []).append(line)
        self.gain[line] = sum(self.weights[c] for c in held if c not in self.covered)

    def take(self, line: int) -> None:
        for c in self.line_concepts[line]:
            if c not in self.covered:
                self.covered.add(c)
                for n in self.holders[c]:
                    self.gain[n] -= self.weights[c]
        np.maximum(self.gain, 0.0, out=self.gain)  # float error never makes a gain negative
