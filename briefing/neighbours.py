"""Neighbour search over unit vectors: all pairs above a cosine threshold, without ever
holding an N×N matrix (tiles of at most ``tile``×``tile`` similarities)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def neighbour_pairs(vectors: np.ndarray, threshold: float, tile: int = 2048
                    ) -> Iterator[tuple[int, int]]:
    """Yield (i, j), i < j, with cosine(vectors[i], vectors[j]) >= threshold."""
    n = len(vectors)
    for a in range(0, n, tile):
        block_a = vectors[a:a + tile]
        for b in range(a, n, tile):
            sims = block_a @ vectors[b:b + tile].T
            rows, cols = np.nonzero(sims >= threshold)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                i, j = a + r, b + c
                if i < j:
                    yield i, j
