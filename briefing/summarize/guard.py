"""The faithfulness guard: a generated item is kept only if it says nothing its evidence does not.

A seq2seq model writes fluent prose, and fluent prose can be wrong: a changed number, a
swapped name, a dropped "not". Each check below compares a candidate text with the texts it
was written from (``evidence``: the item's extractive wording first, then the source
sentences) and returns ``None`` when the candidate passes, or a short reason a person can read
when it does not. The checks are deliberately strict: a false rejection costs a little
brevity (the item keeps its extractive text), a false acceptance puts an invented fact in a
briefing.

Checks, in the order ``review`` runs them:

- ``check_dates``: every month, month-day, year, weekday and relative day is in the evidence;
- ``check_numbers``: every number (digits or words, scale words such as "million") is too;
- ``check_entities``: every capitalised name (a run of capitalised words) is in the evidence,
  in that order, inside one name there ("Foreign Minister Lavrov" fits "Foreign Minister
  Sergei Lavrov"; "Sergei Blinken" fits nothing);
- ``check_negation``: no negated statement of the evidence comes back affirmed, the item's own
  negation is kept, and no negation is added;
- ``check_complete``: the candidate ends a sentence (it was not cut off mid-clause);
- ``check_similarity``: the candidate's embedding is close enough to the evidence's centroid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from briefing.text.patterns import SENTENCE_END

Check = Callable[[str, Sequence[str]], "str | None"]
Embed = Callable[[Sequence[str]], np.ndarray]

# --- dates ------------------------------------------------------------------------------------

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
_MONTH_NUMBER = {m: i + 1 for i, m in enumerate(_MONTHS)} | {
    m[:3]: i + 1 for i, m in enumerate(_MONTHS)} | {"sept": 9}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE_DAYS = ["today", "tonight", "yesterday", "tomorrow"]
# Month names are matched capitalised only ("march" and "may" are also verbs), and "May" only
# next to a day or a year.
_MONTH_NAME = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|June?|July?|"
               r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|"
               r"Dec(?:ember|\.)?)")
_DAY = r"[0-3]?\d(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20|21)\d\d"
_DATE = re.compile(
    rf"\b(?:(?P<day1>{_DAY})\s+(?P<month1>{_MONTH_NAME}|May)\b(?:,?\s+(?P<year1>{_YEAR}))?"
    rf"|(?P<month2>{_MONTH_NAME}|May)\s+(?P<day2>{_DAY})\b(?!\d)(?:,?\s+(?P<year2>{_YEAR}))?"
    rf"|(?P<month3>{_MONTH_NAME}|May)(?:,?\s+(?P<year3>{_YEAR}))\b"
    rf"|(?P<month4>{_MONTH_NAME})(?!\w)"
    rf"|(?P<year5>{_YEAR})(?!\d))")
_WEEKDAY = re.compile(r"\b(" + "|".join(w.capitalize() for w in _WEEKDAYS) + r")\b")
_RELATIVE = re.compile(r"\b(" + "|".join(_RELATIVE_DAYS) + r"|(?:last|next) (?:week|month|year)"
                       r")\b", re.IGNORECASE)


def _month(name: str) -> int:
    key = name.lower().rstrip(".")
    return _MONTH_NUMBER.get(key) or _MONTH_NUMBER[key[:3]]


def date_mentions(text: str) -> list[tuple[str, tuple]]:
    """(surface text, canonical key) for every date expression in the text.

    Keys: ("md", month, day), ("m", month), ("y", year), ("wd", weekday), ("rel", phrase).
    A full date also yields its parts, so "January 20, 2022" in the evidence supports a
    candidate's "January" or "2022" alone."""
    found: list[tuple[str, tuple]] = []
    for m in _DATE.finditer(text):
        surface = m.group(0)
        month_name = next((m.group(g) for g in ("month1", "month2", "month3", "month4")
                           if m.group(g)), None)
        day = m.group("day1") or m.group("day2")
        year = m.group("year1") or m.group("year2") or m.group("year3") or m.group("year5")
        if month_name:
            month = _month(month_name)
            if day:
                day_number = int(re.match(r"\d+", day).group(0))
                if 1 <= day_number <= 31:
                    found.append((surface, ("md", month, day_number)))
            found.append((surface, ("m", month)))
        if year:
            found.append((surface, ("y", int(year))))
    for m in _WEEKDAY.finditer(text):
        found.append((m.group(0), ("wd", m.group(1).lower())))
    for m in _RELATIVE.finditer(text):
        found.append((m.group(0), ("rel", " ".join(m.group(0).lower().split()))))
    return found


def check_dates(candidate: str, evidence: Sequence[str]) -> str | None:
    """Every date the candidate names is named by the evidence."""
    return _first_unsupported("date", date_mentions, candidate, evidence)


def _first_unsupported(kind: str, mentions: Callable[[str], list[tuple[str, Any]]],
                       candidate: str, evidence: Sequence[str]) -> str | None:
    """The reason for the candidate's first mention (by canonical form) that no evidence
    sentence makes, or None when the evidence makes them all."""
    known = {key for text in evidence for _, key in mentions(text)}
    for surface, key in mentions(candidate):
        if key not in known:
            return f"{kind} '{surface}' is not in the evidence"
    return None


# --- numbers ----------------------------------------------------------------------------------

_NUMBER_WORDS = {
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
# A scale word changes a figure a thousandfold, so it is a number in its own right; the
# abbreviations fold into the words.
_SCALE_SUFFIX = {"k": "thousand", "m": "million", "mn": "million", "bn": "billion",
                 "b": "billion", "tn": "trillion"}
_DIGITS = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)*)(?:(st|nd|rd|th)|(k|m|mn|bn|b|tn)\b)?",
                     re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")
_COMPOUND = re.compile(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[- ]"
                       r"(one|two|three|four|five|six|seven|eight|nine)\b", re.IGNORECASE)


def number_mentions(text: str) -> list[tuple[str, str]]:
    """(surface text, canonical form) for every number: "1,200" → "1200", "two" → "2",
    "3.5bn" → "3.5" and "billion"."""
    found: list[tuple[str, str]] = []
    for m in _DIGITS.finditer(text):
        digits = m.group(1).rstrip(".,")
        # "1,200" is twelve hundred; "3,5" never occurs in English news, so commas are
        # thousands separators.
        canonical = digits.replace(",", "")
        if "." in canonical:  # "2.50" and "2.5" are one figure
            canonical = canonical.rstrip("0").rstrip(".")
        found.append((m.group(0), canonical))
        if m.group(3):
            found.append((m.group(0), _SCALE_SUFFIX[m.group(3).lower()]))
    compounds = list(_COMPOUND.finditer(text))
    for m in compounds:  # "twenty-two" is 22, not 20 and 2
        tens, units = m.group(1).lower(), m.group(2).lower()
        found.append((m.group(0), str(int(_NUMBER_WORDS[tens]) + int(_NUMBER_WORDS[units]))))
    inside = {i for m in compounds for i in range(m.start(), m.end())}
    for m in _WORD.finditer(text):
        word = m.group(0).lower()
        if word in _NUMBER_WORDS and m.start() not in inside:
            found.append((m.group(0), _NUMBER_WORDS[word]))
    return found


def check_numbers(candidate: str, evidence: Sequence[str]) -> str | None:
    """Every number the candidate states is stated by the evidence (in digits or words)."""
    return _first_unsupported("number", number_mentions, candidate, evidence)


# --- named entities ---------------------------------------------------------------------------

# Initialisms (U.S., U.N.) first, then words; a hyphen or an apostrophe inside a word keeps it
# whole so possessives can be stripped.
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)?")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;][\"'”’)\]]*)[\s\"'“‘(\[]*$")
# Words that open sentences without naming anything: a capital on them is not a name.
_FUNCTION_WORDS = set("""
a about according after again against all also although among an and another any as at
because before both but by despite during each earlier either even every few finally for
from further he her here his however i if in instead it its last later many meanwhile more
most much my neither no nor not now of on once one only or other our over several she since
so some such than that the their then there these they this those though through thus to
today tomorrow under unlike until upon we what when where whether which while who whom whose
why with within without yesterday yet you your
""".split())


# Lower-case words inside a name: "Secretary of State Antony Blinken", "Charles de Gaulle".
_NAME_CONNECTORS = {"of", "for", "de", "du", "da", "del", "der", "van", "von", "al", "bin",
                    "ibn", "la", "le"}


@dataclass(frozen=True)
class _Token:
    text: str
    norm: str
    start: int
    end: int

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def _norm(word: str) -> str:
    word = word.replace("’", "'")
    if word.lower().endswith("'s"):
        word = word[:-2]
    return word.replace(".", "").lower()


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(0), _norm(m.group(0)), m.start(), m.end())
            for m in _TOKEN.finditer(text)]


def name_spans(text: str, *, trim_openers: bool,
               lowercase_words: frozenset[str] | set[str] = frozenset()) -> list[list[_Token]]:
    """Runs of capitalised words joined only by spaces or hyphens ("Antony Blinken",
    "Jean-Yves Le Drian"). With ``trim_openers``, a sentence's first word is left out when it
    is a function word or a word the evidence uses in lower case: "The" and "Talks" are
    capitalised by position, not because they name something."""
    spans: list[list[_Token]] = []
    current: list[_Token] = []
    tokens = _tokens(text)
    bridge_end: int | None = None  # end of a connector ("of") that may continue the run
    for i, token in enumerate(tokens):
        if not token.capitalised or token.text == "I":
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            bridges = (current and token.norm in _NAME_CONNECTORS and following is not None
                       and following.capitalised and _joins(text, current[-1].end, token.start)
                       and _joins(text, token.end, following.start))
            bridge_end = token.end if bridges else None
            if not bridges:
                current = []
            continue
        last_end = bridge_end if bridge_end is not None else (current[-1].end if current else None)
        bridge_end = None
        if current and last_end is not None and _joins(text, last_end, token.start):
            current.append(token)
            continue
        opens_sentence = _SENTENCE_START.search(text[:token.start]) is not None
        if trim_openers and opens_sentence and (
                token.norm in _FUNCTION_WORDS or token.norm in lowercase_words):
            current = []  # "The United States": the name starts after the opener
            continue
        current = [token]
        spans.append(current)
    return spans


def _joins(text: str, end: int, start: int) -> bool:
    return re.fullmatch(r"[ \t-]+", text[end:start]) is not None


def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(word in it for word in needle)


def check_entities(candidate: str, evidence: Sequence[str]) -> str | None:
    """Every name in the candidate is a name of the evidence, its words in the same order
    within one name there."""
    lowercase = {t.norm for text in evidence for t in _tokens(text) if not t.capitalised}
    known = [[t.norm for t in span] for text in evidence
             for span in name_spans(text, trim_openers=False)]
    for span in name_spans(candidate, trim_openers=True, lowercase_words=lowercase):
        words = [t.norm for t in span]
        if not any(_is_subsequence(words, name) for name in known):
            surface = candidate[span[0].start:span[-1].end]
            if len(surface) > 48:
                surface = surface[:45] + "…"
            return f"named entity '{surface}' is not in the evidence"
    return None


# --- negation ---------------------------------------------------------------------------------

_NEGATORS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without",
             "cannot", "deny", "denied", "denies", "denying", "refuse", "refused", "refuses",
             "refusing"}
# Words between a negator and what it negates ("did not immediately send", "has no new plans").
_NOT_HEADS = set("""
a an the any to be been being is are was were am have has had having do does did will would
shall should can could may might must yet also even only just ever longer more further again
immediately so that this these those it its their his her our such very too much many
""".split())
_NEG_WORD = re.compile(r"[a-z]+n't|[a-z]+")  # "won't" whole, not "won" and "t"
# Words that do not carry what a negation is about ("not send troops *to* Ukraine").
_NOT_SCOPE = _NOT_HEADS | {"in", "on", "at", "of", "for", "with", "by", "from", "into", "and",
                           "or", "but", "as", "than"}
_WINDOW = 4


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _is_negator(word: str) -> bool:
    return word in _NEGATORS or word.endswith("n't")


@dataclass(frozen=True)
class Negation:
    negator: str  # "not", "won't", "denied" …
    head: str | None  # the word it negates: "send" in "will not immediately send troops"
    scope: frozenset[str]  # stems of the content words just after it: {"send", "troop"}

    def __str__(self) -> str:
        return f"{self.negator} … {self.head}" if self.head else self.negator


def negations(text: str) -> tuple[list[str], list[Negation]]:
    """The text's words, and each negation in it."""
    words = _NEG_WORD.findall(text.lower().replace("’", "'"))
    found: list[Negation] = []
    for i, word in enumerate(words):
        if not _is_negator(word):
            continue
        after = [w for w in words[i + 1:i + 1 + _WINDOW] if not _is_negator(w)]
        head = next((w for w in after if w not in _NOT_HEADS and not w.endswith("ly")), None)
        scope = frozenset(_stem(w) for w in after if w not in _NOT_SCOPE)
        found.append(Negation(word, head, scope))
    return words, found


def _negated_at(words: list[str], index: int) -> bool:
    return any(_is_negator(w) for w in words[max(0, index - _WINDOW):index])


def check_negation(candidate: str, evidence: Sequence[str]) -> str | None:
    """No negation is dropped, none is added.

    Dropped: a word the evidence negates ("would not *send*") appears in the candidate with
    no negator before it; or the item's own sentence (``evidence[0]``) has a negation and the
    candidate has none at all. Added: the words after one of the candidate's negators
    ("no plans to *send*") share nothing with the words after any negator of the evidence
    ("will not *send*")."""
    cand_words, cand_negs = negations(candidate)
    stems = [_stem(w) for w in cand_words]
    evidence_negs = [negations(text)[1] for text in evidence]
    for negs in evidence_negs:
        for neg in negs:
            places = [i for i, stem in enumerate(stems) if neg.head and stem == _stem(neg.head)]
            if places and not any(_negated_at(cand_words, i) for i in places):
                return f"drops the negation '{neg}' of the evidence"
    if evidence_negs and evidence_negs[0] and not cand_negs:
        return f"drops the negation '{evidence_negs[0][0]}' of the item"
    # An added negation: one whose words ("no plans to send") meet no negation's words in
    # the evidence ("will not send").
    evidence_scope = frozenset().union(*(n.scope for negs in evidence_negs for n in negs))
    for neg in cand_negs:
        if neg.scope & evidence_scope or (not neg.scope and any(evidence_negs)):
            continue
        return f"adds a negation '{neg}' the evidence lacks"
    return None


# --- completeness ---------------------------------------------------------------------------



def check_complete(candidate: str, evidence: Sequence[str]) -> str | None:
    """The candidate ends a sentence: a model cut off by ``max_new_tokens`` mid-clause can
    leave out exactly the part that qualified a claim."""
    if SENTENCE_END.search(candidate.strip()):
        return None
    return "the generated text stops mid-sentence (summarizer.max_new_tokens too low?)"


# --- similarity -------------------------------------------------------------------------------


def similarity(candidate_vector: np.ndarray, evidence_vectors: np.ndarray) -> float:
    """Cosine between the candidate and the centroid of its evidence (vectors L2-normalised)."""
    centroid = evidence_vectors.mean(axis=0)
    norm = float(np.linalg.norm(centroid)) * float(np.linalg.norm(candidate_vector))
    return float(candidate_vector @ centroid) / max(norm, 1e-9)


def check_similarity(candidate: str, evidence: Sequence[str], embed: Embed,
                     min_similarity: float) -> str | None:
    """The candidate means about what its evidence means, by sentence embeddings."""
    vectors = embed([candidate, *evidence])
    return similarity_reason(similarity(vectors[0], vectors[1:]), min_similarity)


def similarity_reason(value: float, min_similarity: float) -> str | None:
    if value >= min_similarity:
        return None
    return (f"similarity {value:.2f} to the evidence is below summarizer.min_similarity "
            f"{min_similarity:.2f}")


# --- the guard --------------------------------------------------------------------------------

TEXT_CHECKS: tuple[tuple[str, Check], ...] = (
    ("dates", check_dates),
    ("numbers", check_numbers),
    ("entities", check_entities),
    ("negation", check_negation),
    ("complete", check_complete),
)


def check_text(candidate: str, evidence: Sequence[str]) -> str | None:
    """The first reason the lexical checks give, or None when all pass."""
    if not candidate.strip():
        return "the model returned no text"
    for _, check in TEXT_CHECKS:
        reason = check(candidate, evidence)
        if reason:
            return reason
    return None


def review(candidates: Sequence[str], evidences: Sequence[Sequence[str]], embed: Embed,
           min_similarity: float) -> list[str | None]:
    """One verdict per candidate: None (keep it) or the reason to fall back.

    The lexical checks run first; the candidates that pass them are embedded together with
    their evidence in one call, which is what costs time."""
    reasons = [check_text(c, e) for c, e in zip(candidates, evidences, strict=True)]
    pending = [i for i, reason in enumerate(reasons) if reason is None]
    if not pending:
        return reasons
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for i in pending:
        start = len(texts)
        texts.append(candidates[i])
        texts.extend(evidences[i])
        spans.append((start, len(texts)))
    vectors = embed(texts)
    for i, (start, end) in zip(pending, spans, strict=True):
        value = similarity(vectors[start], vectors[start + 1:end])
        reasons[i] = similarity_reason(value, min_similarity)
    return reasons
