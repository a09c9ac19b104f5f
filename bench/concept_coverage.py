"""The concept-coverage anchor: Gillick & Favre's method (ICSI, TAC 2008-2009), with no rules.

Concepts are content-word bigrams after Porter stemming (stop words removed first, as
sumy's English list has them). A concept weighs the number of the cluster's articles that
contain it, and only concepts in at least ``MIN_ARTICLES`` articles count. Sentences are
chosen greedily by the weight of the concepts they add per word, while they fit the budget;
a concept counts once however many chosen sentences hold it. This is the bar Briefing has to
clear (issue 25), written here independently of Briefing's own composition.
"""

from __future__ import annotations

import re
from functools import cache

MIN_ARTICLES = 3
_TOKEN = re.compile(r"[a-z0-9]+")


@cache
def _tools():
    from nltk.stem.porter import PorterStemmer
    from sumy.utils import get_stop_words

    return PorterStemmer(), frozenset(get_stop_words("english"))


def concepts(sentence: str) -> set[tuple[str, str]]:
    stemmer, stop = _tools()
    words = [stemmer.stem(w) for w in _TOKEN.findall(sentence.lower()) if w not in stop]
    return set(zip(words, words[1:], strict=False))


def summary(documents: list[list[str]], budget: int) -> list[str]:
    """``documents``: each article's sentences. The chosen sentences, in the order chosen."""
    sentences = [(d, s) for d, sents in enumerate(documents) for s in sents]
    held = [concepts(s) for _d, s in sentences]
    articles: dict[tuple[str, str], set[int]] = {}
    for (d, _s), found in zip(sentences, held, strict=True):
        for c in found:
            articles.setdefault(c, set()).add(d)
    weight = {c: len(a) for c, a in articles.items() if len(a) >= MIN_ARTICLES}
    covered: set[tuple[str, str]] = set()
    chosen: list[str] = []
    words = 0
    open_ = set(range(len(sentences)))
    while open_:
        best, best_value = -1, 0.0
        for n in open_:
            length = len(sentences[n][1].split())
            if words + length > budget:
                continue
            gain = sum(weight.get(c, 0) for c in held[n] - covered)
            if gain / length > best_value:
                best, best_value = n, gain / length
        if best < 0:
            break
        open_.discard(best)
        chosen.append(sentences[best][1])
        covered |= held[best]
        words += len(sentences[best][1].split())
    return chosen
