"""A story's lead says who or what it is about: the parse (briefing.text.parse, spaCy's small
English pipeline) finds the main clause's subject, and a lead whose subject its own line does
not introduce, or whose time cannot be dated, leaves the story to its next option."""

from __future__ import annotations

import dataclasses

import pytest

from briefing.analyse.embedder import embed_texts, shared_embedder
from briefing.compose.core import compose
from briefing.compose.weights import STORY_WEIGHTS
from briefing.config import settings_from_mapping
from briefing.records import Article, Sentence
from briefing.text.standalone import first_line_problem


@pytest.mark.parametrize("text", [
    "The plane crashed into the sea shortly after takeoff on Friday.",
    "The new rules require developers to disclose their data.",
    "The company said it would cut 500 jobs.",
    "The man was subsequently quarantined in Bergen with 28 others.",
    "The Dutch foreign minister Wopke Hoekstra also said the Netherlands would help Kyiv.",
    "Germany, however, continues to deny requests for lethal aid to Ukraine.",
    "Ahead of the journey, Blinken spoke to Russian Foreign Minister Sergei Lavrov.",
    "During the decision, the 2 agreed to meet in Geneva.",
    "Several other countries announced support for Ukraine on January 20.",
    "They said the talks would resume on Monday.",
    "When Kennedy climbed into the cockpit on Friday night, he was in for a difficult ride.",
    "The couple's dog was frequently seen around the city.",
    "One year ago, the city of Halle was flooded.",
    "Officials in Lima said last week that the vote would be delayed.",
    "Alakoc added that the fire has burnt 250,000 tons of crude oil at the Tupras refinery.",
    "The fire at the Tupras refinery has burnt 250,000 tons of crude oil, Alakoc added.",
])
def test_a_line_that_does_not_say_who_or_when_cannot_lead(text):
    assert first_line_problem(text)


@pytest.mark.parametrize("text", [
    "The United Nations Security Council voted on Monday to extend the mission.",
    "The death toll from the earthquake in Turkey rose to 200 on Wednesday.",
    "The plane, a Boeing 737 carrying 150 people, crashed on Friday.",
    "The Clinton administration announced new sanctions against Iraq.",
    "The 118 crew of the submarine Kursk are dead, the Russian navy said.",
    "Police in Oslo arrested a man on Tuesday.",
    "A ferry sank off Bergen in a storm on Sunday night.",
    "In the morning, police in Oslo arrested a man.",
    "At the summit in Brussels, leaders agreed on new sanctions against Minsk.",
    "Germany added 500 troops to the NATO mission in Lithuania on Tuesday.",
])
def test_a_line_that_names_its_subject_can_lead(text):
    assert first_line_problem(text) == ""


def _story_of_three() -> tuple[list[Article], list[Sentence]]:
    texts = {
        "a": ["The plane crashed into the sea off Nantucket shortly after takeoff on Friday.",
              "Rescue boats searched the water through the night."],
        "b": ["The plane crashed into the sea off Nantucket minutes after takeoff on Friday.",
              "Coast guard boats searched the area overnight."],
        "c": ["A small plane flown by John Kennedy crashed into the sea off Nantucket on "
              "Friday, the coast guard said.",
              "Boats searched the water near Nantucket through the night."],
    }
    articles, sentences = [], []
    for aid, lines in texts.items():
        articles.append(Article(id=aid, title=f"Plane crash {aid}", source=aid,
                                text="\n\n".join(lines)))
        sentences += [Sentence(aid, n, n, t) for n, t in enumerate(lines)]
    return articles, sentences


def test_the_lead_is_the_option_that_introduces_the_event():
    articles, sentences = _story_of_three()
    vectors = embed_texts([s.text for s in sentences], shared_embedder())
    settings = settings_from_mapping({"themes": [], "budget_words": 60})

    def lead(weights):
        sections, _top = compose(articles, sentences, vectors, settings, None, weights)
        return sections[0].items[0].text

    unchecked = dataclasses.replace(STORY_WEIGHTS, lead_introduced=False)
    # Two of three outlets open on "The plane …": without the check it leads.
    assert lead(unchecked).startswith("The plane")
    assert lead(STORY_WEIGHTS).startswith("A small plane flown by John Kennedy")
