"""Leads: the one sentence that says what happened, chosen for each story; and how well a
sentence stands alone in compose (the rules that reject a line in any wording are in
``text.standalone``, shared with the text stage)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np

from briefing.compose.grouping import Group, Story, rows_by_article
from briefing.compose.weights import STORY_WEIGHTS, StoryWeights
from briefing.compose.wording import SHORT_LINE_WORDS, day_label, wording_quality
from briefing.records import Sentence
from briefing.text.patterns import (
    BARE_WEEKDAY,
    CLOCK_TIME,
    DATE,
    FUTURE,
    NUMBER,
    PAST_VERBS,
    QUOTED,
    WEEKDAY_BLOCKERS,
    WEEKDAY_TAIL,
    WEEKDAYS,
    YEAR,
    YESTERDAY,
    name_spans,
)
from briefing.text.standalone import (
    announces_or_lists,
    is_fragment,
    needs_introduction,
    points_back,
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


def resolve_relative_days(text: str, published: str | None) -> str:
    """Date the past days a sentence names from its article's date, so a briefing read later
    (and citing several articles) does not lean on the reader knowing which Wednesday: in an
    article of 2005-01-27, "… died Wednesday" becomes "… died January 26", "on Tuesday" "on
    January 25", "yesterday" "on January 26". News reports a weekday of the past week, so it
    is the latest such day on or before publication.

    Replaced rather than annotated: a date in brackets costs two words of the budget (it lost
    one long lead on duc_tac). Only what can be dated safely is changed: a weekday after "on"
    or after a verb in the past ("said Tuesday", "sank Saturday"), in a sentence that speaks
    of no future ("will", "next", "scheduled" …), not inside a phrase the date would break
    ("early Tuesday morning", "Tuesday's crash", "until Friday"), and nothing in quotation
    marks (a quote stays as said). "today" is left: as often as not it means "nowadays"."""
    if not published or FUTURE.search(text):
        return text
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return text

    def quoted(position: int, current: str) -> bool:
        return any(a <= position < b for a, b in (m.span() for m in QUOTED.finditer(current)))

    out = text
    for match in reversed(list(BARE_WEEKDAY.finditer(text))):
        before = out[:match.start()].split()
        after = out[match.end():]
        previous = before[-1].lower().strip(",") if before else ""
        dated_by = previous == "on" or previous in PAST_VERBS or (
            previous.endswith("ed") and len(previous) > 3)
        if (not dated_by or previous in WEEKDAY_BLOCKERS or WEEKDAY_TAIL.match(after)
                or quoted(match.start(), out)):
            continue
        back = (day.weekday() - WEEKDAYS.index(match.group(1).lower())) % 7
        when = day - timedelta(days=back)
        out = out[:match.start()] + day_label(when.month, when.day) + out[match.end():]
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



def figures_of(text: str) -> set[str]:
    """The counts and amounts a sentence states ("118", "7,085", "$8 billion" → "8"), without
    its dates, times of day, years ("in 1995") and designations ("C-17", "Flight 990" stays:
    outlets repeat it like a count): what outlets repeat when they tell one event."""
    blanked = CLOCK_TIME.sub(" ", DATE.sub(" ", text))
    found = set()
    for match in NUMBER.finditer(blanked):
        numeral = match.group("numeral")
        before = blanked[max(match.start() - 2, 0):match.start()]
        if YEAR.fullmatch(numeral) or (before.endswith("-") and before[:1].isalpha()):
            continue
        found.add(numeral.replace(",", ""))
    return found


def details_of(text: str) -> set[str]:
    """The figures a sentence states (``figures_of``) and its times of day ("6:02am"): the
    particulars two tellings of one moment share and two different facts rarely do."""
    return figures_of(text) | {re.sub(r"[\s.]", "", m.group(0).lower())
                               for m in CLOCK_TIME.finditer(text)}


class ArticleFigures:
    """The figures each article states (``figures_of`` over its sentences), read once per
    article and only for the articles asked about: a day of 10,000 articles asks for those
    of its stories of three or more."""

    def __init__(self, sentences: list[Sentence],
                 rows: dict[str, list[int]] | None = None) -> None:
        self._sentences = sentences
        self._rows = rows  # grouping.rows_by_article, made on first use when not given
        self._found: dict[str, frozenset[str]] = {}

    def of(self, article_id: str) -> frozenset[str]:
        if article_id not in self._found:
            if self._rows is None:
                self._rows = rows_by_article(self._sentences)
            self._found[article_id] = frozenset().union(
                *(figures_of(self._sentences[n].text) for n in self._rows.get(article_id, [])))
        return self._found[article_id]


def story_figures(story: Story, articles: ArticleFigures) -> dict[str, float]:
    """Each figure's share of the story's articles that state it (stories of 3 or more)."""
    if len(story.articles) < 3:
        return {}
    inside = set(story.articles)
    counts: dict[str, int] = {}
    for aid in inside:
        for n in articles.of(aid):
            counts[n] = counts.get(n, 0) + 1
    return {n: c / len(inside) for n, c in counts.items()}


def figure_share(text: str, figures: dict[str, float]) -> float:
    """How widely the story's articles state the most-repeated figure this sentence gives:
    the toll, the count aboard, the sum — the figure every outlet repeats is the event's."""
    return max((figures.get(n, 0.0) for n in figures_of(text)), default=0.0)


LEAD_MIN_QUALITY = -0.25  # standalone_quality: under 10 words costs 0.3, a dangling start more


def choose_lead(story: Story, sentences: list[Sentence], embeddings: np.ndarray,
                weights: StoryWeights = STORY_WEIGHTS,
                published: dict[str, str | None] | None = None,
                figures: ArticleFigures | None = None) -> Group | None:
    """The story's lead: among facts one of whose sentences opens an article, or the most
    corroborated facts, the best-scoring one with a self-contained wording (the latest of
    those nearly as good, by ``published``: article id → date). Every fact's wording was
    chosen when it was scored."""
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
    clean = [f for f in candidates if standalone_quality(sentences[f.best]) > LEAD_MIN_QUALITY
             and not needs_introduction(f.text)]
    candidates = clean or candidates
    # Linear share, not log: what all of a story's outlets report is the event itself, what
    # three of four report is usually a detail around it.
    size = max(len(story.articles), 1)
    shares = story_figures(story, figures or ArticleFigures(sentences))
    options = [(f, f.score + weights.lead_corroboration * reporting[id(f)] / size
                + weights.lead_figures * figure_share(sentences[f.best].text, shares))
               for f in candidates]
    # The others stay as fallbacks: a lead that repeats another story's chosen line, or no
    # longer fits the budget, leaves the story to its next candidate rather than to nothing.
    story.lead_options = sorted(options, key=lambda fv: -fv[1])
    # A story told over days is led by its latest state: among the options within a margin
    # of the best, the one from the most recent report ("… confirmed the death of the 118
    # crew …" over "Intensive efforts continued … to save 118 crew").
    if published and weights.lead_recency_margin > 0:
        top = story.lead_options[0][1]

        def reported(option: tuple[Group, float]) -> str:
            return max((published.get(sentences[m].article_id) or "" for m in option[0].members),
                       default="")

        latest = max((o for o in story.lead_options if o[1] >= top - weights.lead_recency_margin),
                     key=reported)
        story.lead_options.remove(latest)
        story.lead_options.insert(0, latest)
    return story.lead_options[0][0]
