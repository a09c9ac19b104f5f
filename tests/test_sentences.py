"""Sentence splitting and which paragraphs and sentences count (briefing.text.sentences), on
small texts written for the tests."""

from __future__ import annotations

import pytest

from briefing.text.sentences import is_candidate, is_heading, split_sentences


@pytest.mark.parametrize(("paragraph", "sentences"), [
    # Titles, abbreviations and initials end no sentence.
    ("Mr. Lopez went to Tolsa. He stayed a week.",
     ["Mr. Lopez went to Tolsa.", "He stayed a week."]),
    ("The U.S. said it would help. Others did not.",
     ["The U.S. said it would help.", "Others did not."]),
    ("The fair closed on Jan. 5 after two days. Nothing was sold.",
     ["The fair closed on Jan. 5 after two days.", "Nothing was sold."]),
    ("J. R. Marchand wrote the report. It was long.",
     ["J. R. Marchand wrote the report.", "It was long."]),
    ("Celebrex, made by G.D. Searle & Co., went on sale. It sold well.",
     ["Celebrex, made by G.D. Searle & Co., went on sale.", "It sold well."]),
    ("Dr. Vell and Prof. Dijk spoke. Both were brief.",
     ["Dr. Vell and Prof. Dijk spoke.", "Both were brief."]),
    # "May" is a month name, not an abbreviation: the sentence ends after it.
    ("It ended in May. The next round starts in June.",
     ["It ended in May.", "The next round starts in June."]),
    # A decimal point is no sentence end.
    ("Prices rose 2.5 percent in a year. Wages did not.",
     ["Prices rose 2.5 percent in a year.", "Wages did not."]),
    # Closing quotes stay with the sentence they close.
    ('"We will go," he said. "They will not." She left.',
     ['"We will go," he said.', '"They will not."', "She left."]),
    ("The sign read “Closed.” Nobody came.", ["The sign read “Closed.”", "Nobody came."]),
    # An ellipsis, written as three points or as one character, ends a sentence too.
    ("He paused... Then he spoke again.", ["He paused...", "Then he spoke again."]),
    ("He left… They stayed.", ["He left…", "They stayed."]),
    ("Will they come? Nobody knows! The end.", ["Will they come?", "Nobody knows!", "The end."]),
    # A sentence may start with a digit or an opening quote.
    ("The vote was close. 52 members voted yes.",
     ["The vote was close.", "52 members voted yes."]),
    ('He said it was over. "Nothing more," she replied.',
     ["He said it was over.", '"Nothing more," she replied.']),
    # No capital after the point: the same sentence goes on.
    ("The ship docked at 9 a.m. local time and left.",
     ["The ship docked at 9 a.m. local time and left."]),
])
def test_split_sentences(paragraph, sentences):
    assert split_sentences(paragraph) == sentences


def test_split_sentences_joins_lines_and_spaces():
    assert split_sentences("The ferry\n  sailed late.\nIt  was full.") == \
        ["The ferry sailed late.", "It was full."]
    assert split_sentences("   ") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("The ferry to Tolsa sailed two hours late.", True),
    ('"The ferry to Tolsa sailed two hours late."', True),
    ("The ferry sailed late.", False),  # fewer than six words
    ("Why did the ferry to Tolsa sail late?", False),  # a question reports nothing
    ("The ferry to Tolsa sailed late for these reasons:", False),  # introduces a list
    ("The ferry to Tolsa sailed two hours late and", False),  # no sentence end
    (" ".join(["word"] * 81) + ".", False),  # too long to be one fact
])
def test_is_candidate(text, expected):
    assert is_candidate(text) is expected


@pytest.mark.parametrize(("paragraph", "expected"), [
    ("Ferries in the north", True),  # no sentence end
    ("What happens next?", True),  # a short question
    ("The ferry to Tolsa sailed two hours late.", False),
    ("Late.", False),
    ("", False),
    (" ".join(["word"] * 30), False),  # too long for a heading: prose that lost its stop
])
def test_is_heading(paragraph, expected):
    assert is_heading(paragraph) is expected
