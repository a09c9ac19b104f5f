"""The text patterns several stages share, each written once.

Cleaning, sentence splitting, wording, key figures, the timeline, ranking and the abstractive
guard all need to know where a sentence ends, what a date or a number looks like, and which
words are names. A rule changed here changes for all of them.

Patterns that differ between callers are derived from one base here and named for what they
match: ``DATE`` (a day of a month) → ``DATE_RANGE`` (with the end of a range of days) and
``DATE_MENTION`` (any date expression, down to a bare year); ``NUMERAL`` (digits read whole)
→ ``NUMBER`` (a number mention) and ``AMOUNT`` (a quantity with its qualifier, currency,
scale and percent sign).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

# --- sentences --------------------------------------------------------------------------------

# A sentence (or a paragraph) that ends like one: . ! ? or … with any closing quotes or
# brackets after it.
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")

# --- months, weekdays, days -------------------------------------------------------------------

# Month names in calendar order, lower case: a month's number is its index plus one.
MONTHS: tuple[str, ...] = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december")

# The abbreviations news writes for months ("Jan", "Sept"). "may" is a full name, not an
# abbreviation: a sentence that ends "in May." must still end there.
MONTH_ABBREVIATIONS: frozenset[str] = frozenset(
    {m[:3] for m in MONTHS if len(m) > 3} | {"sept"})

# Every lower-case month name or abbreviation → month number ("march" → 3, "sept" → 9).
MONTH_NUMBER: dict[str, int] = {m: i + 1 for i, m in enumerate(MONTHS)} | {
    m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}

WEEKDAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Words that name a day of the calendar, not a person or a place: the timeline leaves them
# out when it compares which names two sentences share.
CALENDAR_WORDS: frozenset[str] = frozenset(MONTH_NUMBER) | frozenset(WEEKDAYS)

# A month as written in text, capitalised only ("march" and "may" are also verbs), full or
# abbreviated with or without the point. "May" is left out here: alone it is as often a verb
# opening a sentence or a surname, so it counts as a month only next to a day or a year.
_MONTH_NOT_MAY = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|June?|"
                  r"July?|Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|"
                  r"Dec(?:ember|\.)?)")
_MONTH = rf"(?:{_MONTH_NOT_MAY}|May)"
# A day of the month: one or two digits with any ordinal suffix, never the start of a longer
# number ("May 5,000 people" names no day) nor of a word.
_DAY = r"[0-3]?\d"
_DAY_END = r"(?:st|nd|rd|th)?(?!\w)(?![.,]\d)"
_YEAR = r"(?:1[89]|20|21)\d\d(?!\d)"

# A year as news writes one: four digits from 1800 to 2199, no comma. Key figures do not
# count a bare one ("in 2021"); the guard compares it as a date.
YEAR = re.compile(_YEAR)

# A month as a word of its own, May included: what ranking counts as a date a sentence names.
MONTH = re.compile(rf"\b{_MONTH}(?!\w)")

# A day of a month, month first ("January 21", "Sept. 11th", "January 21, 2022") or day first
# ("21 January", "5 May 2022"), with the year when one follows. Read the parts with
# ``date_parts`` or ``month_day``: each form has its own group names (``month``, ``day``,
# ``year`` and ``month_dm``, ``day_dm``, ``year_dm``).
_DATE = (rf"(?<![\d.,])\b(?P<day_dm>{_DAY}){_DAY_END}\s+(?P<month_dm>{_MONTH})(?!\w)"
         rf"(?:,?\s+(?P<year_dm>{_YEAR}))?"
         rf"|\b(?P<month>{_MONTH})\s+(?P<day>{_DAY}){_DAY_END}(?:,?\s+(?P<year>{_YEAR}))?")
DATE = re.compile(_DATE)

# A date that opens a range of days ("January 20 to 22", "January 20-22"): key figures blank
# the whole range so that its end is not read as a count, the timeline does not take a range
# for the day of one event. The range end is the ``range_end`` group.
DATE_RANGE = re.compile(rf"(?:{_DATE})(?P<range_end>\s*(?:and|to|through|until|-|–|—)\s*"
                        rf"\d{{1,2}}\b)?")

# Any date expression the abstractive guard compares: a day of a month (``DATE``), a month
# with a year ("January 2022"), a month alone (not "May"), or a year alone.
DATE_MENTION = re.compile(
    rf"{_DATE}|\b(?P<month_my>{_MONTH}),?\s+(?P<year_my>{_YEAR})\b"
    rf"|\b(?P<month_only>{_MONTH_NOT_MAY})(?!\w)|\b(?P<year_only>{_YEAR})")

# A weekday named in full and capitalised ("Friday").
WEEKDAY = re.compile(r"\b(" + "|".join(w.capitalize() for w in WEEKDAYS) + r")\b")

# A weekday not dated in the same breath ("killed on Wednesday", "said Tuesday"; not
# "Wednesday, January 26") nor part of a name ("Good Friday", "Black Monday"): a bare weekday
# a briefing read days later must date.
BARE_WEEKDAY = re.compile(r"(?<!Good )(?<!Black )" + WEEKDAY.pattern + r"(?![,]? "
                          r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d)")

# The day before the day of writing, as a sentence says it; not "yesterday's vote".
YESTERDAY = re.compile(r"\b(?:yesterday|last night)\b(?!['’]s)", re.IGNORECASE)

# Words after which a weekday can be replaced by its date ("said Tuesday", "sank Saturday";
# most past verbs end in -ed and need no list), and words before it that forbid it (a range,
# a plan, a determiner: "until Friday", "next Monday", "the Tuesday quake", "mid Tuesday").
PAST_VERBS: frozenset[str] = frozenset(
    "said told met sank hit struck began left came went took made held gave found saw won lost "
    "fell rose broke spoke flew ran led sent set put cut shut wrote knew thought brought "
    "caught fought sought stood understood withdrew drew grew threw bought spent drove rode "
    "wore chose paid laid".split())
WEEKDAY_BLOCKERS: frozenset[str] = frozenset(
    "next this every by until till from since through to before after each the a an its his "
    "her their our your my that these those one any some whose mid for all".split())
# Capitalised words that make a weekday part of a day's name ("Super Tuesday", "Easter
# Sunday", "Man Friday"): a name, not a date. ("Good Friday" and "Black Monday" are kept out
# of ``BARE_WEEKDAY`` itself.)
NAMED_DAY_WORDS: frozenset[str] = frozenset(
    "super easter ash cyber bloody palm holy maundy shrove fat giving good black blue man "
    "whit low passion orthodox".split())
# A present-tense verb before a weekday tells a schedule ("the trial opens Monday"), which
# may lie after the article's date: such a weekday is not dated.
SCHEDULE_VERBS: frozenset[str] = frozenset(
    "is are be been being opens begins starts ends meets resumes closes arrives returns "
    "continues runs stays remains holds".split())
# A part of a day before a weekday: dated as "late on August 12", "earlier on August 19".
DAY_PART_WORDS: frozenset[str] = frozenset("early late earlier later".split())
# Prepositions that take a date as it is ("darkness of January 26", "since August 12"; "for"
# is left out: "tickets for Friday" may look ahead).
DATE_PREPOSITIONS: frozenset[str] = frozenset(
    "on of in at during since from until till by before after through to between".split())
# A reporting verb just before a day ("said Friday", "told reporters on Monday"): the day of
# a statement, which is past even in a sentence about a plan.
SAID_BEFORE = re.compile(r"\b(?:said|says|saying|announced|reported|confirmed|added|denied|"
                         r"stated|declared|insisted|told(?:\s+\w+){1,2})\s*$", re.IGNORECASE)
# What after a weekday makes it part of a longer phrase: "Tuesday morning", "Tuesday's".
WEEKDAY_TAIL = re.compile(r"['’]s\b|\s+(?:morning|afternoon|evening|night|nights)\b",
                          re.IGNORECASE)
# A sentence about what is still to come (a plan, a schedule): its weekdays may lie after the
# article's date, and the timeline, which tells past events, leaves it out.
FUTURE = re.compile(r"\b(?:will|would|shall|going to|(?:is|are|was|were)\s+(?:expected|"
                    r"scheduled|due|set|planned|going)\s+to|expected to|plans?\s+to|"
                    r"intends?\s+to|is to|are to|next|expects?|scheduled\s+for|scheduled|"
                    r"postponed|(?:is|are)\s+(?:expected|due|planned))\b", re.IGNORECASE)

# A span inside quotation marks, straight or curly: quoted words are the speaker's, and stay.
QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")

# A day named from the day of writing ("yesterday", "next week"): the guard checks that a
# generated text keeps exactly the one its evidence used.
DAY_FROM_TODAY = re.compile(r"\b(today|tonight|yesterday|tomorrow|(?:last|next) (?:week|month|"
                            r"year))\b", re.IGNORECASE)

# A day named from a date told just before ("The next day, …") → how many days after that
# date it is. Wording writes the date in; the timeline dates the event by it.
DAYS_AFTER_DATE: dict[str, int] = {
    "the next day": 1, "the following day": 1, "a day later": 1, "one day later": 1,
    "two days later": 2, "three days later": 3, "the day before": -1, "a day earlier": -1,
    "that same day": 0, "the same day": 0, "on the same day": 0, "that day": 0,
}

# A sentence that opens with one of ``DAYS_AFTER_DATE`` (longest first, so "on the same day"
# is not read as "the same day"); group 1 is the phrase.
DAYS_AFTER_DATE_START = re.compile(
    r"^(" + "|".join(sorted(DAYS_AFTER_DATE, key=len, reverse=True)) + r"),?\s+",
    re.IGNORECASE)

# A time of day ("9am", "10:30 p.m."), never the start of a word ("10 amphibious vehicles").
CLOCK_TIME = re.compile(r"\b\d{1,2}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)", re.IGNORECASE)


def month_number(name: str) -> int | None:
    """The number of a month name or abbreviation as written ("Sept." → 9, "June" → 6)."""
    key = name.lower().rstrip(".")
    return MONTH_NUMBER.get(key) or MONTH_NUMBER.get(key[:3])


def date_parts(match: re.Match[str]) -> tuple[int | None, int | None, int | None]:
    """(month, day, year) of a ``DATE``, ``DATE_RANGE`` or ``DATE_MENTION`` match, None for a
    part it does not name. The day is as written (it may be 0 or 39); see ``month_day``."""
    groups = match.groupdict()

    def part(name: str) -> str | None:
        return next((v for k, v in groups.items() if k.startswith(name) and v), None)

    month, day, year = part("month"), part("day"), part("year")
    return (month_number(month) if month else None, int(day) if day else None,
            int(year) if year else None)


def month_day(match: re.Match[str]) -> tuple[int, int] | None:
    """(month, day) of a date match, or None when it names no day a calendar has (a leap
    year's, so February 29 passes)."""
    month, day, _ = date_parts(match)
    if month is None or day is None:
        return None
    try:
        date(2000, month, day)
    except ValueError:
        return None
    return month, day


# --- numbers ----------------------------------------------------------------------------------

# A number in digits, read whole: digit groups joined by commas or points ("7", "1,200",
# "3.5", "20.01.2022"). Read whole so that no caller takes a part of it for a number.
NUMERAL = r"\d+(?:[.,]\d+)*"

# Scale words and the abbreviations news uses for them → (word, factor). A scale word
# changes a figure a thousandfold, so "$3bn" and "$3 billion" are one figure.
SCALES: dict[str, tuple[str, float]] = {
    "thousand": ("thousand", 1e3), "k": ("thousand", 1e3),
    "million": ("million", 1e6), "m": ("million", 1e6), "mn": ("million", 1e6),
    "billion": ("billion", 1e9), "bn": ("billion", 1e9), "b": ("billion", 1e9),
    "trillion": ("trillion", 1e12), "tn": ("trillion", 1e12),
}

# A number mention in digits, not inside a word or after a point ("C17", "v1.5" are names):
# the ``numeral``, then an ordinal suffix (``ordinal``) or a scale abbreviation written on
# (``scale``: "3.5bn", "20k"). The guard compares these; ranking counts them.
NUMBER = re.compile(rf"(?<![\w.])(?P<numeral>{NUMERAL})(?:(?P<ordinal>st|nd|rd|th)|"
                    rf"(?P<scale>k|m|mn|bn|b|tn)\b)?", re.IGNORECASE)

# Words that make a number approximate or a bound ("nearly 2,000"): part of a key figure.
QUALIFIERS: tuple[str, ...] = (
    "nearly", "almost", "about", "around", "approximately", "roughly", "some", "over",
    "more than", "fewer than", "less than", "at least", "up to", "as many as")

# A quantity as a key figure states it: an optional qualifier (``qual``), currency sign
# (``currency``), the number (``value``), a scale (``scale``: "million", "bn", "m") and a
# percent sign or word (``percent``). The value is a whole ``NUMERAL``; read it with
# ``numeral_value``, which refuses "20.01.2022".
AMOUNT = re.compile(
    r"(?P<qual>\b(?:" + "|".join(q.replace(" ", r"\s+") for q in QUALIFIERS) + r")\s+)?"
    r"(?P<currency>[$€£])?"
    rf"(?P<value>{NUMERAL})"
    r"(?:\s?(?P<scale>million|billion|trillion|bn|m)\b)?"
    r"(?P<percent>\s?%|\s(?:per\s?cent|percent)\b)?",
    re.IGNORECASE)

# A numeral that is one quantity: commas between groups of three, at most one decimal point.
_QUANTITY = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def numeral_value(numeral: str) -> float | None:
    """The value of a ``NUMERAL`` ("1,200" → 1200.0), or None when it is not one quantity
    ("20.01.2022", "1,2345")."""
    if not _QUANTITY.fullmatch(numeral):
        return None
    return float(numeral.replace(",", ""))


# Number words → their digits, or the scale word itself ("hundreds" is a number, but no one
# figure): the guard reads "two hundred" and "200" alike through these.
NUMBER_WORDS: dict[str, str] = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40",
    "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
    "dozen": "12", "dozens": "dozens", "hundred": "hundred", "hundreds": "hundreds",
    "thousand": "thousand", "thousands": "thousands", "million": "million",
    "millions": "millions", "billion": "billion", "billions": "billions",
    "trillion": "trillion",
}

# A number word of its own ("three", "Dozens"); group 1 is the word.
NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)

# A compound number word ("twenty-two", "thirty one"): tens in group 1, units in group 2.
COMPOUND_NUMBER = re.compile(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[- ]"
                             r"(one|two|three|four|five|six|seven|eight|nine)\b",
                             re.IGNORECASE)

# --- names ------------------------------------------------------------------------------------

# A word as the name finder reads it: initialisms (U.S., U.N.) first, then words; an
# apostrophe inside a word keeps it whole so a possessive can be stripped.
_NAME_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)?")

# The text before a word that opens a sentence: nothing, or a sentence end or colon, with any
# quotes or brackets.
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;][\"'”’)\]]*)[\s\"'“‘(\[]*$")

# Words that open sentences without naming anything: a capital on them is not a name.
FUNCTION_WORDS: frozenset[str] = frozenset("""
a about according after again against all also although among an and another any as at
because before both but by despite during each earlier either even every few finally for
from further he her here his however i if in instead it its last later many meanwhile more
most much my neither no nor not now of on once one only or other our over several she since
so some such than that the their then there these they this those though through thus to
today tomorrow under unlike until upon we what when where whether which while who whom whose
why with within without yesterday yet you your
""".split())

# Lower-case words inside a name: "Secretary of State Antony Blinken", "Charles de Gaulle".
NAME_CONNECTORS: frozenset[str] = frozenset(
    {"of", "for", "de", "du", "da", "del", "der", "van", "von", "al", "bin", "ibn", "la", "le"})


class NameToken(NamedTuple):
    """A word of a text with its offsets, and the form names are compared in (``norm``).
    A named tuple, not a dataclass: a day's texts make millions of them."""

    text: str
    norm: str  # lower case, without points or a possessive 's: "U.S." → "us"
    start: int
    end: int

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def _norm(word: str) -> str:
    if "'" not in word and "’" not in word and "." not in word:
        return word.lower()  # most words: nothing to strip
    word = word.replace("’", "'")
    if word.lower().endswith("'s"):
        word = word[:-2]
    return word.replace(".", "").lower()


def name_tokens(text: str) -> list[NameToken]:
    """The words of a text, each with its offsets and compared form."""
    return [NameToken(m.group(0), _norm(m.group(0)), m.start(), m.end())
            for m in _NAME_TOKEN.finditer(text)]


# What may stand between two words of one name: spaces, tabs, hyphens.
_GAP = re.compile(r"[ \t-]+")

# The same words as _NAME_TOKEN, captured, so that ``split`` gives words and the gaps
# between them in one pass.
_NAME_TOKEN_SPLIT = re.compile(f"({_NAME_TOKEN.pattern})")


def name_spans(text: str, *, trim_openers: bool,
               lowercase_words: frozenset[str] | set[str] = frozenset()
               ) -> list[list[NameToken]]:
    """Runs of capitalised words joined only by spaces or hyphens ("Antony Blinken",
    "Jean-Yves Le Drian"), and by a connector between two of them ("Secretary of State").
    With ``trim_openers``, a sentence's first word is left out when it is a function word or
    one of ``lowercase_words``: "The" and "Talks" are capitalised by position, not because
    they name something."""
    if len(text) <= SPAN_CHUNK_CHARS:
        return _spans_between(text, 0, len(text), trim_openers, lowercase_words)
    # A whole long article is read a stretch of lines at a time: split at once, a 5 MB
    # article's 453,000 words and gaps took over 100 MB. A name never runs across a line
    # break (``_GAP`` holds none), so the spans are the same.
    spans: list[list[NameToken]] = []
    start = 0
    while start < len(text):
        end = text.find("\n", start + SPAN_CHUNK_CHARS)
        end = len(text) if end < 0 else end
        spans += _spans_between(text, start, end, trim_openers, lowercase_words)
        start = end
    return spans


SPAN_CHUNK_CHARS = 65_536  # name_spans reads a longer text in stretches of about this much


def _spans_between(text: str, lo: int, hi: int, trim_openers: bool,
                   lowercase_words: frozenset[str] | set[str]) -> list[list[NameToken]]:
    """``name_spans`` of ``text[lo:hi]``, with offsets in ``text``."""
    # Every day's article is read here several times, so the loop visits only capitalised
    # words: the text is split once into gaps and words (parts[2k] is the gap before word k,
    # parts[2k + 1] word k) and a run goes on only from the word just before, or across one
    # connector ("of") between two capitalised words.
    parts = _NAME_TOKEN_SPLIT.split(text[lo:hi] if lo or hi < len(text) else text)
    words = parts[1::2]
    ends = list(accumulate(map(len, parts), initial=lo))[1:]  # where parts[j] ends in text
    spans: list[list[NameToken]] = []
    current: list[NameToken] = []
    last = -2  # index of the word current[-1]
    for k, word in enumerate(words):
        if not word[:1].isupper() or word == "I":
            continue
        if current and (
                (last == k - 1 and _GAP.fullmatch(parts[2 * k]) is not None)
                or (last == k - 2 and _is_connector(words[k - 1])
                    and _GAP.fullmatch(parts[2 * k - 2]) is not None
                    and _GAP.fullmatch(parts[2 * k]) is not None)):
            current.append(NameToken(word, _norm(word), ends[2 * k], ends[2 * k + 1]))
            last = k
            continue
        start = ends[2 * k]
        if trim_openers and _opens_sentence(text, start):
            norm = _norm(word)
            if norm in FUNCTION_WORDS or norm in lowercase_words:
                current = []  # "The United States": the name starts after the opener
                continue
        current = [NameToken(word, _norm(word), start, ends[2 * k + 1])]
        last = k
        spans.append(current)
    return spans


def _is_connector(word: str) -> bool:
    """A lower-case word that may join two capitalised ones into one name ("of")."""
    return (not word[:1].isupper() or word == "I") and _norm(word) in NAME_CONNECTORS


# How far back a sentence opening is looked for: a stop, closing quotes or brackets, then
# spaces and opening quotes fit in it. Looking at the whole text before each capitalised word
# cost time with the square of an article's length (a 5 MB article, minutes).
_OPENING_WINDOW = 40


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence (``_SENTENCE_OPENING`` before it)."""
    window = text[max(0, start - _OPENING_WINDOW):start]
    if start > _OPENING_WINDOW:  # "^" must not match where the window starts
        window = "x" + window
    return _SENTENCE_OPENING.search(window) is not None


# Texts of up to NAME_WORDS_CACHED_CHARS (sentences, titles) have their name words kept, up
# to NAME_WORDS_CACHE of them (about 110 MB when full: 56 MB held the 67,000 sentences of
# 7,500 articles, measured with bench/daily.py's corpus): a briefing asks for one sentence's
# names in grouping, key figures and the timeline, and the daemon's poll jobs read each new
# sentence's as it arrives, so the slot finds them (10,000 articles are some 90,000
# sentences). Longer texts (whole articles) are read each time rather than kept.
NAME_WORDS_CACHE = 1 << 17
NAME_WORDS_CACHED_CHARS = 2_000


def name_words(text: str) -> frozenset[str]:
    """The words of the names a text mentions, in compared form, sentence openers and calendar
    words (months, weekdays) left out: which people, places and bodies two texts share.
    A frozenset (kept for the next caller, so no caller may change it)."""
    if len(text) > NAME_WORDS_CACHED_CHARS:
        return _name_words(text)
    return _cached_name_words(text)


def _name_words(text: str) -> frozenset[str]:
    return frozenset(t.norm for span in name_spans(text, trim_openers=True) for t in span
                     if t.norm not in CALENDAR_WORDS)


_cached_name_words = lru_cache(maxsize=NAME_WORDS_CACHE)(_name_words)
