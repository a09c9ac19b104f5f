"""Wire copy cleaning (briefing.text.wire): datelines, agency tags, bylines and desk notes go;
story text, including sentences that merely start with a place name, stays."""

from __future__ import annotations

import pytest

from briefing.records import RawDocument
from briefing.text.clean import clean_document
from briefing.text.wire import (
    clean_wire_text,
    is_wire_note,
    stamp_date,
    strip_dateline,
    strip_wire_copy,
)


@pytest.mark.parametrize("text", [
    "OSLO (AP) -- The ferry docked late.",
    "SPRINGFIELD, Ill. (AP) -- The ferry docked late.",
    "LYON, September 3 (Xinhua) -- The ferry docked late.",
    "LYON, Sept. 3 (AFP) - The ferry docked late.",
    "TALLINN, Estonia _ The ferry docked late.",
    "ST. JOHN'S, Newfoundland — The ferry docked late.",
    "Oslo (Reuters) - The ferry docked late.",
    "Bergen, Norway (CoastNewsNow) - The ferry docked late.",
    "(AP) -- The ferry docked late.",
    "BRUGES (Belgium), May 4 (Xinhua) -- The ferry docked late.",
])
def test_datelines_of_any_place_and_agency_are_removed(text):
    assert strip_dateline(text) == "The ferry docked late."


@pytest.mark.parametrize("text", [
    "Oslo was quiet on Sunday as the ferry docked late.",
    "Oslo, the capital, was quiet - for once.",
    "NATO said the ferry docked late.",
    "The ferry (a 40-year-old vessel) - docked late.",
    "Lyon, Marseille and Nice all reported delays.",
])
def test_sentences_that_start_with_a_place_are_kept(text):
    assert strip_dateline(text) == text


@pytest.mark.parametrize("paragraph", [
    "(Editors: a version of this story ran on Tuesday)",
    "Eds: Updates with new toll.",
    "(STORY CAN END HERE. OPTIONAL MATERIAL FOLLOWS)",
    "Story Filed By Northern Press Group",
    "Staff writers Ann Lee and Bo Chen contributed to this report.",
    "Ann Lee reported from Rome.",
    "By Jane Q. Doe, Associated Press Writer",
    "BY JOHN SMITH",
    "Sign up for our morning newsletter to get the news in your inbox.",
    "RELATED: Ferry operator fined last year",
])
def test_desk_notes_bylines_and_widgets_are_whole_paragraphs_removed(paragraph):
    assert is_wire_note(paragraph)
    assert clean_wire_text(paragraph) == ""


@pytest.mark.parametrize("paragraph", [
    "By Friday the ferry had docked.",
    "Rescuers said the sailors reported from the lower deck that water was rising.",
    "Officials related the delay to the storm.",
])
def test_story_sentences_are_not_mistaken_for_notes(paragraph):
    assert not is_wire_note(paragraph)


@pytest.mark.parametrize(("text", "clean"), [
    ("21.02.22 11:46 - The ferry docked late.", "The ferry docked late."),
    ("2022-02-21 11:46 | The ferry docked late.", "The ferry docked late."),
    ("The ferry docked late in Bergen. — Ukrinform.", "The ferry docked late in Bergen."),
    ("The ferry docked late on Monday. - Reuters", "The ferry docked late on Monday."),
    ("The ferry docked late, its captain said.Feb. 21, 2022", "The ferry docked late, its "
     "captain said."),
    # A day's stamp above the story, run into it when the line break was lost.
    ("Tuesday, May 14, 2024The ferry docked late.", "The ferry docked late."),
    ("Tuesday, May 14, 2024 The ferry docked late.", "The ferry docked late."),
    ("May 14, 2024The ferry docked late.", "The ferry docked late."),
    ("Tuesday, May 14, 2024", ""),
    ("May 14, 2024 was the day the ferry docked late.",
     "May 14, 2024 was the day the ferry docked late."),
    ("On Tuesday, May 14, 2024 The Times reported it.",
     "On Tuesday, May 14, 2024 The Times reported it."),
    # A dash inside the text, a score, a name after a dash that ends no sentence: kept.
    ("The vote was 5 - 4 to keep the ferry.", "The vote was 5 - 4 to keep the ferry."),
    ("It was a draw — Smith and Jones agreed.", "It was a draw — Smith and Jones agreed."),
])
def test_feed_time_stamps_agency_signatures_and_glued_dates_go(text, clean):
    assert clean_wire_text(text) == clean


def test_the_dateline_city_called_here_goes_with_the_dateline():
    assert clean_wire_text("BERGEN, May 4 (Xinhua) -- The ferry docked late, officials said "
                           "here on Monday.") == "The ferry docked late, officials said on Monday."
    assert clean_wire_text("The ferry docked here, officials said.") == (
        "The ferry docked here, officials said.")


def test_wire_quotes_and_underscore_dashes_are_normalised():
    assert clean_wire_text("''It was cold,'' she said _ and left.") == \
        '"It was cold," she said — and left.'


@pytest.mark.parametrize(("text", "clean"), [
    ('The crew of the ferry " Nordlys" was rescued.',
     'The crew of the ferry "Nordlys" was rescued.'),
    ('"We found them all, " the captain said.', '"We found them all," the captain said.'),
    ("``Get those people out,' '' said a firefighter.",
     """"Get those people out,'" said a firefighter."""),
    # Quotes that do not pair up in the paragraph, or that are no pair, stay as written.
    ('The captain said "we found them. "Then the storm came.',
     'The captain said "we found them. "Then the storm came.'),
    ('He called it " a miracle, and went on.', 'He called it " a miracle, and went on.'),
])
def test_padded_straight_quotes_are_closed_up(text, clean):
    assert clean_wire_text(text) == clean


def test_repeated_paragraph_is_dropped_with_a_note():
    paragraphs, notes = strip_wire_copy(["OSLO (AP) -- A ferry docked.", "It was late.",
                                         "A ferry docked."])
    assert paragraphs == ["A ferry docked.", "It was late."]
    assert any("repeated" in n for n in notes) and any("dateline" in n for n in notes)


def test_cleaner_strips_wire_codes_before_anything_else_sees_them():
    body = ("BERGEN, Norway (AP) -- A ferry carrying 200 passengers ran aground in fog on "
            "Sunday, the coast guard said, and all of them were brought ashore safely.\n\n"
            "The operator said the vessel would be towed to port on Monday for repairs.\n\n"
            "(Editors: updates with towing plan)")
    article = clean_document(RawDocument(origin="t", content=body.encode(), title="Ferry"))
    assert article.text.startswith("A ferry carrying 200")
    assert "Editors" not in article.text


def test_a_colon_dateline_goes_from_the_first_paragraph_only():
    from briefing.text.wire import strip_wire_copy

    out, _ = strip_wire_copy(["Lagos, Nigeria: The river burst its banks overnight.",
                              "Officials said: Nobody was hurt in the market."])
    assert out == ["The river burst its banks overnight.",
                   "Officials said: Nobody was hurt in the market."]
    kept, _ = strip_wire_copy(["Kyiv and Lviv: two cities without power for a day."])
    assert kept == ["Kyiv and Lviv: two cities without power for a day."]


def test_wire_desk_codes_and_bylines_leave_headlines():
    from briefing.text.wire import clean_wire_title

    assert clean_wire_title("Ferry sinks off Bergen ATTENTION - RECASTS ///") == \
        "Ferry sinks off Bergen"
    assert clean_wire_title("Ferry sinks off Bergen (UPDATE 2)") == "Ferry sinks off Bergen"
    for kept in ("Ferry sinks off Bergen", "Ferry Shot Down by Pirates Off Bergen",
                 "UPDATE: ferry found"):
        assert clean_wire_title(kept) == kept


@pytest.mark.parametrize(("paragraphs", "day"), [
    (["Tuesday, July 7, 2009", "The ferry docked late."], "2009-07-07"),
    (["Ferries in the fjord at dawn", "Saturday, March 26, 2005 The ferry docked late."],
     "2005-03-26"),  # under a caption, run into the text
    (["Sept. 3, 2021", "The ferry docked late."], "2021-09-03"),
    (["January 18, 2005 was the coldest day of the winter."], None),  # a sentence
    (["The ferry docked late.", "It sailed again.", "Monday, May 1, 2006"], None),  # too far
    (["February 30, 2005", "The ferry docked late."], None),  # no such day
])
def test_a_date_stamp_above_the_story_is_read_as_its_day(paragraphs, day):
    assert stamp_date(paragraphs) == day


def test_an_article_without_a_date_takes_its_stamps_and_one_with_a_date_keeps_its_own():
    text = ("Tuesday, July 7, 2009\nThe ferry between Bergen and Stavanger docked late on "
            "Monday after a storm, the operator Fjord Line said.\n\nIts crew of twelve was "
            "unhurt, and the ferry sailed again in the evening.")
    stamped = clean_document(RawDocument(origin="ferry.txt", content=text.encode()))
    assert stamped.published == "2009-07-07" and "2009" not in stamped.text
    dated = clean_document(RawDocument(origin="ferry.txt", content=text.encode(),
                                       published="2009-07-08T06:00:00+00:00"))
    assert dated.published == "2009-07-08T06:00:00+00:00"


def test_a_stamp_outside_the_years_of_news_dates_nothing():
    # Found in review: "December 31, 9999" overflowed the window's arithmetic at render.
    assert stamp_date(["Friday, December 31, 9999", "The ferry docked late."]) is None
    assert stamp_date(["Monday, January 1, 0001", "The ferry docked late."]) is None
