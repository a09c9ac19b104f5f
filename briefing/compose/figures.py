"""Key figures: the numbers that matter, each with its context and sources."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from briefing.compose.wording import is_dangling
from briefing.compose.wording import make_self_contained as _self_contained
from briefing.records import Section, Sentence
from briefing.text.patterns import (
    AMOUNT,
    CLOCK_TIME,
    DATE_RANGE,
    MONTH_NUMBER,
    SCALES,
    YEAR,
    numeral_value,
)

MAX_FIGURES = 8


CONTEXT_WORDS = 24  # words of the sentence shown with a key figure


MIN_COUNT = 10  # smaller bare numbers ("2 soldiers", "3 killed") are rarely a key figure


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
    for match in AMOUNT.finditer(masked):
        start = match.start("currency") if match.group("currency") else match.start("value")
        before = masked[start - 1] if start else " "
        after = masked[match.end():match.end() + 1]
        # "C-17", "F16", "v1.5", "24/7", "122mm", "90-minute", "9am": parts of names or
        # measures, not counts.
        if before.isalnum() or before in "-/.·" or (after and (after.isalnum() or after in "-/")):
            continue
        value_text = match.group("value")
        value = numeral_value(value_text)
        if value is None:
            continue  # "20.01.2022", "1,2345": not one quantity
        scale = (match.group("scale") or "").lower()
        money = bool(match.group("currency"))
        percent = bool(match.group("percent"))
        bare = not money and not scale and not percent
        if bare and (value < MIN_COUNT or YEAR.fullmatch(value_text)):
            continue  # too small to matter, or a year
        word, factor = SCALES.get(scale, ("", 1.0))
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
        if not token[0].isalpha() or lower in _STOP or lower in MONTH_NUMBER:
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


def _mask_dates(text: str) -> str:
    """Blank out dates, date ranges and times of day so their numbers are not read as
    counts."""
    def blank(match: re.Match[str]) -> str:
        return "#" * len(match.group(0))

    return CLOCK_TIME.sub(blank, DATE_RANGE.sub(blank, text))


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
