"""Leads: the one sentence that says what happened, chosen for each story; and what makes a
sentence unable to stand alone."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np

from briefing.compose.grouping import Group, Story
from briefing.compose.weights import STORY_WEIGHTS, StoryWeights
from briefing.compose.wording import day_label, wording_quality
from briefing.records import Sentence
from briefing.text.patterns import (
    BARE_WEEKDAY,
    FUTURE,
    PAST_VERBS,
    QUOTED,
    WEEKDAY_BLOCKERS,
    WEEKDAY_TAIL,
    WEEKDAYS,
    YESTERDAY,
)

# Transcript and Q&A lines: "Q: …", "SMITH: …", "Reporter: …" — a speaker label, no context.
_SPEAKER_LABEL = re.compile(r"^(Q|A|[A-Z][A-Za-z.'’-]*(?: [A-Z][A-Za-z.'’-]*){0,2})\s?:\s")


# Fact-box and timeline entries: "-- Aug. 3: …", "*DEAD: …", "- Monday: …": a list line, read
# only under its header.
_LIST_ENTRY = re.compile(r"^([-*•–—]+\s*|\d+[.)]\s+)")


# Teasers and cross-references: they point at another piece instead of saying something.
_TEASER = re.compile(r"^(here['’]s|here is|here are|this is|find out|learn|see|watch|read|"
                     r"click|a look at|a (brief )?(chronology|timeline|summary) of|"
                     r"what (we|you) know|everything (we|you) know)\b", re.IGNORECASE)

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


POINTS_BACK_PENALTY = 1.0  # rejects the line: no effect on MultiLing or duc_tac ROUGE-2


def standalone_quality(sentence: Sentence) -> float:
    """``wording_quality`` plus the news-specific rejections; <= -1 means unusable."""
    text = sentence.text
    if (_SPEAKER_LABEL.match(text) or _LIST_ENTRY.match(text) or _TEASER.match(text)
            or _HEADER.match(text) or _TIMED_ENTRY.match(text)):
        return -1.0
    quality = wording_quality(sentence)
    if _POINTS_BACK.search(text):
        quality -= POINTS_BACK_PENALTY
    return quality


def resolve_relative_days(text: str, published: str | None) -> str:
    """Date the past days a sentence names from its article's date, so a briefing read later
    (and citing several articles) does not lean on the reader knowing which Wednesday: in an
    article of 2005-01-27, "… died Wednesday" becomes "… died January 26", "on Tuesday" "on
    January 25", "yesterday" "on January 26". News reports a weekday of the past week, so it
    is the latest such day on or before publication.

    Replaced rather than annotated: a date in brackets costs two words of the budget (it lost
    one long lead on duc_tac). Only what can be dated safely is changed: a weekday after "on"
    or after a verb in the past ("said Tuesday", "sank Saturday"), in a sentence that speaks
    of no future ("will", "next", "scheduled" …), not inside a phrase the date would break
    ("early Tuesday morning", "Tuesday's crash", "until Friday"), and nothing in quotation
    marks (a quote stays as said). "today" is left: as often as not it means "nowadays"."""
    if not published or FUTURE.search(text):
        return text
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return text

    def quoted(position: int, current: str) -> bool:
        return any(a <= position < b for a, b in (m.span() for m in QUOTED.finditer(current)))

    out = text
    for match in reversed(list(BARE_WEEKDAY.finditer(text))):
        before = out[:match.start()].split()
        after = out[match.end():]
        previous = before[-1].lower().strip(",") if before else ""
        dated_by = previous == "on" or previous in PAST_VERBS or (
            previous.endswith("ed") and len(previous) > 3)
        if (not dated_by or previous in WEEKDAY_BLOCKERS or WEEKDAY_TAIL.match(after)
                or quoted(match.start(), out)):
            continue
        back = (day.weekday() - WEEKDAYS.index(match.group(1).lower())) % 7
        when = day - timedelta(days=back)
        out = out[:match.start()] + day_label(when.month, when.day) + out[match.end():]
    for match in reversed(list(YESTERDAY.finditer(out))):
        if quoted(match.start(), out):
            continue
        when = day - timedelta(days=1)
        label = day_label(when.month, when.day)
        night = match.group(0).lower() == "last night"
        phrase = f"on the night of {label}" if night else f"on {label}"
        if out[:match.start()].rstrip().lower().endswith(" on"):
            phrase = phrase.removeprefix("on ")
        if match.start() == 0:
            phrase = phrase[0].upper() + phrase[1:]
        out = out[:match.start()] + phrase + out[match.end():]
    return out



LEAD_MIN_QUALITY = -0.25  # standalone_quality: under 10 words costs 0.3, a dangling start more


def choose_lead(story: Story, sentences: list[Sentence], embeddings: np.ndarray,
                weights: StoryWeights = STORY_WEIGHTS) -> Group | None:
    """The story's lead: among facts one of whose sentences opens an article, or the most
    corroborated facts, the best-scoring one with a self-contained wording. Every fact gets
    wording was chosen when it was scored."""
    usable = [f for f in story.facts if f.text]
    if not usable:
        return None
    most = max(len(set(f.articles) & set(story.articles)) for f in usable)
    candidates = [f for f in usable
                  if any(sentences[m].position < 2 for m in f.members)
                  or len(set(f.articles) & set(story.articles)) == most]
    # A lead must read well on its own: no short fragment ("X also did Y."), nothing that
    # leans on an earlier sentence, when the story has anything better.
    clean = [f for f in candidates if standalone_quality(sentences[f.best]) > LEAD_MIN_QUALITY]
    candidates = clean or candidates
    # Linear share, not log: what all of a story's outlets report is the event itself, what
    # three of four report is usually a detail around it.
    size = max(len(story.articles), 1)
    options = [(f, f.score + weights.lead_corroboration
                * len(set(f.articles) & set(story.articles)) / size) for f in candidates]
    # The others stay as fallbacks: a lead that repeats another story's chosen line, or no
    # longer fits the budget, leaves the story to its next candidate rather than to nothing.
    story.lead_options = sorted(options, key=lambda fv: -fv[1])
    return story.lead_options[0][0]
