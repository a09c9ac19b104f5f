"""What keeps a sentence from standing alone as a briefing line, whatever its wording: a
speaker label, a list or timeline entry, a teaser, a header of what follows, a demonstrative
that points at the sentence before. One place for both stages that ask: the text stage
(``sentences``: when nothing of an article stands alone, its headline is its fact) and
compose (``compose.leads.standalone_quality``)."""

from __future__ import annotations

import re

# Transcript and Q&A lines: "Q: …", "SMITH: …", "Reporter: …" — a speaker label, no context.
_SPEAKER_LABEL = re.compile(r"^(Q|A|[A-Z][A-Za-z.'’-]*(?: [A-Z][A-Za-z.'’-]*){0,2})\s?:\s")


# Fact-box and timeline entries: "-- Aug. 3: …", "*DEAD: …", "- Monday: …": a list line, read
# only under its header.
_LIST_ENTRY = re.compile(r"^([-*•–—]+\s*|\d+[.)]\s+)")


# Teasers and cross-references: they point at another piece instead of saying something.
_TEASER = re.compile(r"^(here['’]s|here is|here are|this is|find out|learn|see|watch|read|"
                     r"click|a look at|a (brief )?(chronology|timeline|summary) of|"
                     r"what (we|you) know|everything (we|you) know)\b", re.IGNORECASE)

# A teaser's ending: the line names, and leaves for the next ones, the puzzle it promises
# ("… some of the pilots who have flown them pondered a paradox Wednesday.", "… faces a
# difficult question."). The puzzle itself is never in it.
_TEASER_END = re.compile(
    r"\b(?:a|an|one)\s+(?:[a-z]+\s+)?(?:paradox|question|mystery|puzzle|riddle|dilemma|"
    r"conundrum|surprise|twist)(?:\s+(?:on\s+)?\w+day)?\W*$", re.IGNORECASE)

# Headers of what follows them (a fact box, a timeline, a transcript, a live blog's entry):
# "Figures available … on the earthquake", "Following is a transcript of …", "Timeline for
# Flight 990", "Ukraine crisis news from January 19: …". They announce; they do not report.
_HEADER = re.compile(
    r"^(?:(?:the )?following (?:is|are)\b|(?:key )?(?:facts|figures|details|highlights) "
    r"(?:available|on|about|from)\b|(?:a )?(?:timeline|chronology|transcript|list) (?:for|of)\b"
    r"|[^.:]{0,60}\b(?:news|updates?|live)\b[^.:]{0,20}\bfrom \w+ \d{1,2}:)",
    re.IGNORECASE)

# A clock time as the start of a list entry: "12:48 a.m. EDT -- Plane lands at JFK".
_TIMED_ENTRY = re.compile(r"^\d{1,2}:\d\d\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4}\s*)?(?:--|—|–|-|:)")


# A demonstrative that points back at the previous sentence ("responded to that request",
# "Part of this is …", "these measures"): the line does not say what it refers to. Time
# phrases ("this week", "that day") and "that" as a conjunction ("said that …") are not.
_TIME_NOUNS = (r"week|weekend|year|month|morning|afternoon|evening|night|day|time|summer|"
               r"winter|spring|fall|autumn|season|decade|century")


_POINTS_BACK = re.compile(
    rf"\b(this|these|those|such)\s+(?!(?:{_TIME_NOUNS})s?\b)[a-z]+|"
    rf"\b(to|of|on|in|at|with|by|for|from|about|after)\s+that\s+(?!(?:{_TIME_NOUNS})s?\b)[a-z]+\b"
    rf"(?=\W*$|[.,;])|^part of (this|that)\b", re.IGNORECASE)


def announces_or_lists(text: str) -> bool:
    """True for a line that is a label, an entry, a teaser or a header, not a report."""
    return bool(_SPEAKER_LABEL.match(text) or _LIST_ENTRY.match(text) or _TEASER.match(text)
                or _HEADER.match(text) or _TIMED_ENTRY.match(text)
                or _TEASER_END.search(_tail(text)))


_TAIL_CHARS = 72  # longer than any _TEASER_END match: only a line's end is searched


def _tail(text: str) -> str:
    """The last words of a line, from a word start: _TEASER_END is read at the end only,
    and every line of a big day passes here."""
    if len(text) <= _TAIL_CHARS:
        return text
    cut = text.find(" ", len(text) - _TAIL_CHARS)
    return text[cut + 1:] if cut >= 0 else text


# Half a sentence: a subordinate clause with no main clause after it ("Because space travel
# … are anything but easy."; its main clause is the sentence before), or a whole sentence in
# brackets (an aside to the one before it). "Since" and "if" are left out: "Since then he has
# …" and "If convicted he faces …" are whole sentences without a comma.
_SUBORDINATORS = ("because", "although", "though", "whereas", "unless")
_FRAGMENT = re.compile(rf"^(?:{'|'.join(_SUBORDINATORS)})\b[^,;:—–]*$|^\([^()]*\)\W*$",
                       re.IGNORECASE)
# The first characters a fragment can open with, from the pattern's own words.
_FRAGMENT_STARTS = frozenset("(" + "".join(w[0] + w[0].upper() for w in _SUBORDINATORS))


def is_fragment(text: str) -> bool:
    """True for a subordinate clause alone or a bracketed aside: the rest is elsewhere."""
    text = text.strip()
    # Every line of a big day passes here: only a line opening "(" or one of the
    # subordinators' first letters can match.
    return text[:1] in _FRAGMENT_STARTS and _FRAGMENT.match(text) is not None


# A predicate whose complement was left to the sentence before: "… hacker groups linked to
# Moscow were involved." (in what?), "… also took part." Only at the end of the line: "was
# involved in the attack" says what in.
_ELLIPTICAL_END = re.compile(
    r"\b(?:was|were|is|are|been|be|being)\s+(?:(?:also|not|directly|allegedly|reportedly|"
    r"probably|likely)\s+)?(?:involved|responsible|to blame)\W*$|\btook part\W*$",
    re.IGNORECASE)


def points_back(text: str) -> bool:
    """True when a demonstrative refers to something the sentence does not say, or the
    line ends on a predicate whose complement the sentence before gave."""
    return bool(_POINTS_BACK.search(text) or _ELLIPTICAL_END.search(_tail(text)))


def first_line_problem(text: str) -> str:
    """Why a line cannot open a story as written, or "": its main clause's subject is a
    pronoun or a definite description the line does not introduce ("The plane crashed …",
    "They said …"), it leans on something said before ("X also said …"), it has no main
    verb, or it tells a time relative to a day the reader does not know ("One year ago",
    "last week"). Asked of leads only: under a lead, "the plane" is the lead's. The grammar
    comes from a parse (``text.parse``), loaded on the first question."""
    from briefing.text.parse import (
        adds_to_earlier,
        has_main_verb,
        undatable_time,
        unintroduced_subject,
    )

    if not has_main_verb(text):
        return "it has no main verb"
    if subject := unintroduced_subject(text):
        return f"it speaks of {subject!r} without saying who or what that is"
    if adverb := adds_to_earlier(text):
        return f"it leans ({adverb}) on something said before"
    if when := undatable_time(text):
        return f"its time ({when}) cannot be dated"
    return ""


def unbalanced_quotes(text: str) -> bool:
    """Half a quotation (the splitter cut it): curly quotes that do not pair up, or an odd
    number of straight ones."""
    return text.count("“") != text.count("”") or text.count('"') % 2 == 1
