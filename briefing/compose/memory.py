"""Stories across days: this briefing's stories matched against those of recent briefings.

A daily briefing is read every day, so "new" cannot mean "cites an article no briefing
covered": Tuesday's articles retell Monday's meeting. Each briefing remembers its stories
(the store's ``stories`` tables: every presented line with the vector compose used, and the
story's centroid). The next one

1. does not choose a line as close to a reported one as two reports of one fact (the
   grouping threshold; ``reported`` is passed to ``compose``, so selection fills the word
   budget with what is new, a story whose lead was reported is led by its best new
   candidate, and a story with nothing new does not come back at all: no "still developing"
   note, since a line saying nothing new is what a daily reader wants to skip);
2. marks each story it does present (``recall``): developing (``new: false``, since when and
   in how many briefings) when it continues a recent story, else new; each fact new unless
   a recent briefing reported it by meaning (only with ``render --all``, which asks for
   every article again and so keeps repeated lines, can a fact be marked ``new: false``).

How a story is matched (measured on the RUWA week, docs/benchmarks.md), told by every
sentence of the articles it cites (what they retell is what step 1 left out): one of those
sentences is as close to an earlier story's line as two reports of one fact (the grouping
threshold), or its centroid is at least ``MATCH_THRESHOLD`` from an earlier story's centroid
*and* the two share a name or place (``grouping.story_names``), as two articles must.

``MATCH_THRESHOLD`` is the compose weights' redundancy cutoff (0.70: "two wordings of one
fact are often only 0.7 apart"), not the story threshold (0.55, the cosine at which two
articles' openings are one story). On RUWA, a week of one war where every story shares
"Russia" and "Ukraine", 0.55 made 20 of 29 stories of 22 February developing, most of them
continuations of one broad earlier story; at 0.70 most matches read as the same story
(Canada's sanctions package, the recognition of the "LPR/DPR", Maxar's satellite images).
Some loose ones remain, through the line rule: an article that retells yesterday's
background in one sentence ties its story to yesterday's (see docs/benchmarks.md). The
grouping threshold alone on centroids finds few continuing stories: a day's new facts pull
the centroid away, which is exactly when a story is developing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np

from briefing.compose.grouping import story_names, unit_mean
from briefing.compose.weights import STORY_WEIGHTS
from briefing.records import Evidence, Item
from briefing.store.stories import StoryRecord

RECENT_DAYS = 7  # a story unreported for a week comes back as new
MATCH_THRESHOLD = STORY_WEIGHTS.redundancy  # centroids of one story across days (see above)


def recent_since(day: str, days: int = RECENT_DAYS) -> str:
    """The first date whose briefings count as recent for a briefing dated ``day``."""
    return (date.fromisoformat(day) - timedelta(days=days)).isoformat()


def reported_vectors(recent: list[StoryRecord]) -> np.ndarray | None:
    """Every line recent briefings presented, one row each (None when there is none)."""
    rows = [s.vectors for s in recent if s.vectors is not None and len(s.vectors)]
    return np.concatenate(rows).astype(np.float32) if rows else None


StoryText = Callable[[Item], tuple[np.ndarray, list[str]]]


def recall(items: list[Item], day: str, vectors_of: Callable[[Evidence], np.ndarray],
           recent: list[StoryRecord], group_threshold: float,
           story_threshold: float = MATCH_THRESHOLD,
           told: StoryText | None = None,
           reported: np.ndarray | None = None) -> list[StoryRecord]:
    """Mark each item (and its facts) new or developing against ``recent``; return the
    stories to remember once the briefing is recorded. ``vectors_of`` gives the vector of an
    item's or fact's first evidence sentence (the one its wording comes from). ``told``
    gives the vectors and texts of every sentence of the articles an item cites: the story
    as they tell it, which is how it is matched. What they retell is what was left out (the
    retold lead, the repeated fact), so the presented lines alone often no longer match;
    without ``told``, the presented lines are all there is. ``reported``: ``recent``'s
    ``reported_vectors`` when the caller has them already."""
    if reported is None:
        reported = reported_vectors(recent)
    centroids = np.stack([s.centroid for s in recent]) if recent else None
    names = [set().union(*map(story_names, [s.text, *s.lines])) for s in recent]
    # The thread's latest state: a later briefing of one thread counts more briefings.
    latest: dict[int, StoryRecord] = {}
    for s in recent:
        if s.thread not in latest or s.briefings >= latest[s.thread].briefings:
            latest[s.thread] = s
    out: list[StoryRecord] = []
    for item in items:
        evidence = [item.evidence[0], *(f.evidence[0] for f in item.facts)]
        vectors = np.stack([vectors_of(e) for e in evidence]).astype(np.float32)
        centroid = unit_mean(vectors)
        texts = [item.text, *(f.text for f in item.facts)]
        match = None
        if recent:
            story_vectors, story_texts = told(item) if told else (vectors, texts)
            match = _match(story_vectors, set().union(*map(story_names, story_texts)),
                           recent, centroids, names, group_threshold, story_threshold)
        closest = ((vectors @ reported.T).max(axis=1) if reported is not None
                   else np.full(len(vectors), -1.0))
        for fact, value in zip(item.facts, closest[1:], strict=True):
            fact.new = bool(value < group_threshold) if recent else None
        if match is None:
            item.new = True if recent else None
            thread, since, count = 0, day, 1
        else:
            last = latest[match.thread]
            item.new = False
            thread, since, count = last.thread, last.since, last.briefings + 1
            item.developing = {"since": since, "briefings": count}
        out.append(StoryRecord(date=day, thread=thread, since=since, briefings=count,
                               theme=item.theme, text=item.text, centroid=centroid,
                               lines=texts,
                               vectors=vectors))
    return out


def _match(vectors: np.ndarray, own_names: set[str], recent: list[StoryRecord],
           centroids: np.ndarray | None, names: list[set[str]], group_threshold: float,
           story_threshold: float) -> StoryRecord | None:
    """The recent story that a story told by these sentences continues, if any (see the
    module's docstring)."""
    if centroids is None:
        return None
    centroid = unit_mean(vectors)
    best: tuple[float, StoryRecord] | None = None
    for n, (story, similarity) in enumerate(zip(recent, centroids @ centroid, strict=True)):
        line = (float((vectors @ story.vectors.T).max()) if story.vectors is not None
                and len(story.vectors) else -1.0)
        if line >= group_threshold or (similarity >= story_threshold and own_names & names[n]):
            score = max(line, float(similarity))
            if best is None or score > best[0]:
                best = (score, story)
    return best[1] if best else None
