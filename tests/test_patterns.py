"""The shared text patterns (briefing.text.patterns), on small sentences written for the tests."""

from __future__ import annotations

import pytest

from briefing.text.patterns import (
    AMOUNT,
    CLOCK_TIME,
    DATE,
    DATE_MENTION,
    DATE_RANGE,
    DAY_FROM_TODAY,
    DAYS_AFTER_DATE,
    DAYS_AFTER_DATE_START,
    MONTH,
    MONTH_ABBREVIATIONS,
    NUMBER,
    NUMBER_WORD,
    SENTENCE_END,
    WEEKDAY,
    YEAR,
    date_parts,
    month_day,
    month_number,
    name_spans,
    name_words,
    numeral_value,
)


def _dates(text: str) -> list[tuple[int | None, int | None, int | None]]:
    return [date_parts(m) for m in DATE.finditer(text)]


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "parts"), [
    ("The ferry sails on March 3.", [(3, 3, None)]),
    ("The ferry sails on 3 March.", [(3, 3, None)]),
    ("It sailed on March 3, 2021, at dawn.", [(3, 3, 2021)]),
    ("It sailed on 3 March 2021.", [(3, 3, 2021)]),
    ("The fair opens Sept. 14th.", [(9, 14, None)]),
    ("The fair opens Sep 14.", [(9, 14, None)]),
    ("The fair opened on the 1st June.", [(6, 1, None)]),
    ("Shops close on May 2 and reopen on 9 May.", [(5, 2, None), (5, 9, None)]),
    ("Jan. 30 was cold; Dec 1 was not.", [(1, 30, None), (12, 1, None)]),
])
def test_date_reads_both_orders_abbreviations_and_a_year(text, parts):
    assert _dates(text) == parts


@pytest.mark.parametrize("text", [
    "May 5,000 people come?",  # a count after "May", not the fifth of May
    "They may 12 times try.",  # lower case: a verb, not a month
    "The Marines landed at 10.",  # "Mar" inside a word
    "Page 12 of 300 is missing.",
    "The March 2021 vote.",  # month and year, no day
])
def test_date_needs_a_day_and_a_month_as_words(text):
    assert _dates(text) == []


def test_month_day_refuses_days_no_calendar_has():
    assert month_day(next(DATE.finditer("On February 29 it snowed."))) == (2, 29)
    assert month_day(next(DATE.finditer("On February 30 it snowed."))) is None
    assert month_day(next(DATE.finditer("On April 31 it snowed."))) is None


def test_date_range_marks_the_end_of_a_range_of_days():
    ranged = [(m.group(0), m.group("range_end")) for m in
              DATE_RANGE.finditer("The fair runs June 3 to 5; the show is on June 9.")]
    assert ranged == [("June 3 to 5", " to 5"), ("June 9", None)]
    assert next(DATE_RANGE.finditer("From July 1-4 roads close.")).group("range_end") == "-4"


def test_date_mention_adds_month_and_year_a_month_alone_and_a_year_alone():
    parts = [date_parts(m) for m in DATE_MENTION.finditer(
        "In June 2020 and again in October, and once in 1998, they met on 2 May.")]
    assert parts == [(6, None, 2020), (10, None, None), (None, None, 1998), (5, 2, None)]
    # "May" alone is a verb or a name as often as a month.
    assert list(DATE_MENTION.finditer("May they win? Theresa May spoke.")) == []


def test_month_finds_months_written_in_full_or_short_and_May():
    assert [m.group(0) for m in MONTH.finditer("In May, Aug. and Dec they rested.")] == \
        ["May", "Aug.", "Dec"]
    assert list(MONTH.finditer("Marchers and a Decade passed.")) == []


@pytest.mark.parametrize(("name", "number"), [
    ("January", 1), ("jan", 1), ("Jan.", 1), ("Sept.", 9), ("Sep", 9), ("SEPTEMBER", 9),
    ("June", 6), ("Jun", 6), ("May", 5), ("Smith", None)])
def test_month_number(name, number):
    assert month_number(name) == number


def test_may_is_a_month_name_not_an_abbreviation():
    assert "may" not in MONTH_ABBREVIATIONS
    assert {"jan", "sept", "dec"} <= MONTH_ABBREVIATIONS


def test_weekdays_and_days_named_from_today():
    assert [m.group(1) for m in WEEKDAY.finditer("On Friday, not Monday or friday.")] == \
        ["Friday", "Monday"]
    assert [m.group(0) for m in DAY_FROM_TODAY.finditer(
        "Yesterday it rained; next week it will snow, and tonight it is dry.")] == \
        ["Yesterday", "next week", "tonight"]


def test_days_after_a_date_open_a_sentence_longest_phrase_first():
    opening = DAYS_AFTER_DATE_START.match("On the same day, the bridge reopened.")
    assert opening is not None and opening.group(1) == "On the same day"
    opening = DAYS_AFTER_DATE_START.match("The next day the bridge reopened.")
    assert opening is not None and DAYS_AFTER_DATE[opening.group(1).lower()] == 1
    assert DAYS_AFTER_DATE_START.match("They met the next day.") is None


def test_clock_time_is_a_time_of_day_not_the_start_of_a_word():
    assert [m.group(0) for m in CLOCK_TIME.finditer(
        "At 9am and again at 10:30 p.m. the bell rang.")] == ["9am", "10:30 p.m."]
    assert list(CLOCK_TIME.finditer("They sent 10 amphibious trucks.")) == []


# --- numbers ----------------------------------------------------------------------------------

def test_number_reads_each_numeral_whole():
    found = [(m.group("numeral"), m.group("ordinal"), m.group("scale")) for m in
             NUMBER.finditer("1,200 boats, 3.5bn euros, 20k fans, the 4th lap, 20.01.2021.")]
    assert found == [("1,200", None, None), ("3.5", None, "bn"), ("20", None, "k"),
                     ("4", "th", None), ("20.01.2021", None, None)]


def test_number_leaves_digits_inside_words_and_versions():
    assert list(NUMBER.finditer("The C17 ran v1.5 of the code.")) == []
    assert [m.group(0) for m in NUMBER.finditer("An F-16 and $40 and €7.")] == ["16", "40", "7"]


@pytest.mark.parametrize(("text", "qual", "currency", "value", "scale", "percent"), [
    ("They paid $200 million.", None, "$", "200", "million", None),
    ("They paid £1.5bn.", None, "£", "1.5", "bn", None),
    ("Nearly 2,000 people came.", "Nearly ", None, "2,000", None, None),
    ("At least 12.5% voted.", "At least ", None, "12.5", None, "%"),
    ("Turnout was 40 per cent.", None, None, "40", None, " per cent"),
    ("Some 7 percent left.", "Some ", None, "7", None, " percent"),
])
def test_amount_reads_qualifier_currency_value_scale_and_percent(text, qual, currency, value,
                                                                 scale, percent):
    m = AMOUNT.search(text)
    assert m is not None
    assert (m.group("qual"), m.group("currency"), m.group("value"), m.group("scale"),
            m.group("percent")) == (qual, currency, value, scale, percent)


@pytest.mark.parametrize(("numeral", "value"), [
    ("7", 7.0), ("1,200", 1200.0), ("1,200,000.5", 1200000.5), ("3.25", 3.25),
    ("20.01.2021", None), ("1,2345", None), ("12,5", None)])
def test_numeral_value_takes_only_one_quantity(numeral, value):
    assert numeral_value(numeral) == value


def test_number_words_are_whole_words():
    assert [m.group(1) for m in NUMBER_WORD.finditer(
        "Three ships and dozens of boats; someone saw fourteen, not four.")] == \
        ["Three", "dozens", "fourteen", "four"]


# --- names ------------------------------------------------------------------------------------

def _spans(text: str, **kwargs) -> list[str]:
    return [text[s[0].start:s[-1].end] for s in name_spans(text, trim_openers=True, **kwargs)]


def test_names_are_runs_of_capitalised_words_with_connectors():
    assert _spans("The mayor met Anna Maria Lopez and the Bank of Upper Tolsa in Port Vell.") \
        == ["Anna Maria Lopez", "Bank of Upper Tolsa", "Port Vell"]
    assert _spans("Then Jean-Luc Marchand flew to the U.K. with Piet van Dijk.") == \
        ["Jean-Luc Marchand", "U.K.", "Piet van Dijk"]


def test_names_keep_a_name_that_opens_a_sentence_and_drop_an_opener():
    assert _spans("Lopez spoke first. However, Marchand spoke longer.") == ["Lopez", "Marchand"]
    assert _spans('He left. "The Old Bridge is shut," she said.') == ["Old Bridge"]
    # A word the evidence writes in lower case is capitalised only by its position.
    assert _spans("Ferries stopped in Port Vell.", lowercase_words={"ferries"}) == ["Port Vell"]
    assert _spans("I think Lopez won.") == ["Lopez"]


def test_names_break_at_a_word_a_gap_or_a_connector_that_joins_nothing():
    # A connector joins only two capitalised words each one space or hyphen away; "I" and
    # any lower-case word end a run; a comma or a line break is no gap inside a name.
    assert _spans("Anna Lopez of the Bank met Piet of Port Vell and I Lopez of.") == \
        ["Anna Lopez", "Bank", "Piet of Port Vell", "Lopez"]
    assert _spans("Lopez, Marchand\nVell and Port-Vell de Mar") == \
        ["Lopez", "Marchand", "Vell", "Port-Vell de Mar"]
    assert _spans("Bank of of Tolsa; U.S. Army of I.") == ["Bank", "Tolsa", "U.S. Army"]


def test_name_words_fold_possessives_and_leave_out_the_calendar():
    assert name_words("On Friday, Lopez’s team met the U.S. envoy in March.") == {"lopez", "us"}


def test_sentence_end():
    assert SENTENCE_END.search('He left.")')
    assert SENTENCE_END.search("Really?")
    assert not SENTENCE_END.search("A heading without an end")


def test_year():
    assert YEAR.fullmatch("2021") and YEAR.fullmatch("1848")
    assert not YEAR.fullmatch("1750") and not YEAR.fullmatch("20210")


# --- the callers read them alike --------------------------------------------------------------

def test_wording_anchors_on_a_date_in_either_order_and_with_a_year():
    from briefing.compose.wording import anchor_date, make_self_contained

    assert anchor_date("They met on March 3, 2021, in Tolsa.") == (3, 3)
    assert anchor_date("They met on 3 March in Tolsa.") == (3, 3)
    assert make_self_contained("The next day, the ferry sailed again.",
                               "The ferry stopped on 3 March in Tolsa.") == \
        "On March 4, the ferry sailed again."


def test_key_figures_skip_day_first_dates_and_times_but_not_words_after_am():
    from briefing.compose.figures import key_figures
    from briefing.records import Sentence

    sentences = [Sentence("a", n, 0, text) for n, text in enumerate([
        "They sent 10 amphibious vehicles to the coast.",
        "On 12 January protests spread to the capital.",
        "At 11 am protests spread to 40 towns."])]
    assert sorted(f["figure"] for f in key_figures([], sentences)) == \
        ["10 amphibious vehicles", "40 towns"]


def test_timeline_dates_day_first_events_and_leaves_dates_with_a_year_out():
    from briefing.compose.timeline import timeline
    from briefing.records import Article

    article = Article(id="x", title="Ferries", source="s", text=(
        "On 4 March, the ferry to Tolsa stopped sailing for good.\n\n"
        "On March 18, 2014, the old ferry to Tolsa stopped sailing."))
    assert [(e["date_label"], e["event"]) for e in timeline([article])] == \
        [("March 4", "The ferry to Tolsa stopped sailing for good.")]


def test_sentence_openers_are_found_far_into_a_long_text():
    # The opening is looked for just before each word, not in the whole text before it.
    from briefing.text.patterns import name_spans

    text = "The port was calm all week. " * 2000 + "The Coast Guard searched the bay."
    last = name_spans(text, trim_openers=True)[-1]
    assert [t.text for t in last] == ["Coast", "Guard"]
    assert [t.text for t in name_spans("   “The Coast Guard", trim_openers=True)[0]] == [
        "Coast", "Guard"]
