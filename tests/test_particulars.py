"""Particulars (briefing.compose.particulars): like events with their own toll, place or date
are each shown; one event reported twice is still said once. Real model, sentences written
for these tests."""

from __future__ import annotations

import pytest

from briefing.analyse.embedder import embed_texts, shared_embedder
from briefing.compose.core import compose
from briefing.compose.particulars import different_particulars, particulars
from briefing.config import settings_from_mapping
from briefing.records import Article, Sentence

CRASHES = {
    "peru": "Eleven people are killed and 30 others are injured when a bus crashes in Cusco, Peru.",
    "ghana": "Seventeen people are killed and 12 others are injured when a bus crashes near "
             "Tamale, Ghana.",
    "laos": "Six people are killed and 25 others are injured when a bus crashes in Luang "
            "Prabang, Laos.",
    "bolivia": "Twenty-four people are killed and 9 others are injured when a bus crashes near "
               "Oruro, Bolivia.",
}
# One crash, two outlets: the same toll and place in other words.
RETOLD = {
    "wire": "Fourteen people are killed and 20 others are injured when a bus crashes near "
            "Mwanza, Tanzania.",
    "paper": "A bus crash near Mwanza, Tanzania, kills fourteen people and injures 20 others.",
}


def test_particulars_read_figures_dates_and_names():
    found = particulars("Twenty-one people were killed near Oruro, Bolivia, on 3 March 2021.")
    assert found.figures == {"21"}  # the date's day and year are not figures
    assert found.dates == {("md", 3, 3), ("y", 2021)}
    assert {"oruro", "bolivia"} <= found.names


def test_one_differing_slot_tells_stories_apart_two_tell_lines_of_one_story_apart():
    peru, ghana = CRASHES["peru"], CRASHES["ghana"]
    assert different_particulars(peru, ghana)  # tolls and places differ
    assert different_particulars(peru, ghana, same_story=True)
    # One story's reports may revise the toll: a single slot does not part them.
    revised = peru.replace("Eleven", "Twelve").replace(" and 30 others are injured", "")
    assert different_particulars(peru, revised)
    assert not different_particulars(peru, revised, same_story=True)
    assert not different_particulars(RETOLD["wire"], RETOLD["paper"])
    assert not different_particulars(peru, peru)


@pytest.fixture(scope="module")
def briefing_of_crashes():
    texts = {**CRASHES, **RETOLD}
    articles = [Article(id=aid, title=aid, source=aid, text=text)
                for aid, text in texts.items()]
    sentences = [Sentence(aid, 0, 0, text) for aid, text in texts.items()]
    vectors = embed_texts([s.text for s in sentences], shared_embedder())
    settings = settings_from_mapping({"themes": [], "budget_words": 100_000})
    sections, _ = compose(articles, sentences, vectors, settings, None)
    lines = [line.text for s in sections for item in s.items for line in [item, *item.facts]]
    return vectors, lines


def test_bus_crashes_in_four_countries_are_four_lines(briefing_of_crashes):
    vectors, lines = briefing_of_crashes
    # The vectors alone call them repeats: some pair is as close as two reports of one fact.
    close = vectors[:4] @ vectors[:4].T
    assert close[~(close > 0.999)].max() >= 0.7
    for country in ("Peru", "Ghana", "Laos", "Bolivia"):
        assert sum(country in line for line in lines) == 1, (country, lines)


def test_one_crash_reported_twice_is_said_once(briefing_of_crashes):
    _, lines = briefing_of_crashes
    assert sum("Tanzania" in line for line in lines) == 1, lines


def test_like_events_are_not_grouped_as_one_fact_one_event_told_twice_is():
    from briefing.compose.grouping import group_sentences

    texts = [*CRASHES.values(), *RETOLD.values()]
    sentences = [Sentence(f"a{n}", 0, 0, text) for n, text in enumerate(texts)]
    vectors = embed_texts(texts, shared_embedder())
    # Peru and Bolivia, Ghana and Tanzania are as alike as two reports of one fact (0.78).
    assert float(vectors[0] @ vectors[3]) >= 0.78 and float(vectors[1] @ vectors[4]) >= 0.78
    groups = group_sentences(sentences, vectors, 0.78)
    together = [sorted(g.members) for g in groups if len(g.members) > 1]
    assert together == [[4, 5]]
