"""The timeline: dated events the articles report, in order.

An event is dated only by a date the sentence itself gives for it, and only when that date
is the day of what the sentence reports: not a birthday, an age or an anniversary, not a plan
("will meet on …"), not the date inside a clause the sentence reports or describes ("officials
suggested that … killing all 217 aboard on Oct. 31", written weeks later, dates the crash, not
the suggestion; "the flight that crashed on Oct. 31 went into a dive" dates the crash, not the
dive). An article's publication date never dates an event; it only tells which year a date
written without one falls in, so that events months apart are told in their true order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from briefing.compose.wording import capitalise, day_label, shift_day
from briefing.compose.wording import make_self_contained as _self_contained
from briefing.records import Article, Sentence
from briefing.text.patterns import (
    BARE_WEEKDAY,
    DATE,
    DATE_RANGE,
    DAYS_AFTER_DATE,
    DAYS_AFTER_DATE_START,
    FUTURE,
    SAID_BEFORE,
    WEEKDAYS,
    date_parts,
    month_day,
    name_words,
)
from briefing.text.sentences import is_candidate, is_heading, split_sentences

MAX_EVENTS = 12


EVENT_GAP_DAYS = 7  # older dates cut off from the rest by a longer quiet spell are background


_LEAD = re.compile(r"^(?:(?:then|and)\s+)?(?:(?:early|late)\s+)?(?:on|by)\s+"
                   r"(?:the\s+(?:night|morning|evening|afternoon|eve)\s+of\s+)?$",
                   re.IGNORECASE)


# A day that is no event's: a birthday, an age or an anniversary ("who will be 26 on Feb. 26",
# "born on March 3", "the 10th anniversary on May 5").
_NOT_AN_EVENT = re.compile(r"\b(?:birthdays?|born|anniversar(?:y|ies)|turns?\s+\d+|aged?\s+\d+|"
                           r"will\s+be\s+\d+)\b", re.IGNORECASE)

# Before a date, a clause the sentence reports ("… suggested that …", "… announced Saturday
# that …"): the date is that clause's, not of the reporting, so it dates nothing the sentence
# itself tells.
_REPORTED = re.compile(
    r"\b(?:said|says|say|suggest(?:s|ed)?|believe[sd]?|report(?:s|ed)|announc(?:es|ed)|"
    r"confirm(?:s|ed)|den(?:y|ies|ied)|conclud(?:es|ed)|think|thinks|thought|claim(?:s|ed)|"
    r"alleg(?:es|ed)|speculat(?:es|ed)|told|add(?:s|ed)|insist(?:s|ed)|estimat(?:es|ed)|"
    r"indicat(?:es|ed)|show(?:s|ed|n))\b(?:\W+\w+){0,3}?\W+that\b", re.IGNORECASE)

# A relative or subordinate clause still open at the date ("the flight that crashed on Oct. 31
# went …", "the Kursk, which sank on Aug. 12", "resumed flights after the jet crashed on July
# 25", "an explanation of why the jet crashed on July 25"): the date is the clause's, not the
# day of what the sentence reports.
_OPEN_RELATIVE = re.compile(r"\b(?:that|which|who|whom|whose|why|how|whether|after|before|"
                            r"since|until|because|following)\b[^,;:]*$", re.IGNORECASE)

# A day named from the day of writing, in the sentence's own words: a weekday (not one dated in
# the same breath, not "Good Friday"), "today", "tonight" or "yesterday"; the "on" or "last"
# before it goes with it.
_WEEKDAY_OR_TODAY = re.compile(r"\s*\b(?:on\s+)?(?:(?P<last>last)\s+)?(?P<day>"
                               + BARE_WEEKDAY.pattern + r"|today|tonight|yesterday)\b",
                               re.IGNORECASE)

# A day opening the sentence, with its part of the day and its comma ("On Tuesday morning, ").
_OPENING_DAY = re.compile(r"(?:on\s+)?(?:last\s+)?(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|"
                          r"today|tonight|yesterday)(?:\s+(?:morning|afternoon|evening|night))?"
                          r",\s*", re.IGNORECASE)

# A weekday set beside a date (", a Monday,"): said once, by the date beside the event.
_WEEKDAY_APPOSITION = re.compile(r"^,\s+a\s+(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day(?=,)")


@dataclass
class _Event:
    when: tuple[int, int]
    text: str  # self-contained sentence
    event: str  # what happened, without the date (shown beside the date)
    sentence: str  # exact source sentence
    article_id: str
    names: frozenset[str] = field(default_factory=frozenset)
    score: float = 0.0
    year: int | None = None  # the year the date falls in, from the article's publication


@dataclass(frozen=True)
class Reading:
    """What the timeline reads in one article alone: the names it mentions (title and text)
    and its dated events, before they are weighed against the day's other articles. The
    daemon's poll jobs read each article as it arrives (``Pipeline.prepare``), so the slot
    only weighs and orders."""

    names: frozenset[str]
    events: tuple[_Event, ...]  # never changed: the slot weighs copies


ReadingKey = tuple[str, str, str | None]


def reading_key(article: Article) -> ReadingKey:
    """What a reading depends on: the text (the id is its hash), the title, and the
    publication date (which dates weekdays and gives years)."""
    return (article.id, article.title, article.published)


def read_article(article: Article) -> Reading:
    # Title and text apart: a title ends no sentence, so the text's first word would not be
    # seen as the sentence opener it is.
    return Reading(name_words(article.title) | name_words(article.text),
                   tuple(_article_events(article)))


def timeline(articles: list[Article], sentences: list[Sentence] | None = None,
             readings: Mapping[ReadingKey, Reading] | None = None) -> list[dict[str, Any]]:
    """One event per date, in date order, from sentences that say on which day something
    happened. ``sentences`` is accepted for symmetry with key_figures; the articles are read
    whole so that "The next day, …" finds its date even a sentence or two back.
    ``readings``: articles already read (``read_article``), by ``reading_key``."""
    del sentences
    readings = readings or {}
    read = [readings.get(reading_key(a)) or read_article(a) for a in articles]
    spread = _name_spread(read)
    by_date: dict[tuple[int, int], list[_Event]] = {}
    for reading in read:
        for seen in reading.events:
            event = replace(seen, score=seen.score + _salience(seen.names, spread,
                                                               len(articles)))
            by_date.setdefault(event.when, []).append(event)
    if not by_date:
        return []
    key = _ordinal(by_date)
    ordered = _main_run(sorted(by_date, key=key), key, by_date)
    entries = []
    for when in ordered:
        candidates = sorted(by_date[when], key=lambda e: -e.score)
        best = candidates[0]
        sources, evidence = [best.article_id], [{"article": best.article_id,
                                                 "text": best.sentence}]
        for other in candidates[1:]:
            # Another article on the same day counts as a source when it names the same
            # people and places (two or more), i.e. reports the same event.
            if other.article_id not in sources and len(other.names & best.names) >= 2:
                sources.append(other.article_id)
                evidence.append({"article": other.article_id, "text": other.sentence})
        month, day = when
        entries.append({"date_label": day_label(month, day),
                        "month": month, "day": day, "event": best.event, "text": best.text,
                        "sources": sources, "evidence": evidence,
                        "_score": best.score + len(sources)})
        year = _year(by_date[when])
        if year is not None:
            entries[-1]["year"] = year
    if len(entries) > MAX_EVENTS:  # keep the strongest, still in date order
        keep = {id(e) for e in sorted(entries, key=lambda e: -e["_score"])[:MAX_EVENTS]}
        entries = [e for e in entries if id(e) in keep]
    for entry in entries:
        del entry["_score"]
    return entries


def _article_events(article: Article) -> list[_Event]:
    events: list[_Event] = []
    published = _published(article.published)
    for paragraph in article.paragraphs:
        if is_heading(paragraph):
            continue
        anchor: tuple[int, int] | None = None  # the last date this paragraph mentioned
        for sentence in split_sentences(paragraph):
            event = _dated_event(sentence, anchor)
            mentions = list(DATE.finditer(sentence))  # for both uses below: one search
            if event is None and published is not None and not mentions:
                event = _weekday_event(sentence, published)
            if event is not None and is_candidate(sentence):
                event.article_id = article.id
                if published is not None:
                    # The latest such day on or before the day of writing.
                    event.year = published.year - (event.when > (published.month,
                                                                 published.day))
                events.append(event)
            dates = [d for d in (_this_year(m) for m in mentions) if d]
            if dates:
                anchor = dates[-1]
            elif event is not None:
                anchor = event.when
    return events


def _dated_event(sentence: str, anchor: tuple[int, int] | None) -> _Event | None:
    relative = DAYS_AFTER_DATE_START.match(sentence)
    if relative:
        if anchor is None:
            return None
        when = shift_day(*anchor, DAYS_AFTER_DATE[relative.group(1).lower()])
        if when is None:
            return None
        rest = sentence[relative.end():].strip()
        label = day_label(*when)
        # The anchor is already shifted: write the date in, do not shift it again.
        return _Event(when, f"On {label}, {rest}", capitalise(rest), sentence, "",
                      name_words(rest), score=1.0)
    text = _self_contained(sentence)
    if _NOT_AN_EVENT.search(text):
        return None
    for match in DATE_RANGE.finditer(text):
        when = _this_year(match)
        if when is None or match.group("range_end"):
            continue  # no calendar day, a year named, or a range of days: not one event's day
        before = text[:match.start()]
        if re.search(r"\bbetween\s+$", before, re.IGNORECASE):
            continue
        if not _dates_the_sentence(before):
            return None
        if _LEAD.match(before):
            after = _WEEKDAY_APPOSITION.sub("", text[match.end():])
            # "On the night of January 13 into the 14, Ukraine was hit …": the date phrase
            # runs to the comma.
            comma = re.match(r"(?:\s+(?:into|to|and)\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?)?,",
                             after)
            event = capitalise(after[comma.end():].strip()) if comma else text
            return _Event(when, text, event, sentence, "", name_words(text), score=1.0)
        if re.search(r"\bon\s+$", before, re.IGNORECASE):
            # "… met in Geneva on January 21." → "… met in Geneva."
            after = text[match.end():]
            event = re.sub(r"\s+on\s+$", "", before) + after
            # A date deep inside a long sentence is seldom what the sentence is about.
            buried = len(before) > 60 and not re.match(r"^[\"'”’)]*[.!?]", after)
            return _Event(when, text, capitalise(event.strip()), sentence, "", name_words(text),
                          score=0.0 if buried else 0.5)
    return None


def _weekday_event(sentence: str, published: date) -> _Event | None:
    """An event the sentence dates by a day named from the day of writing ("rescuers lowered
    a capsule Tuesday", "the navy said today"): the latest such day on or before the
    article's publication. A statement's day ("officials said Friday") is the day of the
    saying, not of what was said, so it dates nothing."""
    text = _self_contained(sentence)
    match = _WEEKDAY_OR_TODAY.search(text)
    # Wire codes ("&QL;") and fragments (", said …") are no event's words.
    if match is None or _NOT_AN_EVENT.search(text) or not re.match(r"[\w\"“‘']", text) \
            or re.search(r"&[A-Z]+;", text):
        return None
    before, after = text[:match.start()], text[match.end():]
    # "Tuesday's quake" names the event the sentence tells something else about; a plan
    # anywhere in the sentence ("Saturday another team will arrive") is no past event.
    if (re.match(r"['’]s\b", after) or FUTURE.search(text) or SAID_BEFORE.search(before)
            or not _dates_the_sentence(before)):
        return None
    word = match.group("day").lower()
    if word in ("today", "tonight"):
        back = 0
    elif word == "yesterday":
        back = 1
    else:
        back = (published.weekday() - WEEKDAYS.index(word)) % 7
        if match.group("last") and back == 0:
            back = 7  # "last Tuesday" written on a Tuesday
    day = date.fromordinal(published.toordinal() - back)
    # The date is shown beside the event: an opening "On Tuesday," goes; a day inside the
    # sentence stays ("late Tuesday evening" cut would read "late evening").
    opening = _OPENING_DAY.match(text)
    event = capitalise(text[opening.end():]) if opening else text
    # A weekday names the day less surely than a date does: a date wins the day.
    return _Event((day.month, day.day), text, event, sentence, "", name_words(text), score=0.3)


def _dates_the_sentence(before: str) -> bool:
    """Whether a date after ``before`` is the day of what the sentence reports: not of a plan,
    nor of a clause the sentence reports or describes."""
    return not (FUTURE.search(before) or _REPORTED.search(before)
                or _OPEN_RELATIVE.search(before))


def _published(published: str | None) -> date | None:
    """The day an article was written, from its ISO date or datetime; None if unknown."""
    if not published:
        return None
    try:
        return datetime.fromisoformat(published.strip()[:10]).date()
    except ValueError:
        return None


def _year(events: list[_Event]) -> int | None:
    """The year most of one date's events fall in, if their articles tell."""
    years = [e.year for e in events if e.year is not None]
    return max(set(years), key=years.count) if years else None


def _this_year(match: re.Match[str]) -> tuple[int, int] | None:
    """(month, day) of a date written without a year. A date that names its year ("March 18,
    2014") is most often background, and month and day alone cannot tell it from this
    year's."""
    if date_parts(match)[2] is not None:
        return None
    return month_day(match)


def _ordinal(by_date: dict[tuple[int, int], list[_Event]]):
    """Sort key in days: the year the articles' publication tells when they tell one; else
    month and day only, so across a new year (both December and January present) the late
    months belong to the year before."""
    months = {m for m, _ in by_date}
    wraps = max(months) - min(months) > 6
    years = {when: _year(events) for when, events in by_date.items()}

    def key(when: tuple[int, int]) -> int:
        year = years[when] or (2000 if wraps and when[0] > 6 else 2001)
        day = min(when[1], 28) if when[0] == 2 else when[1]
        return date(year, when[0], day).toordinal()

    return key


def _main_run(ordered: list[tuple[int, int]], key, by_date: dict[tuple[int, int], list[_Event]]
              ) -> list[tuple[int, int]]:
    """The run of dates (none more than EVENT_GAP_DAYS after the one before) that most
    sentences date: the story's days. Dates cut off from it by a longer quiet spell are
    background (the day a submarine was commissioned, talks weeks before); on a tie, the
    latest run."""
    runs: list[list[tuple[int, int]]] = [[ordered[0]]]
    for when in ordered[1:]:
        if key(when) - key(runs[-1][-1]) > EVENT_GAP_DAYS:
            runs.append([])
        runs[-1].append(when)
    return max(reversed(runs), key=lambda run: sum(len(by_date[w]) for w in run))


def _name_spread(read: list[Reading]) -> dict[str, int]:
    """How many of the articles name each name."""
    spread: dict[str, int] = {}
    for reading in read:
        for name in reading.names:
            spread[name] = spread.get(name, 0) + 1
    return spread


def _salience(names: frozenset[str], spread: dict[str, int], total: int) -> float:
    """How widely the other articles talk about the people and places this event names. A
    name every article uses (the country the whole story is about) tells nothing."""
    if total < 2:
        return 0.0
    useful = [spread.get(n, 1) for n in names if spread.get(n, 1) < total or total < 3]
    if not useful:
        return 0.0
    return 3.0 * sum(useful) / (len(useful) * total)
