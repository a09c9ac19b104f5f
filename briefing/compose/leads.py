"""Leads: the one sentence that says what happened, chosen for each story; and how well a
sentence stands alone in compose (the rules that reject a line in any wording are in
``text.standalone``, shared with the text stage)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np

from briefing.compose.grouping import Group, Story
from briefing.compose.weights import STORY_WEIGHTS, StoryWeights
from briefing.compose.wording import (
    SHORT_LINE_WORDS,
    day_label,
    make_self_contained,
    wording_quality,
)
from briefing.records import Sentence
from briefing.text.patterns import (
    BARE_WEEKDAY,
    DATE_PREPOSITIONS,
    DAY_PART_WORDS,
    FUTURE,
    MONTHS,
    NAMED_DAY_WORDS,
    PAST_VERBS,
    QUOTED,
    SAID_BEFORE,
    SCHEDULE_VERBS,
    WEEKDAY,
    WEEKDAY_BLOCKERS,
    WEEKDAY_TAIL,
    WEEKDAYS,
    YESTERDAY,
    name_spans,
)
from briefing.text.standalone import (
    announces_or_lists,
    first_line_problem,
    is_fragment,
    points_back,
    unbalanced_quotes,
)

NAMELESS_PENALTY = 1.0  # rejects the line: ROUGE-2 the same on MultiLing and duc_tac
POINTS_BACK_PENALTY = 1.0  # rejects the line: no effect on MultiLing or duc_tac ROUGE-2


def standalone_quality(sentence: Sentence) -> float:
    """``wording_quality`` plus the news-specific rejections; <= -1 means unusable."""
    text = sentence.text
    if announces_or_lists(text):
        return -1.0
    quality = wording_quality(sentence)
    if len(text.split()) < SHORT_LINE_WORDS and not name_spans(text, trim_openers=True):
        # "Only one station is operational.", "All but four have now been released.": short,
        # and naming no one and nowhere, it is the tail of the sentence before.
        quality -= NAMELESS_PENALTY
    if points_back(text) or is_fragment(text):
        quality -= POINTS_BACK_PENALTY
    return quality


LISTING_SHARE = 0.5  # an article more than half of whose lines are entries is a listing


def listing_articles(sentences: list[Sentence]) -> set[str]:
    """Articles that are chronologies or fact boxes: most of their lines are list entries,
    timed entries or labels ("8:02 a.m. EDT -- Plane lands at Newark."). Their remaining
    lines are entries too, only without the marker ("EgyptAir Boeing 767, leaves Cairo,
    Egypt, bound for Kennedy …"): none reads as a report."""
    lines: dict[str, list[bool]] = {}
    for s in sentences:
        lines.setdefault(s.article_id, []).append(announces_or_lists(s.text))
    return {aid for aid, flags in lines.items()
            if len(flags) >= 3 and sum(flags) > LISTING_SHARE * len(flags)}


# Reporting verbs are no sign that the rest of a sentence tells the past ("the vote is
# Tuesday, officials said").
_REPORTING = frozenset("said says told reported announced confirmed added denied stated "
                       "declared insisted quoted".split())
# Past tenses that need no -ed; and words in -ed that are no verb, or no verb after these
# ("in closed session", "the limited talks").
_PAST_AUXILIARIES = frozenset("was were had did".split())
_ED_NOT_VERBS = frozenset("hundred kindred sacred naked wicked rugged ragged wretched "
                          "beloved".split())
_NO_VERB_BEFORE = frozenset("the a an its his her their our this these those in of on at "
                            "with by for from".split())
# A weekday opening a range ("Monday through Wednesday", "Monday-Wednesday"), and one
# joined to the next by "and" or "or": dated together or not at all.
_RANGE_AFTER = re.compile(rf"\s*(?:-|–|/|through|thru|to|until|till)\s*{WEEKDAY.pattern}")
_PAIR_AFTER = re.compile(rf"\s+(?:and|or)\s+(?:{WEEKDAY.pattern}|(?:"
                         + "|".join(m.capitalize() for m in MONTHS) + r") \d)")
# A passive or infinitive before a reporting verb ("will be announced Friday", "to be told
# Monday") makes it part of the plan, not the day of a statement.
_PLANNED_REPORT = re.compile(r"\b(?:be|been|being|to|will|would)\s*$", re.IGNORECASE)


def _is_past_verb(word: str) -> bool:
    """A past tense by its form: the irregular ones listed, the rest ending in -ed."""
    return word in PAST_VERBS or (word.endswith("ed") and len(word) > 3)


def _tells_the_past(text: str) -> bool:
    """Whether a verb of the sentence, other than a reporting one, is in the past tense: a
    listed past form or auxiliary, or a word in -ed that is no adjective by its place
    ("in closed session"), its hyphen ("state-owned") or its ending ("need", "hundred")."""
    words = [w.strip(",.;:!?\"“”()") for w in text.split()]
    for n, word in enumerate(words):
        if not word.islower() or word in _REPORTING:
            continue
        if word in PAST_VERBS or word in _PAST_AUXILIARIES:
            return True
        if (_is_past_verb(word) and "-" not in word and not word.endswith("eed")
                and word not in _ED_NOT_VERBS
                and (n == 0 or words[n - 1].lower() not in _NO_VERB_BEFORE)):
            return True
    return False


def _weekday_date(before: str, after: str, future: bool, past: bool, when: date,
                  published: date) -> tuple[int, str] | None:
    """Where a bare weekday's replacement starts and what it reads, or None to leave it:
    - in a sentence about a plan (before the weekday, or after it with no past act before
      it) only a statement's day is dated ("… will hire a Norwegian company, an official
      said Wednesday"; not "the winner will be announced Friday");
    - never inside a longer phrase or a name ("Tuesday morning", "Tuesday's crash", "Super
      Tuesday", "Sunday Mass", "Monday-Wednesday"), after a range or a determiner ("until
      Friday", "the Tuesday quake", "all Monday"), or after a present tense that may tell a
      schedule ("the trial opens Monday"); a range's first day goes with its last;
    - after a preposition, "and", or a past verb as the date alone ("sank August 12", "since
      August 12", "between August 17 and August 19"), "last Thursday" as "on August 10", a
      part of a day as "late on August 12";
    - after any other word only when the sentence tells the past and the day is not the one
      after the article's, with "on" ("joined the search on August 18", "6 a.m. on January
      26"), and at the start before a comma or another day as "On August 18"."""
    words = before.split()
    previous = words[-1].lower().strip(",") if words else ""
    label = day_label(when.month, when.day)
    if (before and not before[-1].isspace()) or after[:1] in ("-", "–", "/") \
            or _RANGE_AFTER.match(after) or re.match(r" [A-Z]", after) \
            or (words and words[-1][:1].isupper() and previous in NAMED_DAY_WORDS):
        return None
    if future:
        said = SAID_BEFORE.search(before)
        statement = (said and not _PLANNED_REPORT.search(before[:said.start()])
                     and re.match(r"\s*(?:[.;:]|$|that\b)", after))
        return (len(before), label) if statement else None
    if (WEEKDAY_TAIL.match(after) or previous in WEEKDAY_BLOCKERS
            or previous in SCHEDULE_VERBS or re.search(r"['’]s$", previous)):
        return None
    if previous in DATE_PREPOSITIONS or previous in ("and", "or") or _is_past_verb(previous):
        return len(before), label
    if previous == "last":
        before_last = words[-2].lower() if len(words) > 1 else ""
        if (before_last in WEEKDAY_BLOCKERS and before_last not in DATE_PREPOSITIONS) or re.match(
                r"\s+(?:of|in)\b", after):
            return None  # "the last Friday of each month"
        if when == published:
            when = published - timedelta(days=7)
        start = before.rstrip().rfind(words[-1])
        on = "" if before_last in DATE_PREPOSITIONS else ("On " if start == 0 else "on ")
        return start, on + day_label(when.month, when.day)
    if previous in DAY_PART_WORDS:
        return len(before), "on " + label
    # A weekday the day after the article's may as well be tomorrow ("a meeting in London
    # Wednesday and another in New York Thursday", written on a Wednesday): left as it is.
    if not past or (when - published).days == -6:
        return None
    if not previous:
        opens = after.startswith(",") or _PAIR_AFTER.match(after)
        return (0, "On " + label) if opens else None
    return len(before), "on " + label


def resolve_relative_days(text: str, published: str | None) -> str:
    """Date the past days a sentence names from its article's date, so a briefing read later
    (and citing several articles) does not lean on the reader knowing which Wednesday: in an
    article of 2005-01-27, "… died Wednesday" becomes "… died January 26", "on Tuesday" "on
    January 25", "yesterday" "on January 26". News reports a weekday of the past week, so it
    is the latest such day on or before publication ("last Thursday" a week back when the
    article is of a Thursday).

    Replaced rather than annotated: a date in brackets costs two words of the budget (it lost
    one long lead on duc_tac). Only what can be dated safely is changed (``_weekday_date``),
    and nothing in quotation marks (a quote stays as said). "today" is left: as often as not
    it means "nowadays"."""
    if not published:
        return text
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return text
    # A date at the calendar's ends dates nothing; a quote opened or closed in another
    # sentence leaves no way to tell which words are quoted.
    if not 1 < day.year < 9999 or unbalanced_quotes(text):
        return text

    def quoted(position: int, current: str) -> bool:
        return any(a <= position < b for a, b in (m.span() for m in QUOTED.finditer(current)))

    future = bool(FUTURE.search(text))
    weekdays = list(BARE_WEEKDAY.finditer(text))
    past = bool(weekdays) and _tells_the_past(text)  # read only when a weekday is there
    out = text
    for match in reversed(weekdays):
        if quoted(match.start(), out):
            continue
        back = (day.weekday() - WEEKDAYS.index(match.group(1).lower())) % 7
        when = day - timedelta(days=back)
        before = out[:match.start()]
        # A plan told only after a past act's day is not that day's ("Investigators removed
        # two engines Wednesday in hopes the wreckage will help …").
        plan = future and (bool(FUTURE.search(text[:match.start()]))
                           or not _tells_the_past(text[:match.start()]))
        dated = _weekday_date(before, out[match.end():], plan, past, when, day)
        if dated is not None:
            start, label = dated
            out = out[:start] + label + out[match.end():]
    if future:
        return out
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
    corroborated facts, the best-scoring one with a self-contained wording. Every fact's
    wording was chosen when it was scored."""
    usable = [f for f in story.facts if f.text]
    if not usable:
        return None
    inside = set(story.articles)
    reporting = {id(f): len(set(f.articles) & inside) for f in usable}
    most = max(reporting.values())
    candidates = [f for f in usable
                  if any(sentences[m].position < 2 for m in f.members)
                  or reporting[id(f)] == most]
    # A lead must read well on its own: no short fragment ("X also did Y."), nothing that
    # leans on an earlier sentence, when the story has anything better.
    clean = [f for f in candidates if standalone_quality(sentences[f.best]) > LEAD_MIN_QUALITY]
    candidates = clean or candidates
    # Linear share, not log: what all of a story's outlets report is the event itself, what
    # three of four report is usually a detail around it.
    size = max(len(story.articles), 1)
    options = [(f, f.score + weights.lead_corroboration * reporting[id(f)] / size)
               for f in candidates]
    # The others stay as fallbacks: a lead that repeats another story's chosen line, or no
    # longer fits the budget, leaves the story to its next candidate rather than to nothing.
    story.lead_options = sorted(options, key=lambda fv: -fv[1])
    return story.lead_options[0][0]


def introduced_wording(fact: Group, story: Story, sentences: list[Sentence],
                       embeddings: np.ndarray) -> tuple[int, str] | None:
    """Another report of the fact worded so that it can open the story, when its chosen
    wording cannot (``first_line_problem``: "The plane crashed …" where another outlet wrote
    "A small plane flown by John Kennedy crashed …"): the member closest to what the story's
    articles open with, among those that stand alone. None when no member can."""
    core = story.core if story.core is not None else story.centroid
    others = sorted((m for m in fact.members if m != fact.best),
                    key=lambda m: -float(embeddings[m] @ core))
    for m in others:
        sentence = sentences[m]
        if standalone_quality(sentence) <= LEAD_MIN_QUALITY:
            continue
        text = make_self_contained(sentence.text, sentence.context)
        if not first_line_problem(text):
            return m, text
    return None
