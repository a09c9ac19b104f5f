"""Key figures: the numbers that matter, each with its context and sources.

One figure per quantity per story: the same value counting the same thing (people counted as
"sailors", "men" or "crew" are one thing) in one story is one figure, citing every article
that gives it, under the label most of them use. A number inside a change or a range ("cut
from $47 billion to $8 billion", "between 230 and 300 people") is read as that change or
range, never as a figure of its own. Sources that disagree on one quantity (10,000 dead here,
12,000 there) give one figure listing each value with the articles that say it (``values``),
never two facts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from briefing.compose.wording import is_dangling
from briefing.compose.wording import make_self_contained as _self_contained
from briefing.records import Section, Sentence
from briefing.text.patterns import (
    AMOUNT,
    CLOCK_TIME,
    DATE_RANGE,
    MONTH_NUMBER,
    NAME_WORDS_CACHE,
    NAME_WORDS_CACHED_CHARS,
    SCALES,
    WEEKDAYS,
    YEAR,
    name_words,
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
    last next ago earlier later year today yesterday tomorrow
    """.split()) | set(WEEKDAYS)


_IRREGULAR_PLURALS = {"people", "personnel", "aircraft", "police", "children", "men", "women",
                      "staff", "equipment", "cattle", "civilians", "livestock", "militia",
                      "crew", "dead", "injured", "wounded", "missing", "homeless"}


# Words that look plural but count nothing by themselves: "45,000 others injured" counts the
# injured.
_NOT_COUNTED = {"others", "more", "times", "ones", "lives", "plus", "its", "his", "this"}


# Lemmas of the words that count people: one value counting any of them in one story is one
# figure ("118 sailors", "118 men", "118 submariners" and "118 crew" are one).
_PEOPLE = set("""
    person man woman child sailor seaman crewman crewmember crew member submariner passenger
    victim resident worker soldier troop officer civilian survivor firefighter rescuer
    policeman commuter body dead injured wounded missing homeless staff personnel
    """.split())


# Words ending in "men" that are not plurals of "man".
_MEN_EXCEPTIONS = {"omen", "amen", "abdomen", "specimen", "regimen", "acumen", "stamen"}


# What befell the people counted, read in the number's own clause: two counts of people in
# one story are one quantity (and so may conflict) only when the same thing befell them.
_ROLES: dict[str, re.Pattern[str]] = {
    "dead": re.compile(r"\b(?:kill(?:ed|ing|s)?|dead|die[ds]?|dying|deaths?|death\s+toll|"
                       r"perish(?:ed)?|fatalit(?:y|ies)|lost\s+their\s+lives)\b", re.I),
    "injured": re.compile(r"\b(?:injur(?:ed|ies|ing)|hurt|wounded)\b", re.I),
    "missing": re.compile(r"\b(?:missing|unaccounted|trapped)\b", re.I),
    "aboard": re.compile(r"\b(?:aboard|on\s+board|onboard|(?:in|on)\s+the\s+(?:air)?plane|"
                         r"(?:in|on)\s+the\s+jet)\b", re.I),
}


# Tolls that sources revise and disagree on; other roles ("aboard") only tell quantities
# apart ("109 people on board" killed is not the "113 people" killed in all).
_TOLLS = {"dead", "injured", "missing"}


# Tolls further apart than this are different quantities (one region's and the country's, one
# day's count and the next's), not one quantity the sources disagree on. Set on duc_tac: the
# Izmit tolls of 10,000 and 10,059 are one disputed figure, and so are the Concorde's 113 and
# 114 and Glendale's 10 and 11; Izmit's one region's 11,759 injured and the country's 16,000
# are not.
CONFLICT_RATIO = 1.25


# Verbs that change a quantity, as the last word before "from": "had its valuation slashed
# from $47 billion to $8 billion".
_CHANGE_VERB = re.compile(
    r"^(?:cut|slash(?:ed)?|reduc(?:ed|es?)|lower(?:ed|s)?|rais(?:ed|es?)|ris(?:en|es?)|rose|"
    r"fell|fall(?:en|s)?|drop(?:ped|s)?|climb(?:ed|s)?|jump(?:ed|s)?|increas(?:ed|es?)|"
    r"decreas(?:ed|es?)|grow(?:n|s)?|grew|doubl(?:ed|es?)|halv(?:ed|es?)|soar(?:ed|s)?|"
    r"plung(?:ed|es?)|plummet(?:ed|s)?|revis(?:ed|es?)|went|up|down)$", re.I)


# The two ends of a change or a range: "from X to Y", "between X and Y", "X to Y", "X-Y".
_PAIR_OPEN = re.compile(r"\b(?P<open>from|between)\s+$", re.I)
_PAIR_JOIN = re.compile(r"\s*(?:to|and|-|–|—)\s*", re.I)


# Units of measure and of time: a depth, a distance or a duration describes; it is seldom
# the news, even when several articles repeat it (a wire's fact box does).
_MEASURES = {"seconds", "minutes", "hours", "days", "weeks", "months", "years", "decades",
             "meters", "metres", "miles", "kilometers", "kilometres", "feet", "yards",
             "inches", "tons", "tonnes", "knots", "degrees", "km", "kilograms", "pounds"}


# A death toll stated before its number: "the death toll has risen to 7,085", "a toll of 2,000".
_TOLL_OF = re.compile(r"\b(?:death\s+)?toll\b[^,.;:]{0,40}?\b(?:to|at|of|reached|hit|was|is)\s+$",
                      re.I)


@dataclass
class _Figure:
    number: str  # "nearly 2,000", "$200 million", "from $47 billion to $8 billion"
    label: str  # "short-range anti-tank missiles"
    value: float
    money: bool
    sentence: Sentence
    text: str  # the sentence, made self-contained
    figure: str = ""  # as shown: number then label, or what changed then the change
    kind: str = ""  # what is counted, lemmatised; "person" for every word counting people
    roles: frozenset[str] = frozenset()  # what befell the people counted ("dead", "aboard")
    pair: float | None = None  # where a change starts, or a range's lower end

    def __post_init__(self) -> None:
        if not self.figure:
            self.figure = f"{self.number} {self.label}".strip()


def key_figures(sections: list[Section], sentences: list[Sentence] | None = None
                ) -> list[dict[str, Any]]:
    """Numbers with what they count, best first, each citing every article that reports it.

    ``sentences`` are all sentences of the covered articles; without them, the items' own
    evidence sentences are searched. Articles one item cites together are one story, and so
    are articles that name many of the same people and places (all are one when no item
    cites any): see ``_stories``.
    """
    items = [i for s in sections for i in s.items]
    in_items = {e.text for i in items for e in i.evidence}
    if sentences is None:
        sentences = [Sentence(e.article, n, 0, e.text) for n, e in
                     enumerate(e for i in items for e in i.evidence)]
    story = _stories(sections, sentences)
    groups: dict[tuple, list[_Figure]] = {}
    for sentence in sentences:
        for figure in _figures_in(sentence):
            # One number is one fact: large numbers stand for themselves, small ones only
            # with the same thing counted ("12 violations" and "12 legislators" differ,
            # "118 sailors" and "118 men" do not). A round count of people ("10,000") may
            # well count two tolls ("10,000 dead", "10,000 trapped"); an exact one ("118")
            # counts one group of people, whatever befell them.
            kind = "" if figure.value >= 1000 and figure.kind != "person" else figure.kind
            round_count = figure.value % 100 == 0 or _has_qualifier(figure)
            key = (story[sentence.article_id], figure.money, figure.pair, figure.value, kind,
                   figure.roles & _TOLLS if kind == "person" and round_count else frozenset())
            groups.setdefault(key, []).append(figure)
    ranked = [_figure_entry(found, in_items) for found in _merge_conflicts(groups)]
    ranked.sort(key=lambda pair: -pair[0])
    return [entry for _, entry in ranked[:MAX_FIGURES]]


# Shared names that make two articles one story: at least this many, and this share of the
# names of the article that names fewer (on duc_tac every cluster is one story by it; the
# seeds' Ukraine articles are one).
STORY_NAMES, STORY_SHARE = 3, 0.2
STORY_NAME_SPREAD = 200  # articles; see _stories


def _stories(sections: list[Section], sentences: list[Sentence]) -> dict[str, str]:
    """Article id → its story, named by one of its articles: articles one item (a lead or
    a fact) cites together are one story, and so are articles that name many of the same
    people and places (a briefing may tell one event as several stories). Without items, all
    articles are one story."""
    articles = list(dict.fromkeys(s.article_id for s in sentences))
    parent = {a: a for a in articles}

    def root(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]  # path halving: chains stay short on big days
            a = parent[a]
        return a

    def join(a: str, b: str) -> None:
        parent[root(b)] = root(a)

    cited = False
    for item in (i for s in sections for i in s.items):
        for ids in [item.sources, *(f.sources for f in item.facts)]:
            for other in ids[1:]:
                join(ids[0], other)
            cited = cited or bool(ids)
    if not cited:
        return dict.fromkeys(articles, "")
    names: dict[str, set[str]] = {a: set() for a in articles}
    for sentence in sentences:
        names[sentence.article_id].update(name_words(sentence.text))
    # Shared names counted through an index of who names what, never over every pair of
    # articles (10,000 articles are 50 million pairs). A name more than STORY_NAME_SPREAD
    # articles share ("Russia" on a day of the war) tells no story apart and is not counted;
    # below that size the count is exact. Each article counts, in one numpy pass, the names
    # it shares with every later article: the articles of each of its names, counted.
    index: dict[str, list[int]] = {}
    for k, a in enumerate(articles):
        for name in names[a]:
            index.setdefault(name, []).append(k)
    members = {name: np.array(ks, dtype=np.int64) for name, ks in index.items()
               if len(ks) <= STORY_NAME_SPREAD}
    sizes = np.array([len(names[a]) for a in articles], dtype=np.int64)
    for x, a in enumerate(articles):
        named = [members[name] for name in names[a] if name in members]
        if not named:
            continue
        later = np.concatenate(named)
        later = later[later > x] - (x + 1)
        if len(later) < STORY_NAMES:
            continue
        counts = np.bincount(later)
        ys = np.nonzero(counts >= STORY_NAMES)[0]
        if not len(ys):
            continue
        needed = np.maximum(STORY_NAMES, STORY_SHARE * np.minimum(sizes[x], sizes[ys + x + 1]))
        for y in ys[counts[ys] >= needed].tolist():
            join(a, articles[x + 1 + y])
    return {a: root(a) for a in articles}


# A sentence about something before the story ("In April 2002, a freight train …", "a crash
# earlier this month"): its toll is another event's, never the story's disputed one.
_BACKGROUND = re.compile(
    r"\b(?:(?:[Ii]n|[Ss]ince)\s+(?:[A-Z][a-z]+\.?\s+)?|[Oo]f\s+[A-Z][a-z]+\.?\s+)"
    r"(?:1[89]|20)\d\d\b(?!,\d)"
    r"|(?i:\b(?:earlier|last)\s+(?:this\s+)?(?:month|year|decade)\b"
    r"|\b(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|several|many)\s+"
    r"(?:years?|decades?|months?)\s+ago\b)")


def _merge_conflicts(groups: dict[tuple, list[_Figure]]) -> list[list[_Figure]]:
    """The groups, except that tolls of people in one story (the same thing befell them:
    "dead"), with values close enough to be one quantity and given by different articles
    (an article that gives both knows they are two quantities), are one group: the sources
    disagree, and the entry shows each value with who says it."""
    merged: list[list[_Figure]] = []
    tolls: dict[tuple, list[list[_Figure]]] = {}
    for (story, money, pair, _value, kind, _tolls), found in groups.items():
        roles = _common_roles(found)
        if (money or pair is not None or kind != "person" or not roles & _TOLLS
                or all(_BACKGROUND.search(f.sentence.text) for f in found)):
            merged.append(found)
            continue
        tolls.setdefault((story, roles), []).append(found)
    for candidates in tolls.values():
        candidates.sort(key=lambda g: g[0].value)
        current = [candidates[0]]
        for found in candidates[1:]:
            # Two exact values in one article are two quantities it knows apart; a bound
            # beside an exact value ("at least 10", later "11") is the same toll revised.
            exact = {f.sentence.article_id for g in current for f in g if not _has_qualifier(f)}
            known = exact & {f.sentence.article_id for f in found if not _has_qualifier(f)}
            if found[0].value <= current[0][0].value * CONFLICT_RATIO and not known:
                current.append(found)
            else:
                merged.append([f for g in current for f in g])
                current = [found]
        merged.append([f for g in current for f in g])
    return merged


def _common_roles(found: list[_Figure]) -> frozenset[str]:
    """The roles most of a group's sentences give the people counted."""
    counts: dict[frozenset[str], int] = {}
    for f in found:
        counts[f.roles] = counts.get(f.roles, 0) + 1
    return max(counts, key=lambda r: (counts[r], len(r)))


def _figures_in(sentence: Sentence) -> list[_Figure]:
    """The figures a sentence states, each with the sentence and its self-contained text.
    What the text alone says is kept by text (``figures_of_text``), so the poll jobs' reading
    ahead (``read_figures_ahead``) spares the slot this pass over the day's sentences."""
    found = (figures_of_text(sentence.text) if len(sentence.text) <= NAME_WORDS_CACHED_CHARS
             else _read_figures(sentence.text))
    if not found:
        return []
    text = _self_contained(sentence.text, sentence.context)
    return [replace(f, sentence=sentence, text=text) for f in found]


def read_figures_ahead(texts: Iterable[str]) -> None:
    """Read the figures of these sentences' texts now, so a later briefing finds them kept
    (the daemon's poll job calls it for each new article's sentences)."""
    for text in texts:
        if len(text) <= NAME_WORDS_CACHED_CHARS:
            figures_of_text(text)


# A figure read from a text alone, before it is given its sentence (``_figures_in``).
_NO_SENTENCE = Sentence(article_id="", position=-1, paragraph=-1, text="")


def _read_figures(text: str) -> tuple[_Figure, ...]:
    """The figures ``text`` states, with a placeholder sentence and no self-contained text
    (both depend on the sentence, not on its text)."""
    masked = _mask_dates(text)
    found: list[_Figure] = []
    amounts = [(m, a) for m in AMOUNT.finditer(masked) if (a := _amount(m, masked))]
    pending = False  # the previous amount opened a change or range this one closes
    for n, (match, (number, value, money, percent)) in enumerate(amounts):
        if pending:
            pending = False
            continue
        opened = _PAIR_OPEN.search(masked[:match.start()])
        if n + 1 < len(amounts):
            close = amounts[n + 1][0]
            if _PAIR_JOIN.fullmatch(masked[match.end():close.start()]):
                pending = True
                pair = _pair(masked, match, close, opened)
                if pair is not None:
                    found.append(pair)
                continue
        if opened:
            continue  # "from 200" with no end: half a change says nothing true
        bare = not money and not _scale(match) and not percent
        if bare and (value < MIN_COUNT or YEAR.fullmatch(match.group("value"))):
            continue  # too small to matter, or a year
        label = _counted(masked[match.end():], money or percent, percent)
        if label is None and not money and _TOLL_OF.search(masked[:match.start()]):
            label = "dead"  # "the death toll has risen to 7,085": the dead are counted
        if label is None:
            continue
        money, number, label = _dollars(money, number, label)
        found.append(_Figure(number=number, label=label, value=value, money=money,
                             sentence=_NO_SENTENCE, kind=_kind(label),
                             roles=_roles(masked, match.start(), match.end()), text=""))
    return tuple(found)


# Kept by text like the names (text.patterns: most of the day's sentences, read ahead by the
# poll jobs); most texts state no figure, so most entries are one shared empty tuple.
figures_of_text = lru_cache(maxsize=NAME_WORDS_CACHE)(_read_figures)


def _scale(match: re.Match[str]) -> str:
    return (match.group("scale") or "").lower()


def _amount(match: re.Match[str], masked: str) -> tuple[str, float, bool, bool] | None:
    """(number as shown, value, money, percent) of an ``AMOUNT`` match that is a quantity;
    None for a part of a name or a measure, or a numeral that is no one quantity."""
    start = match.start("currency") if match.group("currency") else match.start("value")
    before = masked[start - 1] if start else " "
    after = masked[match.end():match.end() + 1]
    # "C-17", "F16", "v1.5", "24/7", "122mm", "90-minute", "9am": parts of names or
    # measures, not counts. A hyphen between two numbers ("14,700-23,860") joins a range.
    if before.isalnum() or before in "/.·" or (after and (after.isalnum() or after == "/")):
        return None
    if before == "-" and not re.search(r"\d\s*-$", masked[:start]):
        return None
    if after == "-" and not re.match(r"-\s*[$€£]?\d", masked[match.end():]):
        return None
    value = numeral_value(match.group("value"))
    if value is None:
        return None  # "20.01.2022", "1,2345": not one quantity
    word, factor = SCALES.get(_scale(match), ("", 1.0))
    qual = " ".join((match.group("qual") or "").lower().split())
    percent = bool(match.group("percent"))
    number = (f"{qual} " if qual else "") + (match.group("currency") or "") + match.group("value")
    number += f" {word}" if word else ""
    number += "%" if percent else ""
    return number, value * factor, bool(match.group("currency")), percent


def _pair(masked: str, low: re.Match[str], high: re.Match[str],
          opened: re.Match[str] | None) -> _Figure | None:
    """A change ("valuation slashed from $47 billion to $8 billion") or a range ("between
    230 and 300 people") as one figure, labelled by what it counts or else by what changed;
    None when neither is said."""
    first, second = _amount(low, masked), _amount(high, masked)
    if first is None or second is None:
        return None
    joiner = masked[low.end():high.start()].strip().lower()
    word = opened.group("open").lower() if opened else ""
    # The second end read alone may carry "up to" ("from $47 billion up to …" is still the
    # change's end, not a bound): the ends are shown without their qualifiers.
    ends = [_QUALIFIER.sub("", n) for n in (first[0], second[0])]
    if word == "between":
        number = f"between {ends[0]} and {ends[1]}"
    elif word == "from":
        number = f"from {ends[0]} to {ends[1]}"
    else:
        number = f"{ends[0]} to {ends[1]}" if joiner == "to" else f"{ends[0]}–{ends[1]}"
    money = first[2] or second[2]
    label = _counted(masked[high.end():], money or second[3], second[3])
    figure = ""
    if not label:
        # Nothing counted after it: what changed is the subject of the verb before "from".
        subject = _changed(masked[:opened.start() if opened else low.start()])
        if subject is None:
            return None
        label, figure = subject, f"{subject} {number}"
    return _Figure(number=number, label=label, value=second[1], money=money,
                   sentence=_NO_SENTENCE, figure=figure, kind=_kind(label), pair=first[1],
                   roles=_roles(masked, low.start(), high.end()), text="")


def _changed(before: str) -> str | None:
    """What the change verb ending ``before`` changes, with the verb: "had its valuation
    slashed" → "valuation slashed"; None without a change verb or a noun before it."""
    tokens = _WORD.findall(before)
    if not tokens or not _CHANGE_VERB.match(tokens[-1]):
        return None
    words: list[str] = []
    for token in reversed(tokens[:-1]):
        if not token[0].isalpha() or token.lower() in _STOP or len(words) == 3:
            break
        words.insert(0, token)
    return " ".join([*words, tokens[-1]]) if words else None


def _dollars(money: bool, number: str, label: str) -> tuple[bool, str, str]:
    """"40 billion dollars" is money as "$40 billion" is: one figure, written alike."""
    first, _, rest = label.partition(" ")
    if money or first.lower() != "dollars":
        return money, number, label
    shown = re.sub(r"(?=\d)", "$", number, count=1)
    return True, shown, rest


def _roles(masked: str, start: int, end: int) -> frozenset[str]:
    """What befell the people a number counts (the toll nearest it, and "aboard"), read in
    its own clause (between the commas or semicolons around it): "at least 10,059 people
    have been killed, 45,000 others injured" gives "dead" to the first and "injured" to the
    second."""
    left = max(masked.rfind(c, 0, start) for c in ",;:(—") + 1
    rights = [i for i in (masked.find(c, end) for c in ",;:)—") if i >= 0]
    clause = masked[left:min(rights) if rights else len(masked)]
    start, end = start - left, end - left
    # The toll nearest the number is its own: "10 people were killed and hundreds were
    # hurt" gives "dead" to the 10.
    tolls = [(max(m.start() - end, start - m.end()), role) for role in _TOLLS
             for m in _ROLES[role].finditer(clause)]
    roles = {min(tolls)[1]} if tolls else set()
    if _ROLES["aboard"].search(clause):
        roles.add("aboard")
    return frozenset(roles)


def _kind(label: str) -> str:
    """What a label counts, lemmatised, with every word for people as "person"."""
    noun = label.split(" of ")[0]  # "counts of murder" and "counts of homicide" count counts
    head = _lemma(noun.split(" ")[-1]) if noun else ""
    return "person" if head in _PEOPLE else head


def _lemma(word: str) -> str:
    """A plural noun's singular, by the rules news English needs ("bodies" → "body",
    "crewmen" → "crewman", "people" → "person")."""
    lower = word.lower()
    irregular = {"people": "person", "persons": "person", "children": "child",
                 "police": "policeman"}
    if lower in irregular:
        return irregular[lower]
    if lower.endswith("men") and lower not in _MEN_EXCEPTIONS:
        return lower[:-3] + "man"
    if lower.endswith("ies") and len(lower) > 4:
        return lower[:-3] + "y"
    if lower.endswith(("sses", "xes", "ches", "shes")):
        return lower[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return lower[:-1]
    return lower


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
    if tokens and tokens[0].lower() in _NOT_COUNTED:
        # "45,000 others injured": the injured are counted, or nothing is.
        tokens = tokens[1:2] if len(tokens) > 1 and tokens[1].lower() in _IRREGULAR_PLURALS \
            else []
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
            label = " ".join(words[:end])
            # "10 counts of murder", "12 members of parliament": an "of" straight after the
            # counted noun says what kind; "118 sailors of the Kursk" names whose.
            if end == len(words) and len(tokens) > end + 1 and tokens[end].lower() == "of":
                kind = tokens[end + 1]
                if kind.isalpha() and kind.islower() and kind not in _STOP:
                    label += f" of {kind}"
            return label
    return None


def _plural(word: str) -> bool:
    lower = word.lower()
    if lower in _IRREGULAR_PLURALS:
        return True
    if lower.endswith("men") and lower not in _MEN_EXCEPTIONS:  # "seamen", "crewmen"
        return True
    return lower.endswith("s") and not lower.endswith(("ss", "us", "is", "'s", "’s"))


def _mask_dates(text: str) -> str:
    """Blank out dates, date ranges and times of day so their numbers are not read as
    counts."""
    def blank(match: re.Match[str]) -> str:
        return "#" * len(match.group(0))

    return CLOCK_TIME.sub(blank, DATE_RANGE.sub(blank, text))


def _figure_entry(found: list[_Figure], in_items: set[str]) -> tuple[float, dict[str, Any]]:
    """One key figure of a group: the wording most articles use, the sentence shown, every
    article cited; and, where the group holds several values, each value with its sources."""
    best = _wording(found)
    in_item = [f for f in found if f.sentence.text in in_items]
    # The sentence shown beside the figure: one that reads on its own ("She accused …" does
    # not) and uses the chosen wording; a sentence the briefing already quotes, if a tie.
    shown = min(found, key=lambda f: (is_dangling(f.text), f.label != best.label,
                                      f.value != best.value, f.sentence.text not in in_items,
                                      len(f.text)))
    sources: list[str] = []
    evidence: list[dict[str, str]] = []
    for f in sorted(found, key=lambda f: f is not shown):
        if f.sentence.article_id not in sources:
            sources.append(f.sentence.article_id)
            evidence.append({"article": f.sentence.article_id, "text": f.sentence.text})
    by_value: dict[float, list[_Figure]] = {}
    for f in found:
        by_value.setdefault(f.value, []).append(f)
    # Each value the group holds, the one most articles give first; on a tie the larger (a
    # toll only grows).
    values = [{"value": _wording(same).number,
               "sources": list(dict.fromkeys(f.sentence.article_id for f in same))}
              for _, same in sorted(by_value.items(), key=lambda pair: (
                  -len({f.sentence.article_id for f in pair[1]}), -pair[0]))]
    head = best.label.split(" ")[-1].lower() if best.label else ""
    # Corroboration is by reports, not copies: a wire's fact box repeated word for word in
    # five of its articles is one report.
    reports = min(len(sources), len({" ".join(f.sentence.text.lower().split()) for f in found}))
    score = (2.0 * reports + (1.5 if best.money else 0.0) + (1.0 if in_item else 0.0)
             + (0.3 if best.label else 0.0) - (3.0 if head in _MEASURES else 0.0)
             + 0.5 * min(math.log10(max(best.value, 1.0)), 9.0) / 9.0)
    figure = best.figure
    if len(values) > 1:  # never two facts: "11 or at least 10 people"
        figure = " or ".join(v["value"] for v in values) + (f" {best.label}" if best.label
                                                              else "")
    return score, {"figure": figure, "number": best.number, "label": best.label,
                   "text": shown.text, "context": _around(shown.text, shown.number),
                   "sources": sources, "evidence": evidence, "values": values,
                   "conflict": len(values) > 1}


def _wording(found: list[_Figure]) -> _Figure:
    """The figure whose wording most of ``found`` use ("100,000 troops" over "100,000
    Russian troops"), a qualifier aside."""
    counts: dict[tuple[str, str], int] = {}
    for f in found:
        key = (_QUALIFIER.sub("", f.number), f.label)
        counts[key] = counts.get(key, 0) + 1
    label_counts: dict[str, int] = {}
    for f in found:
        label_counts[f.label] = label_counts.get(f.label, 0) + 1
    # The most common label first ("118 sailors" over "118 men"), then its commonest number.
    best_key = max(counts, key=lambda k: (label_counts[k[1]], counts[k], -len(k[0] + k[1])))
    return next(f for f in found if f.label == best_key[1] and f.number.endswith(best_key[0]))


def _around(text: str, number: str, width: int = CONTEXT_WORDS) -> str:
    """The words around a number in a long sentence, marked with ellipses where cut: a key
    figure needs a line of context, not the whole 60-word sentence it came from."""
    words = text.split()
    if len(words) <= width + 2:  # cutting one or two words saves nothing
        return text
    first = re.search(r"\d[\d,.]*", number)  # of a change, where it starts
    digits = first.group(0).strip(",.") if first else ""
    at = next((n for n, w in enumerate(words) if digits and digits in w), 0)
    start = max(0, min(at - width // 3, len(words) - width))
    # Begin at a clause if one starts shortly before the number ("…, including nearly …").
    commas = [n + 1 for n in range(max(0, at - width // 2), at) if words[n].endswith(",")]
    if commas:
        start = commas[-1]
    end = min(len(words), start + width)
    snippet = " ".join(words[start:end]).strip(",;:")
    return ("…" if start else "") + snippet + ("…" if end < len(words) else "")


# The qualifier words before a number ("at least ", "more than "): one or more words.
_QUALIFIER = re.compile(r"^[a-z ]+(?=[$€£\d])")


def _has_qualifier(f: _Figure) -> bool:
    return bool(re.match(r"[a-z]", f.number))
