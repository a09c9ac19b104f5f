"""Exact selection (compose.exact): the best set of lines under the budget, with the story
structure kept; and, in a generic briefing, another outlet's wording of a fact in its place."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import analyse_seeds

from briefing.compose.core import compose
from briefing.compose.exact import plan
from briefing.compose.weights import STORY_WEIGHTS
from briefing.config import settings_from_mapping


def _plan(lengths, concepts, room, static=None, leads=None, owner=None, started=None,
          repeats=(), share=1.0):
    n = len(lengths)
    weights = {c: w for line in concepts for c, w in line}
    gain = np.array([sum(w for _c, w in line) for line in concepts])
    return plan(np.arange(n), np.array(lengths), room, [[c for c, _w in line] for line in concepts],
                weights, set(), gain, np.array(static if static is not None else [0.0] * n),
                share,
                np.array(leads if leads is not None else [False] * n),
                np.array(owner if owner is not None else list(range(n))),
                np.array(started if started is not None else [True] * n),
                lambda _lines: list(repeats))


def test_one_long_line_that_adds_most_beats_two_short_ones_that_fit_first():
    # Per word, the four-word line is best (1.0), and greedy would take it, then the
    # six-word one (0.5 per word): 7 in all. The ten-word line alone says 8.
    lengths = [10, 4, 6]
    concepts = [[(("a", "b"), 8.0)], [(("c", "d"), 4.0)], [(("e", "f"), 3.0)]]
    assert _plan(lengths, concepts, 10) == [0]


def test_a_concept_counts_once_however_many_lines_hold_it():
    shared = (("peace", "talk"), 5.0)
    chosen = _plan([5, 5, 5], [[shared], [shared], [(("ceas", "fire"), 2.0)]], 10)
    assert sorted(chosen) in ([0, 2], [1, 2])


def test_facts_come_only_under_their_story_lead_and_a_story_has_one_lead():
    # Story 0 has two lead options (lines 0 and 1) and a fact (line 2) rich in concepts.
    lengths = [5, 5, 5]
    concepts = [[(("a", "b"), 1.0)], [(("c", "d"), 1.5)], [(("e", "f"), 9.0)]]
    chosen = _plan(lengths, concepts, 15, leads=[True, True, False], owner=[0, 0, 0],
                   started=[False])
    assert chosen[0] == 1 and sorted(chosen) == [1, 2], chosen  # leads first, one of them
    # Without room for a lead beside it, the fact cannot come alone.
    assert _plan(lengths, concepts, 5, leads=[True, True, False], owner=[0, 0, 0],
                 started=[False]) == [1]


def test_two_lines_that_say_one_thing_are_never_both_chosen():
    concepts = [[(("a", "b"), 4.0)], [(("c", "d"), 4.0)], [(("e", "f"), 1.0)]]
    chosen = _plan([5, 5, 5], concepts, 15, repeats=[(0, 1)])
    assert len({0, 1} & set(chosen)) == 1 and 2 in chosen


def test_nothing_fits_nothing_is_planned():
    assert _plan([12, 20], [[(("a", "b"), 1.0)], [(("c", "d"), 1.0)]], 10) == []


@pytest.fixture(scope="module")
def seeds():
    return analyse_seeds()


@pytest.mark.parametrize("budget", [120, 400])
def test_a_generic_briefing_says_each_fact_once_in_the_wording_of_one_of_its_reports(
        seeds, budget):
    articles, sentences, vectors = seeds
    settings = settings_from_mapping({"themes": [], "budget_words": budget})
    weights = dataclasses.replace(STORY_WEIGHTS, exact=True, wordings=3)
    sections, _top = compose(articles, sentences, vectors, settings, None, weights)
    lines = [line for item in sections[0].items for line in [item, *item.facts]]
    assert sum(len(line.text.split()) for line in lines) <= budget
    texts = [line.text for line in lines]
    assert len(set(texts)) == len(texts)
    # Each line is shown with the article it was worded from first among its evidence.
    by_article = {}
    for s in sentences:
        by_article.setdefault(s.article_id, []).append(s.text)
    for line in lines:
        first = line.evidence[0]
        assert first.text in by_article[first.article]
    # No two lines are as close as two reports of one fact.
    rows = [next(i for i, s in enumerate(sentences) if s.text == line.evidence[0].text
                 and s.article_id == line.evidence[0].article) for line in lines]
    close = vectors[rows] @ vectors[rows].T
    np.fill_diagonal(close, 0)
    assert close.max() < STORY_WEIGHTS.redundancy + 0.01


def test_the_exact_plan_says_as_much_of_the_days_concepts_as_greedy_choice_or_more(seeds):
    from briefing.compose.coverage import concept_weights, concepts

    articles, sentences, vectors = seeds
    weights_of = concept_weights(articles, sentences, STORY_WEIGHTS.concept_min_articles)
    said = {}
    for exact in (False, True):
        weights = dataclasses.replace(STORY_WEIGHTS, exact=exact, wordings=3, coverage=1.0)
        settings = settings_from_mapping({"themes": [], "budget_words": 150})
        sections, _top = compose(articles, sentences, vectors, settings, None, weights)
        held = set().union(*(concepts(line.text) for item in sections[0].items
                             for line in [item, *item.facts]))
        said[exact] = sum(weights_of.get(c, 0.0) for c in held)
    assert said[True] >= said[False]
