"""Wording for story leads and facts: the cleanest self-contained sentence of a fact.

``briefing.compose.wording_quality`` already rejects quotes without their speaker, first
person, unbalanced quotes and leading pronouns. News copy has more lines that cannot stand
alone, each rejected here for the reason given beside its pattern.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import numpy as np

from briefing.compose.grouping import Group
from briefing.compose.wording import day_label, make_self_contained, wording_quality
from briefing.records import Sentence
from briefing.text.patterns import DATE

# Transcript and Q&A lines: "Q: …", "SMITH: …", "Reporter: …" — a speaker label, no context.
_SPEAKER_LABEL = re.compile(r"^(Q|A|[A-Z][A-Za-z.'’-]*(?: [A-Z][A-Za-z.'’-]*){0,2})\s?:\s")
# Fact-box and timeline entries: "-- Aug. 3: …", "*DEAD: …", "- Monday: …": a list line, read
# only under its header.
_LIST_ENTRY = re.compile(r"^([-*•–—]+\s*|\d+[.)]\s+)")
# Teasers and cross-references: they point at another piece instead of saying something.
_TEASER = re.compile(r"^(here['’]s|here is|here are|this is|find out|learn|see|watch|read|"
                     r"click|a look at|a (brief )?(chronology|timeline|summary) of|"
                     r"what (we|you) know|everything (we|you) know)\b", re.IGNORECASE)


# A demonstrative that points back at the previous sentence ("responded to that request",
# "Part of this is …", "these measures"): the line does not say what it refers to. Time
# phrases ("this week", "that day") and "that" as a conjunction ("said that …") are not.
_TIME_NOUNS = (r"week|weekend|year|month|morning|afternoon|evening|night|day|time|summer|"
               r"winter|spring|fall|autumn|season|decade|century")
_POINTS_BACK = re.compile(
    rf"\b(this|these|those|such)\s+(?!(?:{_TIME_NOUNS})s?\b)[a-z]+|"
    rf"\b(to|of|on|in|at|with|by|for|from|about|after)\s+that\s+(?!(?:{_TIME_NOUNS})s?\b)[a-z]+\b"
    rf"(?=\W*$|[.,;])|^part of (this|that)\b", re.IGNORECASE)
POINTS_BACK_PENALTY = 1.0  # rejects the line: no effect on MultiLing or duc_tac ROUGE-2


def standalone_quality(sentence: Sentence) -> float:
    """``wording_quality`` plus the news-specific rejections; <= -1 means unusable."""
    text = sentence.text
    if _SPEAKER_LABEL.match(text) or _LIST_ENTRY.match(text) or _TEASER.match(text):
        return -1.0
    quality = wording_quality(sentence)
    if _POINTS_BACK.search(text):
        quality -= POINTS_BACK_PENALTY
    return quality


def choose_lead_wording(group: Group, sentences: list[Sentence], embeddings: np.ndarray,
                        opening_bonus: float = 0.3) -> None:
    """Set the group's wording: the usable member closest to the group's centroid, with a
    small bonus for an article's opening sentence (wire leads are written to stand alone)."""
    best, best_value = -1, -math.inf
    for m in group.members:
        quality = standalone_quality(sentences[m])
        if quality <= -1.0:
            continue
        value = (quality + 1.5 * float(embeddings[m] @ group.centroid)
                 + (opening_bonus if sentences[m].position == 0 else 0.0))
        if value > best_value:
            best, best_value = m, value
    group.best = best
    group.text = make_self_contained(sentences[best].text, sentences[best].context) \
        if best >= 0 else ""


_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# A bare weekday ("killed on Wednesday", "said Tuesday"), not one already dated
# ("Wednesday, January 26") nor part of a name ("Good Friday", "Black Monday").
_BARE_WEEKDAY = re.compile(r"(?<!Good )(?<!Black )\b(" + "|".join(_WEEKDAYS) + r")\b(?![,]? "
                           r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d)")


def resolve_weekday(text: str, published: str | None) -> str:
    """"… said Wednesday" in an article published on 2005-01-27 becomes "… said Wednesday
    (January 26)": a briefing read days later, citing several articles, cannot lean on the
    reader knowing which Wednesday. News reports a weekday in the past week, so it is the
    latest such day on or before publication. Left alone when the sentence already has a
    month and day, or the article's date is unknown."""
    if not published or DATE.search(text):
        return text
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return text
    match = _BARE_WEEKDAY.search(text)
    if not match:
        return text
    back = (day.weekday() - _WEEKDAYS.index(match.group(1))) % 7
    when = day - timedelta(days=back)
    return f"{text[:match.end()]} ({day_label(when.month, when.day)}){text[match.end():]}"
