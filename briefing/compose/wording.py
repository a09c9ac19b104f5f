"""Wording: the cleanest version of a fact, made to stand alone (dates, pronouns, context)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from briefing.records import Sentence
from briefing.text.patterns import (
    DATE,
    DAYS_AFTER_DATE,
    DAYS_AFTER_DATE_START,
    MONTHS,
    WEEKDAYS,
    month_day,
)
from briefing.text.standalone import unbalanced_quotes

# A connective that ties the sentence to the one before, peeled off the start. Words that also
# open a sentence in other ways are taken only with their comma: "In addition to the US, …",
# "So far, …", "Also killed were …", "Still images show …" keep their first words.
_CONNECTIVE = re.compile(
    r"^(?:(?:however|meanwhile|moreover|furthermore|additionally|nevertheless|nonetheless|and|"
    r"but)\b,?|(?:also|still|then|yet|so|instead|besides|in addition|similarly|likewise|"
    r"separately|at the same time|in turn|therefore|thus|as a result),)\s+",
    re.IGNORECASE)


# "Now it wants …", "So they …" lean back as much as "It …"; "Other houses …", "Another …"
# continue a list the sentence before began. A day or a "but," in front changes nothing
# ("Saturday another team of about 90 people will arrive.", "But, he said, the burst tire …").
_DAY_OPENER = "(?:on |by |late |early )?(?:" + "|".join(WEEKDAYS) + ")|today|tomorrow"
_PRONOUN_START = re.compile(rf"^(?:(?:now|so|then|and|but|yet|{_DAY_OPENER}),? )?"
                            r"(he|she|they|it|this|that|"
                            r"these|those|his|her|their|its|there|such|both|the two|the 2|"
                            r"others?|another)\b", re.IGNORECASE)


# Openings that answer or weigh the sentence before ("Regardless, …", "In fact, …", "Closer
# to home, …", "By contrast, …"), and a pronoun right after a subordinator ("While that
# sounds like a lot, …", "Because it …"): the line says nothing without its neighbour.
_ANSWERS_BACK = re.compile(
    r"^(?:(?:regardless|even so|closer to home|by contrast|in contrast|on the other hand|"
    r"in fact|indeed|if so|otherwise|as such|in response|in return|in (?:that|this|his|her|"
    r"their|its) case|for (?:that|this) reason|despite (?:this|that|it))\b"
    r"|(?:while|although|though|because|since|if|when|as|even though) (?:that|this|it|they|"
    r"he|she|these|those)\b)", re.IGNORECASE)


def anchor_date(context: str) -> tuple[int, int] | None:
    """The last explicit (month, day) in the context sentence, or None when it names none or
    the last one is no calendar day."""
    found = list(DATE.finditer(context))
    return month_day(found[-1]) if found else None


def shift_day(month: int, day: int, days: int) -> tuple[int, int] | None:
    """(month, day) moved by ``days``; None for a day no year has."""
    try:
        # Any non-leap year serves: only month and day are kept.
        moved = date(2001, month, day) + timedelta(days=days)
    except ValueError:
        return None
    return moved.month, moved.day


def day_label(month: int, day: int) -> str:
    """"January 20"."""
    return f"{MONTHS[month - 1].capitalize()} {day}"


def _shift(month: int, day: int, days: int) -> str:
    moved = shift_day(month, day, days)
    return day_label(*moved) if moved else ""


def make_self_contained(text: str, context: str = "") -> str:
    """Rewrite the start of a sentence so it reads on its own."""
    out = text.strip()
    for _ in range(3):  # "However, the next day, …": peel layers in turn
        relative = DAYS_AFTER_DATE_START.match(out)
        if relative:
            anchor = anchor_date(context)
            shifted = _shift(*anchor, DAYS_AFTER_DATE[relative.group(1).lower()]) if anchor else ""
            rest = out[relative.end():]
            out = f"On {shifted}, {rest}" if shifted else capitalise(rest)
            if shifted:
                break
            continue
        connective = _CONNECTIVE.match(out)
        if connective and len(out[connective.end():].split()) >= 5:
            out = capitalise(out[connective.end():])
            continue
        break
    return out


def dangling_penalty(text: str, context: str = "") -> float:
    """0 when the sentence stands alone; up to 1 when it leans on what came before."""
    stripped = text.strip()
    relative = DAYS_AFTER_DATE_START.match(stripped)
    if relative:
        return 0.1 if anchor_date(context) else 0.5
    if _CONNECTIVE.match(stripped):
        stripped = make_self_contained(stripped)
    if _PRONOUN_START.match(stripped) or _ANSWERS_BACK.match(stripped):
        return 1.0
    return 0.0


_LEANS_BACK = re.compile(r"\b(the (two|2|three|3)\b|both (sides|men|leaders|ministers)|the pair|"
                         r"(during|at|after) (the|this|that) (meeting|call|decision|talks|visit))",
                         re.IGNORECASE)


def needs_context(text: str) -> bool:
    """True when a sentence's meaning depends on the one before it ("the two agreed …"), so
    that its embedding should be taken together with that sentence."""
    # Only pronoun openings and "the two …" lean on their context for *meaning*; a sentence
    # opening with "However," or "The next day," still names its actors, and embedding it
    # with its neighbour would merge two different facts.
    return bool(_PRONOUN_START.match(make_self_contained(text)) or _LEANS_BACK.search(text))


def with_context(text: str, context: str) -> str:
    """The text to embed for a sentence: itself, preceded by its context where it leans on it."""
    return f"{context} {text}" if context and needs_context(text) else text


def is_dangling(text: str) -> bool:
    """True when an item text still begins with a reference to something before it."""
    stripped = text.strip()
    return bool(DAYS_AFTER_DATE_START.match(stripped) or _CONNECTIVE.match(stripped)
                or _PRONOUN_START.match(stripped))


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_QUOTE_ONLY = re.compile(r"^[“\"‘'].*[”\"’']$")


_FIRST_PERSON = re.compile(r"^(I|We|Our|My|You)\b")


# "…, he said, …": the speaker is only a pronoun, so the item would not say who spoke.
_PRONOUN_SPEAKER = re.compile(r"\b(he|she|they) (said|says|added|adds|told|noted|stressed)\b")


SHORT_LINE_WORDS = 10  # a line under this many words is short: it costs 0.3


def wording_quality(sentence: Sentence) -> float:
    """How well a sentence stands alone as a briefing item (higher is better)."""
    text = sentence.text
    words = len(text.split())
    quality = 0.0
    if words < SHORT_LINE_WORDS:
        quality -= 0.3
    elif words > 45:
        quality -= 0.02 * (words - 45)
    quality -= dangling_penalty(text, sentence.context)
    if _PRONOUN_SPEAKER.search(text):
        quality -= 1.0 if re.search("[“”\"]", text) else 0.5
    if _QUOTE_ONLY.match(text) or _FIRST_PERSON.match(text) or unbalanced_quotes(text):
        # A quote without its speaker, "we"/"I" without who we are, or half a quotation
        # cut by the sentence splitter: none reads correctly on its own.
        quality -= 1.0
    return quality
