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
config gives ``catchall_examples``, the catch-all also competes with them like a theme; it
has none by default, so the rule does not depend on any one config's phrases.

Which corpus set which constant, and the measured accuracy (the hand-labelled sentences in
tests/data/, WCEP January 2023 with descriptions only): docs/quality.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from briefing.config import CATCHALL_ID, Theme

# Weight of the closest phrase against the theme's mean phrase. Set on the hand-labelled set
# (0.7 beat 0.5 and 1.0 there); on WCEP 0.5 to 1.0 are within 0.01 of each other (see
# docs/quality.md). 1.0, the closest phrase only, was the old rule.
CLOSEST_WEIGHT = 0.7


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

    def classify(self, matrix: np.ndarray, threshold: float) -> list[tuple[str, float]]:
        """Best theme id and its score per row; the catch-all id when the catch-all
        phrases fit better or the best theme scores below the threshold."""
        if len(matrix) == 0:
            return []
        ids = self.ids
        out = []
        for row in self.scores(matrix):
            best = int(row.argmax())
            theme = ids[best] if row[best] >= threshold else CATCHALL_ID
            out.append((theme, float(row[best])))
        return out


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
