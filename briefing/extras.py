"""Extras beyond the items: key figures (numbers with what they count) and a timeline of dated
events across articles. Each entry is cited like an item: ``sources`` and ``evidence``."""

from __future__ import annotations

import re
from typing import Any

from briefing.models import Article, Section, Sentence
from briefing.rewrite import _DATE, _MONTHS, anchor_date, make_self_contained

MAX_FIGURES = 8
MAX_EVENTS = 12

_FIGURE = re.compile(
    r"(?P<figure>(?:(?:about|around|nearly|almost|over|more than|some|up to)\s+)?"
    r"[$€£]?\s?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[$€£]\s?\d+(?:\.\d+)?|\b\d{2,}(?:\.\d+)?)"
    r"(?P<scale>\s?(?:million|billion|trillion|bn|m|k)\b)?"
    r"(?P<noun>(?:\s+(?!(?:to|in|on|at|for|of|and|or|by|from|with|that|which|who|as|"
    r"the|a|an|is|are|was|were|will|would|has|have|had)\b)[A-Za-z][\w-]*){1,4})")
_YEARLIKE = re.compile(r"^(19|20)\d\d$")


def key_figures(sections: list[Section]) -> list[dict[str, Any]]:
    """Numbers with what they count, from the briefing's items, each cited."""
    figures: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in sorted((i for s in sections for i in s.items), key=lambda i: -i.score):
        for match in _FIGURE.finditer(item.text):
            number = match.group("figure").strip()
            digits = re.sub(r"[^\d.]", "", number)
            if _YEARLIKE.match(digits) or _after_month(item.text, match.start()):
                continue
            figure = " ".join((number + (match.group("scale") or "") +
                               match.group("noun")).split())
            key = figure.lower()
            if key in seen:
                continue
            seen.add(key)
            figures.append({
                "figure": figure,
                "text": item.text,
                "sources": list(item.sources),
                "evidence": [{"article": e.article, "text": e.text} for e in item.evidence],
            })
            if len(figures) >= MAX_FIGURES:
                return figures
    return figures


def _after_month(text: str, start: int) -> bool:
    before = text[max(0, start - 12):start].lower()
    return any(m[:3] in before for m in _MONTHS)


def timeline(articles: list[Article], sentences: list[Sentence]) -> list[dict[str, Any]]:
    """Dated events in date order: sentences that say on which day something happened
    ("On January 17, …", or "The next day, …" after such a sentence)."""
    events: dict[tuple[int, int], dict[str, Any]] = {}
    for s in sentences:
        text = make_self_contained(s.text, s.context)
        lead = re.match(r"^(?:On|By|Between)\s+", text)
        found = _DATE.search(text)
        if not found:
            continue
        # The date must govern the sentence: near its start, or after "on".
        if not (lead or found.start() < 25 or text[max(0, found.start() - 3):found.start()]
                .lower() == "on "):
            continue
        when = anchor_date(found.group(0))
        if when is None:
            continue
        entry = events.get(when)
        if entry is None:
            events[when] = {"date_label": f"{_MONTHS[when[0] - 1].capitalize()} {when[1]}",
                            "month": when[0], "day": when[1], "text": text,
                            "sources": [s.article_id],
                            "evidence": [{"article": s.article_id, "text": s.text}]}
        elif s.article_id not in entry["sources"]:
            entry["sources"].append(s.article_id)
            entry["evidence"].append({"article": s.article_id, "text": s.text})
    if not events:
        return []
    months = {m for m, _ in events}
    # Month and day only: across a new year (December and January), December comes first.
    wraps = max(months) - min(months) > 6

    def order(key: tuple[int, int]) -> tuple[int, int, int]:
        month, day = key
        return (0 if wraps and month > 6 else 1, month, day)

    ordered = [events[k] for k in sorted(events, key=order)]
    if len(ordered) > MAX_EVENTS:  # keep the best-corroborated events, still in date order
        keep = sorted(ordered, key=lambda e: -len(e["sources"]))[:MAX_EVENTS]
        ordered = [e for e in ordered if e in keep]
    return ordered
