"""Themes: file a sentence (or a group of them) under the configured theme it fits best.

Zero-shot: a theme needs only a title and a description. Each theme is represented by the
embeddings of its phrases: its title, its description and, if given, its example phrases.
A text's score for a theme is a weighted mean of two similarities: to the theme's closest phrase
(which lets one good example win) and to the mean of its phrases (which a theme with no
examples has as much of as any other, so themes without examples are not out-competed by
themes with many). Before comparing, every vector is centred on the mean of all phrase
vectors: articles of one day share a topic ("Ukraine, Russia, troops") that would otherwise
pull every sentence towards the most generic theme.

The catch-all takes what fits no theme well: a text whose best theme scores below
``threshold`` (a floor in the centred space, ``theme_threshold`` in the config). If the
config gives catch-all phrases, the catch-all also competes with them like a theme; it has
none by default, so the rule does not depend on any one config's phrases. Both settings are
written for one theme list, so a config keeps them beside it (a ``- id: other`` entry of
``themes``, ``config.catchall_beside_themes``), and ``catchall_take`` measures how much of a
sample they would take (``briefing check`` warns when it is most).

What is filed is a story, not a sentence: each fact by its vector mixed with its story's
(``filing_vectors``, ``STORY_WEIGHT``), so a fact that its own words leave between two
themes goes where its event goes, while one that clearly fits a theme of its own (a
round-up's aside) keeps it (``STORY_MARGIN``). And each theme is
sharpened by the day itself (``ThemeIndex.refined``): its prototype takes in the items it
files most surely, which tells what its news looks like today better than one line does.

Which corpus set which constant, and the measured accuracy (the hand-labelled sentences in
tests/data/, WCEP January 2023 with descriptions only): docs/quality.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from briefing.config import CATCHALL_ID, Settings, Theme

# Weight of the closest phrase against the theme's mean phrase. Set on the hand-labelled set
# (0.7 beat 0.5 and 1.0 there); on WCEP 0.5 to 1.0 are within 0.01 of each other (see
# docs/quality.md). 1.0, the closest phrase only, was the old rule.
CLOSEST_WEIGHT = 0.7

# Prototype refinement (``ThemeIndex.refined``): a theme given by its description alone
# takes as its prototype its mean phrase plus the mean of the REFINE_ITEMS items of the batch
# it scores highest among those it wins, and its score becomes REFINE_WEIGHT of the
# similarity to that prototype. The day's own stories say what such a theme's news looks
# like better than one line does; a theme with examples already has news-like phrases and
# keeps its score (on the hand-labelled set, whose themes have examples, refining them cost
# 0.02). Chosen with the story weight, by the same cross-validation (bench/themes.py --cv;
# out-of-fold figures in docs/quality.md).
REFINE_ITEMS = 10
REFINE_WEIGHT = 0.5

# A fact is filed by its own vector mixed with its story's (the story's openings and all its
# sentences) by STORY_WEIGHT times its closeness to the story to the power STORY_POWER (a
# weight of 1.0 with a power of 0.0 would file every fact of a story under one theme, a
# weight of 0.0 each fact alone). With the closeness, the facts of one event follow their
# story while an aside of a round-up (the seeds' weekly summaries tell diplomacy, aid,
# fighting and cyberattacks in one article) keeps its own theme.
#
# The story settles only what a fact leaves open: the mix is scaled by 1 - m / STORY_MARGIN,
# where m is how far the fact's own best theme leads its second (0 from the margin on: the
# fact keeps its own vector; None: no margin, the full mix). A round-up's story is about
# several things at once: with the full mix at (1.0, 1.0), the seeds' Geneva meeting
# ("Blinken met with Russian Foreign Minister Sergei Lavrov in Geneva", diplomacy by 0.22
# on its own) followed its story's troop build-up into "Other news", and the labelled seed
# sentences, filed as compose files them, were right 0.54 of the time (0.74 filed alone).
#
# The three were chosen together with the refinement by cross-validation over four folds of
# WCEP days and of the hand-labelled set, scoring the WCEP render, the labelled sentences
# alone and the labelled seed sentences as compose files them (bench/themes.py --cv,
# docs/quality.md), among the settings that keep every default theme on the seeds: (0.5,
# 1.0, 0.05) in three folds of four. Out of fold: WCEP 0.676, the seed sentences as filed
# 0.730 (0.670 and 0.709 before like events were told apart: ``particulars``); the full
# mix (1.0, 1.0, None), chosen when only WCEP and the sentences alone were scored, had WCEP
# 0.681 and the seed sentences 0.544.
STORY_WEIGHT = 0.5
STORY_POWER = 1.0
STORY_MARGIN: float | None = 0.05


def filing_vectors(facts: np.ndarray, story: np.ndarray, weight: float | None = None,
                   power: float | None = None, margins: np.ndarray | None = None
                   ) -> np.ndarray:
    """What each fact is filed by: its vector (rows of ``facts``) mixed with its story's
    (the matching rows of ``story``) by ``weight`` (default STORY_WEIGHT) times the fact's
    closeness to its story raised to ``power`` (default STORY_POWER): the facts of one
    event follow their story; an aside of a round-up, far from the whole, keeps its own.
    ``margins``: each fact's own lead of its best theme over its second
    (``ThemeIndex.margins``); the mix shrinks to nothing at STORY_MARGIN."""
    weight = STORY_WEIGHT if weight is None else weight
    power = STORY_POWER if power is None else power
    facts, story = _unit(facts), _unit(story)
    close = np.clip((facts * story).sum(axis=1, keepdims=True), 0.0, 1.0) ** power
    mix = weight * close
    if margins is not None and STORY_MARGIN is not None:
        mix = mix * np.clip(1.0 - margins.reshape(-1, 1) / STORY_MARGIN, 0.0, 1.0)
    return _unit((1 - mix) * facts + mix * story)


def index_for(settings: Settings, embedder, store=None) -> ThemeIndex | None:
    """The configured themes (and catch-all phrases) embedded as a ``ThemeIndex``; None
    without themes. ``store``: the embedding cache, when there is one."""
    from briefing.analyse.embedder import embed_texts

    if not settings.themes:
        return None
    return ThemeIndex(settings.themes,
                      [embed_texts(theme_phrases(t), embedder, store) for t in settings.themes],
                      embed_texts(list(settings.catchall_examples), embedder, store))


def theme_phrases(theme: Theme) -> list[str]:
    """The texts a theme is matched by: its title, description and example phrases."""
    phrases = [p for p in (theme.title, theme.description, *theme.examples) if p.strip()]
    return list(dict.fromkeys(phrases))


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-9)


@dataclass
class ThemeIndex:
    themes: tuple[Theme, ...]
    vectors: list[np.ndarray]  # one (phrases, dim) matrix per theme
    catchall: np.ndarray | None = None  # (phrases, dim) for the catch-all, may be empty

    def __post_init__(self) -> None:
        groups = [*self.vectors]
        if self.catchall is not None and len(self.catchall):
            groups.append(self.catchall)
        self._centre = np.concatenate(groups).mean(axis=0)
        self._phrases = [_unit(v - self._centre) for v in groups]
        self._means = [_unit(p.mean(axis=0)) for p in self._phrases]
        self.has_catchall_phrases = len(groups) > len(self.vectors)

    @property
    def ids(self) -> list[str]:
        """Column ids of ``scores``: the themes, then the catch-all if it has phrases."""
        return [t.id for t in self.themes] + ([CATCHALL_ID] if self.has_catchall_phrases
                                              else [])

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """(n, themes [+1 for the catch-all's phrases]) similarity of each row to each
        theme, in the centred space (see the module docstring)."""
        if not self._phrases:
            return np.zeros((len(matrix), 0))
        centred = _unit(matrix - self._centre)
        cols = [CLOSEST_WEIGHT * (centred @ p.T).max(axis=1)
                + (1 - CLOSEST_WEIGHT) * (centred @ m)
                for p, m in zip(self._phrases, self._means, strict=True)]
        return np.stack(cols, axis=1)

    def margins(self, matrix: np.ndarray) -> np.ndarray:
        """How far each row's best column of ``scores`` (the catch-all's phrases included)
        leads its second: 0 with fewer than two columns."""
        scores = self.scores(matrix)
        if scores.shape[1] < 2:
            return np.zeros(len(matrix))
        top = np.sort(scores, axis=1)
        return top[:, -1] - top[:, -2]

    def refined(self, matrix: np.ndarray, scores: np.ndarray,
                items: int | None = None, weight: float | None = None) -> np.ndarray:
        """``scores`` (of ``matrix``'s rows, from ``scores``) sharpened by the batch itself:
        the prototype of each theme without examples is its mean phrase plus the mean of
        the ``items`` rows it scores highest among the rows it wins, and its column mixes
        the phrase score with the similarity to that prototype by ``weight``. Themes with
        examples, and the catch-all's phrases, keep their scores. Transductive: no labels
        are used. Defaults: REFINE_ITEMS, REFINE_WEIGHT (read at the call, so a bench can
        vary them)."""
        items = REFINE_ITEMS if items is None else items
        weight = REFINE_WEIGHT if weight is None else weight
        bare = [k for k, theme in enumerate(self.themes) if not theme.examples]
        if weight <= 0 or items <= 0 or not len(matrix) or not bare:
            return scores
        centred = _unit(matrix - self._centre)
        winner = scores.argmax(axis=1)
        out = scores.copy()
        for col in bare:
            won = np.nonzero(winner == col)[0]
            top = won[np.argsort(-scores[won, col], kind="stable")[:items]]
            prototype = self._means[col]
            if len(top):
                prototype = _unit(prototype + centred[top].mean(axis=0))
            out[:, col] = (1 - weight) * scores[:, col] + weight * (centred @ prototype)
        return out

    def classify(self, matrix: np.ndarray, threshold: float, refine: bool = True
                 ) -> list[tuple[str, float]]:
        """Best theme id and its score per row; the catch-all id when the catch-all
        phrases fit better or the best theme scores below the threshold. With ``refine``,
        the theme is chosen on the ``refined`` scores of the batch; the floor and the
        score given back stay on the phrase scores, the scale ``theme_threshold`` is in."""
        if len(matrix) == 0:
            return []
        ids = self.ids
        themes = len(self.themes)
        scores = self.scores(matrix)
        ranked = self.refined(matrix, scores) if refine else scores
        out = []
        for row, rank in zip(scores, ranked, strict=True):
            best = int(rank.argmax())
            if ids[best] != CATCHALL_ID and row[:themes].max() < threshold:
                best = int(row[:themes].argmax())
                out.append((CATCHALL_ID, float(row[best])))
            else:
                out.append((ids[best], float(row[best])))
        return out


@dataclass
class CatchallTake:
    """What the catch-all takes of a sample: ``by_phrases`` rows its phrases win, and
    ``by_floor`` rows whose best theme is below the floor, of ``total``."""

    total: int
    by_phrases: int
    by_floor: int

    @property
    def share(self) -> float:
        return (self.by_phrases + self.by_floor) / max(self.total, 1)


def catchall_take(index: ThemeIndex, matrix: np.ndarray, threshold: float) -> CatchallTake:
    """How much of a sample (rows of ``matrix``) the catch-all takes, and by which setting,
    with the rule ``classify`` files by."""
    if not len(matrix):
        return CatchallTake(0, 0, 0)
    scores = index.scores(matrix)
    ranked = index.refined(matrix, scores)
    themes = len(index.themes)
    by_phrases = int((ranked.argmax(axis=1) >= themes).sum()) if index.has_catchall_phrases \
        else 0
    won = ranked.argmax(axis=1) < themes
    by_floor = int((won & (scores[:, :themes].max(axis=1) < threshold)).sum())
    return CatchallTake(len(matrix), by_phrases, by_floor)


def explain_table(index: ThemeIndex, items: list, vectors: np.ndarray,
                  threshold: float) -> str:
    """A Markdown table for a config author: for each item (``Item``s, with one vector per
    item, what it says), the section it went to, its score for every theme and why it went
    where it did, so a description that catches too much or too little shows at once."""
    ids = index.ids
    header = ["#", "section", "why", *ids, "item"]
    lines = [f"Theme scores per item (centred similarity; the catch-all floor "
             f"`theme_threshold` is {threshold:g}). An item is scored here by the sentences "
             "it cites; its section was chosen by all the sentences of its story, so the two "
             "can differ when they are close.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = index.scores(vectors) if len(items) else np.zeros((0, len(ids)))
    for n, (item, row) in enumerate(zip(items, rows, strict=True), start=1):
        order = np.argsort(-row)
        best = int(order[0]) if len(row) else -1
        if best < 0:
            why = "no themes"
        elif ids[best] == CATCHALL_ID:
            why = "closest to the catch-all phrases"
        elif row[best] < threshold:
            why = f"best ({ids[best]}) below the floor"
        else:
            runner = f" over {ids[int(order[1])]}" if len(row) > 1 else ""
            why = f"best by {row[best] - row[order[1]]:.2f}{runner}" if runner else "best"
        cells = [f"**{s:.2f}**" if k == best else f"{s:.2f}" for k, s in enumerate(row)]
        text = " ".join(item.text.split())
        text = (text[:117] + "…" if len(text) > 118 else text).replace("|", "\\|")
        lines.append("| " + " | ".join([str(n), item.theme, why, *cells, text]) + " |")
    return "\n".join(lines) + "\n"
