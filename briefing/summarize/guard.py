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

from briefing.text.patterns import (
    COMPOUND_NUMBER,
    DATE_MENTION,
    DAY_FROM_TODAY,
    NUMBER,
    NUMBER_WORD,
    NUMBER_WORDS,
    SCALES,
    SENTENCE_END,
    WEEKDAY,
    date_parts,
    name_spans,
    name_tokens,
)

Check = Callable[[str, Sequence[str]], "str | None"]
Embed = Callable[[Sequence[str]], np.ndarray]

# --- dates ------------------------------------------------------------------------------------


def date_mentions(text: str) -> list[tuple[str, tuple]]:
    """(surface text, canonical key) for every date expression in the text.

    Keys: ("md", month, day), ("m", month), ("y", year), ("wd", weekday), ("rel", phrase).
    A full date also yields its parts, so "January 20, 2022" in the evidence supports a
    candidate's "January" or "2022" alone."""
    found: list[tuple[str, tuple]] = []
    for m in DATE_MENTION.finditer(text):
        surface = m.group(0)
        month, day, year = date_parts(m)
        if month is not None:
            if day is not None and 1 <= day <= 31:
                found.append((surface, ("md", month, day)))
            found.append((surface, ("m", month)))
        if year is not None:
            found.append((surface, ("y", year)))
    for m in WEEKDAY.finditer(text):
        found.append((m.group(0), ("wd", m.group(1).lower())))
    for m in DAY_FROM_TODAY.finditer(text):
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

def number_mentions(text: str) -> list[tuple[str, str]]:
    """(surface text, canonical form) for every number: "1,200" → "1200", "two" → "2",
    "3.5bn" → "3.5" and "billion"."""
    found: list[tuple[str, str]] = []
    for m in NUMBER.finditer(text):
        digits = m.group("numeral")
        # "1,200" is twelve hundred; "3,5" never occurs in English news, so commas are
        # thousands separators.
        canonical = digits.replace(",", "")
        if "." in canonical:  # "2.50" and "2.5" are one figure
            canonical = canonical.rstrip("0").rstrip(".")
        found.append((m.group(0), canonical))
        if m.group("scale"):  # a scale changes a figure a thousandfold: a number of its own
            found.append((m.group(0), SCALES[m.group("scale").lower()][0]))
    compounds = list(COMPOUND_NUMBER.finditer(text))
    for m in compounds:  # "twenty-two" is 22, not 20 and 2
        tens, units = m.group(1).lower(), m.group(2).lower()
        found.append((m.group(0), str(int(NUMBER_WORDS[tens]) + int(NUMBER_WORDS[units]))))
    inside = {i for m in compounds for i in range(m.start(), m.end())}
    for m in NUMBER_WORD.finditer(text):
        if m.start() not in inside:
            found.append((m.group(0), NUMBER_WORDS[m.group(1).lower()]))
    return found


def check_numbers(candidate: str, evidence: Sequence[str]) -> str | None:
    """Every number the candidate states is stated by the evidence (in digits or words)."""
    return _first_unsupported("number", number_mentions, candidate, evidence)


# --- named entities ---------------------------------------------------------------------------

def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(word in it for word in needle)


def check_entities(candidate: str, evidence: Sequence[str]) -> str | None:
    """Every name in the candidate is a name of the evidence, its words in the same order
    within one name there."""
    lowercase = {t.norm for text in evidence for t in name_tokens(text) if not t.capitalised}
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
