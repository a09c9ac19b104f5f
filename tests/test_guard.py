"""The faithfulness guard, check by check, on sentences like the seeds' (the real encoder for
similarity)."""

from __future__ import annotations

import re

import pytest

from briefing.analyse.embedder import shared_embedder
from briefing.summarize.guard import (
    check_complete,
    check_dates,
    check_entities,
    check_negation,
    check_numbers,
    check_similarity,
    check_text,
    date_mentions,
    number_mentions,
    review,
)

MEETING = [
    "US Secretary of State Antony Blinken met Russia's Foreign Minister Sergei Lavrov in "
    "Geneva on Friday, January 21, 2022.",
    "The talks lasted 90 minutes and did not produce a breakthrough, officials said.",
]
AID = [
    "The United States approved $200 million in security assistance for Ukraine.",
    "Estonia will send Javelin anti-tank missiles and Latvia two hundred Stinger missiles.",
]
TROOPS = ["Washington will not send troops to Ukraine, Biden said on Wednesday."]


def _embed(texts):
    from briefing.analyse.embedder import embed_texts

    return embed_texts(list(texts), shared_embedder())


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("candidate", [
    "The US approved $200 million for Ukraine.",
    "The US approved $200m for Ukraine.",  # abbreviation of the same scale
    "Latvia will send two hundred Stinger missiles.",
    "Talks lasted 90 minutes.",
])
def test_numbers_from_the_evidence_pass(candidate):
    assert check_numbers(candidate, AID + MEETING) is None


@pytest.mark.parametrize("candidate, surface", [
    ("The US approved $300 million for Ukraine.", "300"),
    ("The US approved $200 billion for Ukraine.", "billion"),  # a thousandfold is a new fact
    ("Estonia will send 40 Javelin missiles.", "40"),
    ("Three Stinger missiles went to Latvia.", "Three"),
])
def test_a_number_missing_from_the_evidence_is_named(candidate, surface):
    assert check_numbers(candidate, AID) == f"number '{surface}' is not in the evidence"


def test_numbers_are_compared_by_value_not_spelling():
    assert [v for _, v in number_mentions("1,200 troops, 2.50 percent, twenty-two, seven")] \
        == ["1200", "2.5", "22", "7"]
    assert check_numbers("Some 1200 troops arrived.", ["Some 1,200 troops arrived."]) is None
    assert check_numbers("Seven soldiers were hurt.", ["7 soldiers were hurt."]) is None


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("candidate", [
    "Blinken met Lavrov on January 21.",
    "Blinken met Lavrov on 21 January 2022.",
    "Blinken met Lavrov in January.",
    "Blinken met Lavrov on Friday.",
    "Blinken met Lavrov on Jan. 21.",
])
def test_dates_from_the_evidence_pass(candidate):
    assert check_dates(candidate, MEETING) is None


@pytest.mark.parametrize("candidate, surface", [
    ("Blinken met Lavrov on January 22.", "January 22"),
    ("Blinken met Lavrov in February.", "February"),
    ("Blinken met Lavrov on Thursday.", "Thursday"),
    ("Blinken met Lavrov yesterday.", "yesterday"),
    ("Blinken met Lavrov in 2021.", "2021"),
])
def test_a_date_missing_from_the_evidence_is_named(candidate, surface):
    assert check_dates(candidate, MEETING) == f"date '{surface}' is not in the evidence"


def test_may_and_march_are_dates_only_where_they_are_dates():
    assert date_mentions("Russia may invade, and troops march on.") == []
    assert [key for _, key in date_mentions("On May 5 they met; in March they did not.")] \
        == [("md", 5, 5), ("m", 5), ("m", 3)]


# --- named entities ---------------------------------------------------------------------------


@pytest.mark.parametrize("candidate", [
    "Blinken and Lavrov met in Geneva.",
    "Foreign Minister Lavrov met Secretary of State Blinken.",  # a name shortened in order
    "The US Secretary of State met Russia's foreign minister.",
    "Officials said the talks in Geneva lasted 90 minutes.",  # "Officials": capital by position
])
def test_names_from_the_evidence_pass(candidate):
    assert check_entities(candidate, MEETING) is None


@pytest.mark.parametrize("candidate, surface", [
    ("Blinken met Lavrov in Vienna.", "Vienna"),
    ("Sergei Blinken met Lavrov.", "Sergei Blinken"),  # two real names spliced into one
    ("Blinken met Foreign Minister Dmytro Kuleba.", "Foreign Minister Dmytro Kuleba"),
    ("NATO officials met in Geneva.", "NATO"),
])
def test_a_name_missing_from_the_evidence_is_named(candidate, surface):
    assert check_entities(candidate, MEETING) == f"named entity '{surface}' is not in the evidence"


# --- negation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("candidate", [
    "Washington will not send troops to Ukraine.",
    "Biden said the US won't send troops to Ukraine.",
    "Washington has no plans to send troops, Biden said.",
])
def test_a_kept_negation_passes(candidate):
    assert check_negation(candidate, TROOPS) is None


def test_an_affirmed_negated_statement_is_a_dropped_negation():
    assert check_negation("Washington will send troops to Ukraine.", TROOPS) == \
        "drops the negation 'not … send' of the evidence"


def test_the_items_own_negation_must_survive_even_reworded():
    # "produce" does not come back, but the item's sentence was negative and this is not.
    assert check_negation("The 90-minute talks made a breakthrough.", MEETING[1:]) == \
        "drops the negation 'not … produce' of the item"
    # Another source's negation only binds the words it negates.
    assert check_negation("Blinken met Lavrov in Geneva.", MEETING) is None


def test_an_added_negation_is_rejected():
    assert check_negation("Blinken did not meet Lavrov in Geneva.", MEETING) == \
        "adds a negation 'not … meet' the evidence lacks"
    assert check_negation("Estonia refused to send Javelin missiles.", AID) == \
        "adds a negation 'refused … send' the evidence lacks"


# --- completeness and similarity --------------------------------------------------------------


def test_a_text_cut_off_mid_sentence_is_rejected():
    assert check_complete("Blinken met Lavrov in Geneva.", MEETING) is None
    assert check_complete("Blinken met Lavrov in", MEETING).startswith(
        "the generated text stops mid-sentence")


def test_similarity_keeps_a_paraphrase_and_rejects_an_unrelated_text():
    close = "Blinken and Lavrov held talks in Geneva on Friday."
    assert check_similarity(close, MEETING, _embed, 0.6) is None
    far = "The football season opens with a home game in Madrid."
    reason = check_similarity(far, MEETING, _embed, 0.6)
    assert reason is not None and re.match(r"similarity -?0\.\d\d to the evidence", reason)
    assert reason.endswith("is below summarizer.min_similarity 0.60")


# --- the guard as a whole ---------------------------------------------------------------------


def test_review_gives_one_verdict_per_candidate_with_the_first_reason():
    candidates = [
        "Blinken and Lavrov held talks in Geneva on Friday.",  # faithful
        "Blinken and Lavrov held talks in Geneva on Friday for 45 minutes.",  # invented figure
        "Blinken and Lavrov held talks in Geneva on Monday.",  # wrong day (date comes first)
        "",  # nothing generated
        "The football season opens with a home game in Madrid.",  # unrelated, and a new name
    ]
    verdicts = review(candidates, [MEETING] * len(candidates), _embed, 0.6)
    assert verdicts == [
        None,
        "number '45' is not in the evidence",
        "date 'Monday' is not in the evidence",
        "the model returned no text",
        "named entity 'Madrid' is not in the evidence",
    ]


def test_lexical_checks_run_before_the_encoder():
    # A candidate that fails a cheap check never reaches the embedding call.
    calls = []

    def counting_embed(texts):
        calls.append(list(texts))
        return _embed(texts)

    review(["Blinken met Lavrov in Vienna."], [MEETING], counting_embed, 0.6)
    assert calls == []
    assert check_text("Blinken met Lavrov in Geneva.", MEETING) is None
