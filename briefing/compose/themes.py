"""Themes: file a sentence (or a group of them) under the configured theme it fits best.

Each theme is represented by the embeddings of its description and example phrases; the
catch-all section has example phrases too (``catchall_examples``: news that belongs to no
theme), so it competes instead of being a mere leftover. Before comparing, every vector is
centred on the mean of all phrase vectors: articles of one day share a topic ("Ukraine,
Russia, troops") that would otherwise pull every sentence towards the most generic theme.
A text takes the theme of its closest phrase; below ``threshold`` it goes to the catch-all.

On the hand-labelled sentences in tests/data/ this lifts accuracy from 0.59 (raw cosine,
best threshold) to 0.72; docs/quality.md has the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from briefing.config import CATCHALL_ID, Theme


def theme_phrases(theme: Theme) -> list[str]:
    phrases = [p for p in (theme.description, *theme.examples) if p.strip()]
    return phrases or [theme.title]


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
        self._themes = [_unit(v - self._centre) for v in self.vectors]
        self._catchall = (_unit(self.catchall - self._centre)
                          if self.catchall is not None and len(self.catchall) else None)

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """(n, themes [+1 for the catch-all]) similarity of each row to each theme's
        closest phrase, in the centred space."""
        centred = _unit(matrix - self._centre)
        cols = [(centred @ v.T).max(axis=1) for v in self._themes]
        if self._catchall is not None:
            cols.append((centred @ self._catchall.T).max(axis=1))
        return np.stack(cols, axis=1) if cols else np.zeros((len(matrix), 0))

    def classify(self, matrix: np.ndarray, threshold: float) -> list[tuple[str, float]]:
        """Best theme id and its score per row; the catch-all id when the catch-all
        phrases fit better or the best theme scores below the threshold."""
        if len(matrix) == 0:
            return []
        ids = [t.id for t in self.themes] + [CATCHALL_ID]
        out = []
        for row in self.scores(matrix):
            best = int(row.argmax())
            theme = ids[best] if row[best] >= threshold else CATCHALL_ID
            out.append((theme, float(row[best])))
        return out
