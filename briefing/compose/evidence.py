"""Evidence held to its line: a sentence is cited as evidence for a line only if it states
that line's fact. A story's other articles stay the story's (``Item.story_sources``), never
the line's evidence.

Grouping joins what several articles report about one event, and a story's lead used to cite
every article of the story, each with some sentence of it; fact grouping may also join two
sentences that share only a frame ("European Union", "on Monday"). So a lead about 118 dead
could cite a sentence about rescue vessels. ``hold_evidence`` runs once, when the briefing's
lines are final (``Pipeline.build``), over items, their facts (the top lines are the same
objects), the timeline and the key figures, and keeps an evidence sentence only when
``states_fact`` says it states the line's fact:

- figures: every figure the line gives (a number in digits or words, a scale such as
  "million"; dates aside) is given by the sentence too. A sentence lacking one, or giving
  another value instead, does not state that fact;
- dates: where the line and the sentence both name a year, a day of a month, a month or a
  weekday, they name one in common (a sentence on another day reports another event);
- content: the sentence uses at least half of the line's content words (words of four
  letters or more outside a short list of function words, compared by their first
  ``STEM`` letters so "agreed" meets "agreement"); a sentence that leans on the one before
  ("the two agreed to meet in Geneva") is read with it, as compose reads it. Half, because
  a report of the same fact in other words keeps its names, numbers and main verb and
  nouns while an unrelated sentence of the same story shares a name or two; it is not
  tuned to any corpus.

A line's first evidence is the sentence its wording came from (``compose`` and the
summarizer's guard see to that), so it is kept as it is: the line may date a weekday or
leave out "he said" and so differ from it in form, not in fact. An article that is left with
no evidence for any line of its story moves from the line's ``sources`` to the item's
``story_sources``: the story keeps every article it covers, the evidence is exact.

A key figure's fact is its number: its evidence must state one of the values it shows. A key
figure is also dropped when it repeats a line of the briefing word for word (its sentence is
a lead or a fact) or says nothing of what it counts (no label: "90%" from "recycle 90% of
it").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from briefing.compose.wording import with_context
from briefing.records import Evidence, Fact, Item, Section
from briefing.summarize.guard import date_mentions, number_mentions
from briefing.text.patterns import DATE_MENTION

CONTENT_SHARE = 0.5  # of the line's content words the sentence must use (see above)
STEM = 5  # letters compared: "agreed"/"agreement", "emission"/"emissions"
MIN_WORD = 4  # shorter words ("met", "war", "EU") carry too little to tell facts apart
_WORD = re.compile(r"[^\W\d_]+")
# Words of four letters or more that any sentence may use whatever its fact.
_FUNCTION_WORDS = frozenset(
    "that this these those with from have been were will would could should about after "
    "also their there they them than then into over more most some when where which while "
    "what said says told according other such only just very being does each both".split())
# Number words that are as often a pronoun or an article as a count.
_NOT_FIGURES = frozenset({"one"})


def figures(text: str) -> set[str]:
    """The figures a text gives, canonical ("1,200" and "twelve hundred" aside, "1200"),
    dates left out (they are compared as dates: ``dates_agree``)."""
    return set(_figures(text))


# A line is held against each of its evidence sentences, and a sentence against each line
# it is evidence for: each text is read once (a briefing's lines and evidence: thousands).
_TEXTS_KEPT = 8192


@lru_cache(maxsize=_TEXTS_KEPT)
def _figures(text: str) -> frozenset[str]:
    undated = DATE_MENTION.sub(lambda m: " " * len(m.group(0)), text)
    return frozenset(canonical for surface, canonical in number_mentions(undated)
                     if surface.lower() not in _NOT_FIGURES)


def dates_agree(line: str, sentence: str) -> bool:
    """No kind of date (year, day of a month, month, weekday) that both name differs
    entirely: "by 2040" and "by 2035" are two facts, "on Monday" and "in 2040" are not."""
    mine, theirs = _dates_by_kind(line), _dates_by_kind(sentence)
    return all(not (mine[kind] and theirs.get(kind)) or mine[kind] & theirs[kind]
               for kind in mine)


@lru_cache(maxsize=_TEXTS_KEPT)
def _dates_by_kind(text: str) -> dict[str, frozenset[tuple]]:
    """The dates a text names, by kind (kept: no caller may change it)."""
    found: dict[str, set[tuple]] = {}
    for _, key in date_mentions(text):
        if key[0] != "rel":  # "yesterday" is said from the article's own day
            found.setdefault(key[0], set()).add(key)
    return {kind: frozenset(keys) for kind, keys in found.items()}


@lru_cache(maxsize=_TEXTS_KEPT)
def content_stems(text: str) -> frozenset[str]:
    return frozenset(w[:STEM] for w in (m.lower() for m in _WORD.findall(text))
                     if len(w) >= MIN_WORD and w not in _FUNCTION_WORDS)


def shares_content(line: str, sentence: str) -> bool:
    wanted = content_stems(line)
    if not wanted:
        return True
    return len(wanted & content_stems(sentence)) >= CONTENT_SHARE * len(wanted)


def states_fact(line: str, sentence: str, context: str = "") -> bool:
    """Whether ``sentence`` states the fact of ``line`` (module docstring). ``context`` is
    the sentence before it: where the sentence leans on it ("the two agreed to meet"), its
    content is read with it (``wording.with_context``, as compose reads it); its figures and
    dates are its own."""
    return (_figures(line) <= _figures(sentence) and dates_agree(line, sentence)
            and shares_content(line, with_context(sentence, context)))


@dataclass
class EvidenceReport:
    """What ``hold_evidence`` took out: evidence sentences and key figures."""

    dropped_evidence: int = 0
    dropped_figures: int = 0


Contexts = Callable[[str, str], str]  # (article id, sentence) -> the sentence before it


def hold_evidence(sections: list[Section], key_figures: list[dict[str, Any]],
                  timeline: list[dict[str, Any]], context: Contexts = lambda a, t: ""
                  ) -> EvidenceReport:
    """Keep, in place, only the evidence that states its line's fact; an item's articles
    left without evidence become its ``story_sources``. Key figures that repeat a line or
    count nothing named are removed from ``key_figures``. ``context`` gives an evidence
    sentence's sentence before (see ``states_fact``)."""
    report = EvidenceReport()
    items = [i for s in sections for i in s.items]
    for item in items:
        report.dropped_evidence += _hold_item(item, context)
    for entry in timeline:
        report.dropped_evidence += _hold_entry(entry, lambda text, article, e=entry: states_fact(
            e["text"], text, context(article, text)))
    lines = {i.text for i in items} | {f.text for i in items for f in i.facts}
    kept = []
    for entry in key_figures:
        if entry["text"] in lines or not entry.get("label"):
            report.dropped_figures += 1
            continue
        values = {v for value in entry.get("values") or [{"value": entry.get("number", "")}]
                  for v in figures(str(value["value"]))}
        report.dropped_evidence += _hold_entry(
            entry, lambda text, _article, wanted=values: bool(wanted & _figures(text)))
        for value in entry.get("values") or []:
            value["sources"] = [a for a in value["sources"] if a in entry["sources"]]
        entry["values"] = [v for v in entry.get("values") or [] if v["sources"]]
        kept.append(entry)
    key_figures[:] = kept
    return report


def _held(line: str, evidence: list[Evidence], context: Contexts) -> list[Evidence]:
    """The line's first evidence (its wording's source), then those that state its fact."""
    return evidence[:1] + [e for e in evidence[1:]
                           if states_fact(line, e.text, context(e.article, e.text))]


def _hold_item(item: Item, context: Contexts) -> int:
    members = item.articles  # every article of the story, before any is moved
    dropped = 0
    for line in (item, *item.facts):
        kept = _held(line.text, line.evidence, context)
        dropped += len(line.evidence) - len(kept)
        line.evidence = kept
        line.sources = _cited(line, kept)
    stated = {*item.sources, *(a for f in item.facts for a in f.sources)}
    item.story_sources = [a for a in members if a not in stated]
    return dropped


def _cited(line: Item | Fact, evidence: Iterable[Evidence]) -> list[str]:
    """The line's sources that kept an evidence sentence, in their order."""
    with_evidence = {e.article for e in evidence}
    return [a for a in line.sources if a in with_evidence]


def _hold_entry(entry: dict[str, Any], states: Callable[[str, str], bool]) -> int:
    evidence = entry.get("evidence") or []
    kept = evidence[:1] + [e for e in evidence[1:] if states(e["text"], e["article"])]
    entry["evidence"] = kept
    with_evidence = {e["article"] for e in kept}
    entry["sources"] = [a for a in entry["sources"] if a in with_evidence]
    return len(evidence) - len(kept)
