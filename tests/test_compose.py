"""Compose on the seeds' real embeddings: grouping threshold, generic mode, budget, top
lines, self-contained wording."""

from __future__ import annotations

import pytest
from conftest import REPO, analyse_seeds

from briefing.analyse.embedder import embed_texts, shared_embedder
from briefing.compose.core import compose
from briefing.compose.grouping import group_sentences
from briefing.compose.wording import (
    dangling_penalty,
    is_dangling,
    make_self_contained,
)
from briefing.config import load_settings, settings_from_mapping


@pytest.fixture(scope="module")
def seeds():
    return analyse_seeds()


def _geneva_groups(sentences, vectors, threshold):
    groups = group_sentences(sentences, vectors, threshold)
    hits = [i for i, s in enumerate(sentences) if "Geneva" in s.text and
            ("Lavrov" in s.text or "the 2 agreed" in s.text)]
    return {next(n for n, g in enumerate(groups) if i in g.members) for i in hits}


def test_group_threshold_decides_what_counts_as_the_same_fact(seeds):
    _, sentences, vectors = seeds
    assert len(_geneva_groups(sentences, vectors, 0.78)) == 1
    assert len(_geneva_groups(sentences, vectors, 0.97)) == 4


def test_generic_mode_is_one_summary_section_within_budget(seeds):
    articles, sentences, vectors = seeds
    settings = settings_from_mapping({"themes": [], "budget_words": 150})
    sections, top = compose(articles, sentences, vectors, settings, None)
    assert [s.theme for s in sections] == ["summary"]
    assert sum(words for _a, _t, words in _lines(sections[0].items)) <= 150
    assert 1 <= len(top) <= 3


def _lines(items):
    """A story's lead and its supporting facts, as (evidence article, evidence text, words)."""
    return [(line.evidence[0].article, line.evidence[0].text, len(line.text.split()))
            for item in items for line in [item, *item.facts]]


def test_budget_is_the_only_cap(seeds):
    articles, sentences, vectors = seeds
    small = settings_from_mapping({"themes": [], "budget_words": 200})
    large = settings_from_mapping({"themes": [], "budget_words": 100_000})
    few = _lines(compose(articles, sentences, vectors, small, None)[0][0].items)
    many = _lines(compose(articles, sentences, vectors, large, None)[0][0].items)
    assert sum(words for _a, _t, words in few) <= 200
    assert len(many) > 4 * len(few)
    # Every fact with a self-contained wording appears (in one of its reports' wordings,
    # ``StoryWeights.wordings``), unless it repeats a chosen line.
    from briefing.compose.grouping import attach_facts, group_articles
    from briefing.compose.ranking import content_words, score_facts, word_support
    from briefing.compose.weights import STORY_WEIGHTS

    index_of = {(s.article_id, s.text): n for n, s in enumerate(sentences)}
    chosen = [index_of[(a, t)] for a, t, _w in many]
    chosen_vectors = vectors[chosen]
    cutoff = min(STORY_WEIGHTS.redundancy, large.group_threshold)
    stories = group_articles(articles, sentences, vectors, STORY_WEIGHTS.story_threshold)
    attach_facts(stories, group_sentences(sentences, vectors, large.group_threshold),
                 sentences)
    support = word_support(sentences)
    for story in stories:
        score_facts(story, sentences, vectors, STORY_WEIGHTS, support)
        for fact in story.facts:
            if not fact.text or set(fact.members) & set(chosen):
                continue
            close = chosen_vectors @ vectors[fact.best]
            own = content_words(fact.text)
            # A repeat by its vector, or by its words: most of them in a chosen line the
            # vectors call near (``StoryWeights.word_overlap``).
            said = any(len(own & content_words(sentences[c].text))
                       >= STORY_WEIGHTS.word_overlap * len(own)
                       for c, near in zip(chosen, close, strict=True)
                       if near >= STORY_WEIGHTS.overlap_floor)
            assert float(close.max()) >= cutoff or said, fact.text


def test_top_lines_are_the_three_stories_most_outlets_report(seeds):
    articles, sentences, vectors = seeds
    settings = load_settings(REPO / "config.yaml")
    from briefing.compose.themes import ThemeIndex, theme_phrases

    index = ThemeIndex(settings.themes,
                       [embed_texts(theme_phrases(t), shared_embedder()) for t in settings.themes],
                       embed_texts(list(settings.catchall_examples), shared_embedder()))
    sections, top = compose(articles, sentences, vectors, settings, index)
    ranked = sorted((i for s in sections for i in s.items),
                    key=lambda i: (-len(i.sources), -i.score))
    assert top == ranked[:3]
    # They point at their stories by headline; no two share one.
    assert all(i.headline for i in top) and len({i.headline for i in top}) == 3


def test_relative_dates_become_absolute_when_the_article_gives_the_anchor():
    context = "On January 19, US Secretary of State Anthony Blinken met Dmytro Kuleba in Kyiv."
    assert make_self_contained("The next day, Blinken traveled to Berlin.", context) == \
        "On January 20, Blinken traveled to Berlin."
    assert make_self_contained("Two days later, the council met.", "On Jan. 10, talks began.") \
        == "On January 12, the council met."
    assert make_self_contained("However, the ministers agreed to meet again in Geneva.") == \
        "The ministers agreed to meet again in Geneva."


def test_unresolvable_references_are_flagged():
    assert dangling_penalty("He added that sanctions would follow.") == 1.0
    assert dangling_penalty("The next day, Canada sent troops.", "") > 0
    assert is_dangling("Then, they left.")
    assert not is_dangling("Blinken met Lavrov in Geneva on January 21.")


def test_connectives_are_peeled_only_where_they_tie_back():
    from briefing.compose.wording import make_self_contained

    assert make_self_contained("In addition, the ministry sent three more rescue teams.") == \
        "The ministry sent three more rescue teams."
    for kept in ("In addition to the US, NATO has sent an invitation to new talks.",
                 "So far, twelve people have died in the floods.",
                 "Also killed were two soldiers of the border unit."):
        assert make_self_contained(kept) == kept


def test_headers_of_fact_boxes_timelines_and_transcripts_are_not_news():
    from briefing.compose.leads import standalone_quality
    from briefing.records import Sentence

    for header in ("Figures available March 3 on the storm that hit the coast on Monday.",
                   "Following is a transcript of the last minutes of the flight.",
                   "Timeline for the ferry crossing that ended on the rocks.",
                   "Flood crisis news from March 3: officials say the river is falling.",
                   "10:40 p.m. CET -- The ferry leaves the port of Bergen."):
        assert standalone_quality(Sentence("a", 0, 0, header)) <= -1, header
    assert standalone_quality(Sentence(
        "a", 0, 0, "Following the storm, the ferry company cancelled every crossing.")) > -1
