"""Extras beyond the items: key figures, a timeline, and what is new since the last briefing.

* Key figures are numbers with what they count ("nearly 2,000 short-range anti-tank missiles",
  "$200 million security aid"), read from every sentence of the covered articles. The same
  number reported by several articles is one figure citing all of them.
* The timeline has one event per date, in date order: the best sentence that says what
  happened that day ("On January 10, …", "… in Geneva on January 21.", or "The next day, …"
  after an earlier date in the same paragraph).

Every entry is cited like an item: ``sources`` (article ids) and ``evidence`` (the exact source
sentences).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from briefing.analyse import is_candidate, is_heading, split_sentences
from briefing.models import Article, Briefing, Section, Sentence
from briefing.rewrite import (
    _DATE,
    _MONTH_ABBR,
    _MONTHS,
    _RELATIVE,
    _RELATIVE_START,
    capitalise,
    day_label,
    is_dangling,
    shift_day,
)
from briefing.rewrite import make_self_contained as _self_contained

MAX_FIGURES = 8
MAX_EVENTS = 12
CONTEXT_WORDS = 24  # words of the sentence shown with a key figure
MIN_COUNT = 10  # smaller bare numbers ("2 soldiers", "3 killed") are rarely a key figure
EVENT_GAP_DAYS = 7  # older dates cut off from the rest by a longer quiet spell are background

# --- key figures -----------------------------------------------------------------------------

_QUALIFIERS = ("nearly", "almost", "about", "around", "approximately", "roughly", "some",
               "over", "more than", "fewer than", "less than", "at least", "up to", "as many as")
_NUMBER = re.compile(
    r"(?P<qual>\b(?:" + "|".join(q.replace(" ", r"\s+") for q in _QUALIFIERS) + r")\s+)?"
    r"(?P<currency>[$€£])?"
    r"(?P<value>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>million|billion|trillion|bn|m)\b)?"
    r"(?P<percent>\s?%|\s(?:per\s?cent|percent)\b)?",
    re.IGNORECASE)
_SCALES = {"million": ("million", 1e6), "m": ("million", 1e6), "billion": ("billion", 1e9),
           "bn": ("billion", 1e9), "trillion": ("trillion", 1e12)}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\S")
# Words that end the phrase naming what a number counts.
_STOP = set("""
    a an the this that these those its their his her our your my of in on at to for from by with
    without into onto over under along across near around about against between among through
    during before after since until than as per via and or but nor so yet if because while
    whereas who whom whose which what where when why how is are was were be been being am
    have has had do does did will would shall should can could may might must not no
    also already still just only even each every all both either neither more most less
    it they them he she we you i there here including according some any such
    sent said says say told went came left took made gave held met fled remain remained
    require requires required need needs needed want wants wanted seen seem seems appear
    """.split())
_IRREGULAR_PLURALS = {"people", "personnel", "aircraft", "police", "children", "men", "women",
                      "staff", "equipment", "cattle", "civilians", "livestock", "militia"}
_TIME_UNITS = {"seconds", "minutes", "hours", "days", "weeks", "months", "years", "decades"}


@dataclass
class _Figure:
    number: str  # "nearly 2,000", "$200 million"
    label: str  # "short-range anti-tank missiles"
    value: float
    money: bool
    sentence: Sentence
    text: str  # the sentence, made self-contained


def key_figures(sections: list[Section], sentences: list[Sentence] | None = None
                ) -> list[dict[str, Any]]:
    """Numbers with what they count, best first, each citing every article that reports it.

    ``sentences`` are all sentences of the covered articles; without them, the items' own
    evidence sentences are searched.
    """
    items = [i for s in sections for i in s.items]
    in_items = {e.text for i in items for e in i.evidence}
    if sentences is None:
        sentences = [Sentence(e.article, n, 0, e.text) for n, e in
                     enumerate(e for i in items for e in i.evidence)]
    groups: dict[tuple, list[_Figure]] = {}
    for sentence in sentences:
        for figure in _figures_in(sentence):
            # One number is one fact: large numbers stand for themselves, small ones only
            # with the same thing counted ("12 violations" and "12 legislators" differ).
            head = "" if figure.value >= 1000 else figure.label.split(" ")[-1].lower()
            groups.setdefault((figure.money, figure.value, head), []).append(figure)
    ranked: list[tuple[float, dict[str, Any]]] = []
    for found in groups.values():
        ranked.append(_figure_entry(found, in_items))
    ranked.sort(key=lambda pair: -pair[0])
    return [entry for _, entry in ranked[:MAX_FIGURES]]


def _figures_in(sentence: Sentence) -> list[_Figure]:
    text = sentence.text
    masked = _mask_dates(text)
    found: list[_Figure] = []
    for match in _NUMBER.finditer(masked):
        start = match.start("currency") if match.group("currency") else match.start("value")
        before = masked[start - 1] if start else " "
        after = masked[match.end():match.end() + 1]
        # "C-17", "F16", "v1.5", "24/7", "122mm", "90-minute", "9am": parts of names or
        # measures, not counts.
        if before.isalnum() or before in "-/.·" or (after and (after.isalnum() or after in "-/")):
            continue
        value_text = match.group("value")
        value = float(value_text.replace(",", ""))
        scale = (match.group("scale") or "").lower()
        money = bool(match.group("currency"))
        percent = bool(match.group("percent"))
        bare = not money and not scale and not percent
        if bare and (value < MIN_COUNT or re.fullmatch(r"(19|20)\d\d", value_text)):
            continue  # too small to matter, or a year
        word, factor = _SCALES.get(scale, ("", 1.0))
        qual = " ".join((match.group("qual") or "").lower().split())
        number = (f"{qual} " if qual else "") + (match.group("currency") or "") + value_text
        number += f" {word}" if word else ""
        number += "%" if percent else ""
        label = _counted(masked[match.end():], money or percent, percent)
        if label is None:
            continue
        found.append(_Figure(number=number, label=label, value=value * factor, money=money,
                             sentence=sentence,
                             text=_self_contained(sentence.text, sentence.context)))
    return found


def _counted(rest: str, loose: bool, percent: bool = False) -> str | None:
    """The words after a number that say what it counts, or None when nothing does.

    A count needs a plural noun ("30 instructors"); money and percentages may stand alone
    ("$120 million") or name what they buy ("$200m in security aid" → "security aid").
    """
    words: list[str] = []
    tokens = _WORD.findall(rest)
    # "$200m in security aid" → "security aid"; but "40% of voters" keeps its "of", which
    # a percentage needs to read right.
    kept = ""
    if loose and tokens and tokens[0].lower() in {"in", "of", "worth"}:
        kept = "of " if tokens[0].lower() == "of" and percent else ""
        tokens = tokens[1:]
    for token in tokens[:5]:
        lower = token.lower()
        if not token[0].isalpha() or lower in _STOP or lower in _MONTH_ABBR:
            break
        if words and re.search(r"(?:ed|ing)$", lower) and lower not in _IRREGULAR_PLURALS:
            break  # "troops stationed", "people living": the verb, not the thing counted
        words.append(token.strip("'’"))
    if loose:
        return (kept + " ".join(words[:3])) if words else ""
    # Trim back to the last plural-looking noun, which is what is counted.
    for end in range(len(words), 0, -1):
        if _plural(words[end - 1]):
            return " ".join(words[:end])
    return None


def _plural(word: str) -> bool:
    lower = word.lower()
    if lower in _IRREGULAR_PLURALS:
        return True
    return lower.endswith("s") and not lower.endswith(("ss", "us", "is", "'s", "’s"))


_DATE_OR_TIME = re.compile(_DATE.pattern + r"(?:\s*(?:and|to|through|-|–)\s*\d{1,2}\b)?"
                          r"|\b\d{1,2}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)


def _mask_dates(text: str) -> str:
    """Blank out dates and date ranges so their numbers are not read as counts."""
    return _DATE_OR_TIME.sub(lambda m: "#" * len(m.group(0)), text)


def _figure_entry(found: list[_Figure], in_items: set[str]) -> tuple[float, dict[str, Any]]:
    # The wording most articles use ("100,000 troops" over "100,000 Russian troops").
    counts: dict[str, int] = {}
    for f in found:
        key = f"{f.number.split(' ', 1)[-1] if _has_qualifier(f) else f.number}|{f.label}"
        counts[key] = counts.get(key, 0) + 1
    best_key = max(counts, key=lambda k: (counts[k], -len(k)))
    best = next(f for f in found if best_key.endswith("|" + f.label)
                and f.number.endswith(best_key.split("|")[0]))
    in_item = [f for f in found if f.sentence.text in in_items]
    # The sentence shown beside the figure: one that reads on its own ("She accused …" does
    # not) and uses the chosen wording; a sentence the briefing already quotes, if a tie.
    shown = min(found, key=lambda f: (is_dangling(f.text), f.label != best.label,
                                      f.sentence.text not in in_items, len(f.text)))
    sources: list[str] = []
    evidence: list[dict[str, str]] = []
    for f in sorted(found, key=lambda f: f is not shown):
        if f.sentence.article_id not in sources:
            sources.append(f.sentence.article_id)
            evidence.append({"article": f.sentence.article_id, "text": f.sentence.text})
    head = best.label.split(" ")[-1].lower() if best.label else ""
    score = (2.0 * len(sources) + (1.5 if best.money else 0.0) + (1.0 if in_item else 0.0)
             + (0.3 if best.label else 0.0) - (1.5 if head in _TIME_UNITS else 0.0)
             + 0.5 * min(math.log10(max(best.value, 1.0)), 9.0) / 9.0)
    figure = f"{best.number} {best.label}".strip()
    return score, {"figure": figure, "number": best.number, "label": best.label,
                   "text": shown.text, "context": _around(shown.text, shown.number),
                   "sources": sources, "evidence": evidence}


def _around(text: str, number: str, width: int = CONTEXT_WORDS) -> str:
    """The words around a number in a long sentence, marked with ellipses where cut: a key
    figure needs a line of context, not the whole 60-word sentence it came from."""
    words = text.split()
    if len(words) <= width + 2:  # cutting one or two words saves nothing
        return text
    digits = re.sub(r"[^\d,.]", "", number).strip(",.")
    at = next((n for n, w in enumerate(words) if digits and digits in w), 0)
    start = max(0, min(at - width // 3, len(words) - width))
    # Begin at a clause if one starts shortly before the number ("…, including nearly …").
    commas = [n + 1 for n in range(max(0, at - width // 2), at) if words[n].endswith(",")]
    if commas:
        start = commas[-1]
    end = min(len(words), start + width)
    snippet = " ".join(words[start:end]).strip(",;:")
    return ("…" if start else "") + snippet + ("…" if end < len(words) else "")


def _has_qualifier(f: _Figure) -> bool:
    return bool(re.match(r"[a-z]", f.number))


# --- timeline --------------------------------------------------------------------------------

_LEAD = re.compile(r"^(?:(?:early|late)\s+)?(?:on|by)\s+(?:the\s+(?:night|morning|evening|"
                   r"afternoon|eve)\s+of\s+)?$", re.IGNORECASE)
_RANGE_AFTER = re.compile(r"^\s*(?:and|to|through|until|-|–|—)\s*\d", re.IGNORECASE)
_NOT_NAMES = {m.capitalize() for m in _MONTHS} | {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "On", "The",
    "In", "At", "By", "A", "An", "But", "And", "Then", "However", "During", "After", "Before",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"}


@dataclass
class _Event:
    when: tuple[int, int]
    text: str  # self-contained sentence
    event: str  # what happened, without the date (shown beside the date)
    sentence: str  # exact source sentence
    article_id: str
    names: set[str] = field(default_factory=set)
    score: float = 0.0


def timeline(articles: list[Article], sentences: list[Sentence] | None = None
             ) -> list[dict[str, Any]]:
    """One event per date, in date order, from sentences that say on which day something
    happened. ``sentences`` is accepted for symmetry with key_figures; the articles are read
    whole so that "The next day, …" finds its date even a sentence or two back."""
    del sentences
    spread = _name_spread(articles)
    by_date: dict[tuple[int, int], list[_Event]] = {}
    for article in articles:
        for event in _article_events(article):
            event.score += _salience(event.names, spread, len(articles))
            by_date.setdefault(event.when, []).append(event)
    if not by_date:
        return []
    ordered = sorted(by_date, key=_ordinal(by_date))
    ordered = _current_run(ordered, _ordinal(by_date))
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
    if len(entries) > MAX_EVENTS:  # keep the strongest, still in date order
        keep = {id(e) for e in sorted(entries, key=lambda e: -e["_score"])[:MAX_EVENTS]}
        entries = [e for e in entries if id(e) in keep]
    for entry in entries:
        del entry["_score"]
    return entries


def _article_events(article: Article) -> list[_Event]:
    events: list[_Event] = []
    for paragraph in article.paragraphs:
        if is_heading(paragraph):
            continue
        anchor: tuple[int, int] | None = None  # the last date this paragraph mentioned
        for sentence in split_sentences(paragraph):
            event = _dated_event(sentence, anchor)
            if event is not None and is_candidate(sentence):
                event.article_id = article.id
                events.append(event)
            dates = [d for d in (_month_day(m) for m in _DATE.finditer(sentence)) if d]
            if dates:
                anchor = dates[-1]
            elif event is not None:
                anchor = event.when
    return events


def _dated_event(sentence: str, anchor: tuple[int, int] | None) -> _Event | None:
    relative = _RELATIVE_START.match(sentence)
    if relative:
        if anchor is None:
            return None
        when = shift_day(*anchor, _RELATIVE[relative.group(1).lower()])
        if when is None:
            return None
        rest = sentence[relative.end():].strip()
        label = day_label(*when)
        # The anchor is already shifted: write the date in, do not shift it again.
        return _Event(when, f"On {label}, {rest}", capitalise(rest), sentence, "",
                      _names(rest), score=1.0)
    text = _self_contained(sentence)
    for match in _DATE.finditer(text):
        when = _month_day(match)
        if when is None or _RANGE_AFTER.match(text[match.end():]):
            continue
        before = text[:match.start()]
        if re.search(r"\bbetween\s+$", before, re.IGNORECASE):
            continue
        if _LEAD.match(before):
            after = text[match.end():]
            # "On the night of January 13 into the 14, Ukraine was hit …": the date phrase
            # runs to the comma.
            comma = re.match(r"(?:\s+(?:into|to|and)\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?)?,",
                             after)
            event = capitalise(after[comma.end():].strip()) if comma else text
            return _Event(when, text, event, sentence, "", _names(text), score=1.0)
        if re.search(r"\bon\s+$", before, re.IGNORECASE):
            # "… met in Geneva on January 21." → "… met in Geneva."
            after = text[match.end():]
            event = re.sub(r"\s+on\s+$", "", before) + after
            # A date deep inside a long sentence is seldom what the sentence is about.
            buried = len(before) > 60 and not re.match(r"^[\"'”’)]*[.!?]", after)
            return _Event(when, text, capitalise(event.strip()), sentence, "", _names(text),
                          score=0.0 if buried else 0.5)
    return None


def _month_day(match: re.Match[str]) -> tuple[int, int] | None:
    month = _MONTH_ABBR.get(match.group("month").lower().rstrip(".")[:4]) or \
        _MONTH_ABBR.get(match.group("month").lower()[:3])
    day = int(match.group("day"))
    try:
        date(2000, month or 0, day)  # a leap year, so February 29 passes
    except ValueError:
        return None
    return month, day


def _ordinal(by_date: dict[tuple[int, int], Any]):
    """Sort key in days: month and day only, so across a new year (both December and
    January present) the late months belong to the year before."""
    months = {m for m, _ in by_date}
    wraps = max(months) - min(months) > 6

    def key(when: tuple[int, int]) -> int:
        year = 2000 if wraps and when[0] > 6 else 2001
        day = min(when[1], 28) if when[0] == 2 else when[1]
        return date(year, when[0], day).toordinal()

    return key


def _current_run(ordered: list[tuple[int, int]], key) -> list[tuple[int, int]]:
    start = 0
    for n in range(len(ordered) - 1, 0, -1):
        if key(ordered[n]) - key(ordered[n - 1]) > EVENT_GAP_DAYS:
            start = n
            break
    return ordered[start:]


def _names(text: str) -> set[str]:
    """Capitalised words after the first: the people, places and bodies a sentence names."""
    words = re.findall(r"[A-Za-z][\w’'-]*", text)
    return {w.strip("’'") for w in words[1:] if w[0].isupper() and w not in _NOT_NAMES}


def _name_spread(articles: list[Article]) -> dict[str, int]:
    spread: dict[str, int] = {}
    for article in articles:
        for name in _names(article.title + " " + article.text):
            spread[name] = spread.get(name, 0) + 1
    return spread


def _salience(names: set[str], spread: dict[str, int], total: int) -> float:
    """How widely the other articles talk about the people and places this event names. A
    name every article uses (the country the whole story is about) tells nothing."""
    if total < 2:
        return 0.0
    useful = [spread.get(n, 1) for n in names if spread.get(n, 1) < total or total < 3]
    if not useful:
        return 0.0
    return 3.0 * sum(useful) / (len(useful) * total)


# --- new since the last briefing -----------------------------------------------------------


def mark_new(briefing: Briefing, covered: set[str], previous_date: str | None) -> int:
    """Flag the items that cite an article no earlier briefing covered; return how many.

    Call it only when an earlier briefing exists (with nothing to compare, nothing is new)
    and before this briefing's coverage is recorded.
    """
    count = 0
    for item in briefing.items:
        item.new = any(a not in covered for a in item.sources)
        count += item.new
    briefing.stats["new_items"] = count
    if previous_date:
        briefing.stats["previous_briefing"] = previous_date
    return count
