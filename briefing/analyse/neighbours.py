"""Neighbour search over unit vectors: every pair above a cosine threshold.

Two methods, both without an N×N matrix in memory and both exact about what they return
(each pair's similarity is computed, never estimated):

- ``exact`` compares every pair, tile by tile: N²/2 dot products. Cheapest below a few
  thousand sentences, but at 80,000 sentences (10,000 articles) it is ~3·10⁹ dot products.
- ``buckets`` is an inverted-file search: spherical k-means puts each vector in the bucket of
  its nearest centroid, and each vector is compared only with the vectors of the ``probes``
  buckets nearest to it. With √(N·probes) buckets that is about 2·N·√(N·probes) dot products
  in all, 10–20 times fewer at 80,000 sentences. A pair can be missed only when neither vector
  probes the other's bucket; recall against ``exact`` is measured in docs/benchmarks.md and
  tested in tests/test_neighbours.py.

``auto`` picks ``exact`` up to ``EXACT_MAX`` vectors, where it still takes well under a
second, and ``buckets`` above. The bucketing is seeded, so the same input gives the same pairs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

EXACT_MAX = 5_000  # vectors; above this the bucketed search is faster, and ever more so
PROBES = 8  # buckets each vector is compared with
KMEANS_ITERATIONS = 3
SAMPLE_PER_BUCKET = 16  # k-means trains on at most this many vectors per bucket
SEED = 20240117
_BLOCK = 4_194_304  # similarities computed at once (16 MB of float32)


@dataclass(frozen=True)
class Pairs:
    """Index pairs (left[k] < right[k]) whose cosine similarity is at least the threshold."""

    left: np.ndarray
    right: np.ndarray
    comparisons: int  # dot products computed between vector pairs
    method: str

    def __len__(self) -> int:
        return len(self.left)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.left.tolist(), self.right.tolist(), strict=True)


def find_pairs(vectors: np.ndarray, threshold: float, method: str = "auto",
               probes: int = PROBES) -> Pairs:
    """All pairs (i, j), i < j, with vectors[i] · vectors[j] >= threshold, sorted.

    ``vectors`` are L2-normalised rows (so the dot product is the cosine)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(vectors)
    if method == "auto":
        method = "exact" if n <= EXACT_MAX else "buckets"
    if method == "exact" or n < 2:
        left, right, comparisons = _exact(vectors, threshold)
        method = "exact"
    elif method == "buckets":
        left, right, comparisons = _bucketed(vectors, threshold, probes)
    else:
        raise ValueError(f"unknown neighbour search method {method!r}")
    return Pairs(left, right, comparisons, method)


def neighbour_pairs(vectors: np.ndarray, threshold: float) -> Iterator[tuple[int, int]]:
    """Yield (i, j), i < j, with cosine(vectors[i], vectors[j]) >= threshold."""
    yield from find_pairs(vectors, threshold)


# exact -------------------------------------------------------------------------------------


def _exact(vectors: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, int]:
    n = len(vectors)
    tile = max(1, int(math.sqrt(_BLOCK)))
    lefts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    comparisons = 0
    for a in range(0, n, tile):
        block_a = vectors[a:a + tile]
        for b in range(a, n, tile):  # only tiles on or above the diagonal
            sims = block_a @ vectors[b:b + tile].T
            comparisons += sims.size
            rows, cols = np.nonzero(sims >= threshold)
            i, j = rows + a, cols + b
            keep = i < j
            lefts.append(i[keep])
            rights.append(j[keep])
    return _sorted_pairs(lefts, rights, n, unique=False) + (comparisons,)


# buckets -----------------------------------------------------------------------------------


def _bucketed(vectors: np.ndarray, threshold: float, probes: int
              ) -> tuple[np.ndarray, np.ndarray, int]:
    n = len(vectors)
    buckets = max(2, min(n // 4, round(math.sqrt(n * probes))))
    probes = min(probes, buckets)
    centroids = _spherical_kmeans(vectors, buckets)
    nearest = _nearest_buckets(vectors, centroids, probes)  # (n, probes), nearest first
    home = nearest[:, 0]

    # Members of each bucket, and the vectors that probe it, as slices of sorted index lists.
    members = np.argsort(home, kind="stable")
    member_start = np.searchsorted(home[members], np.arange(buckets + 1))
    probed = nearest.ravel()
    askers = np.repeat(np.arange(n), probes)[np.argsort(probed, kind="stable")]
    asker_start = np.searchsorted(np.sort(probed), np.arange(buckets + 1))

    lefts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    comparisons = 0
    for b in range(buckets):
        inside = members[member_start[b]:member_start[b + 1]]
        if len(inside) == 0:
            continue
        inside_vecs = vectors[inside]
        asking = askers[asker_start[b]:asker_start[b + 1]]
        rows_per_block = max(1, _BLOCK // len(inside))
        for start in range(0, len(asking), rows_per_block):
            ask = asking[start:start + rows_per_block]
            sims = vectors[ask] @ inside_vecs.T
            comparisons += sims.size
            rows, cols = np.nonzero(sims >= threshold)
            i, j = ask[rows], inside[cols]
            keep = i != j
            i, j = i[keep], j[keep]
            lefts.append(np.minimum(i, j))
            rights.append(np.maximum(i, j))
    # A pair is found twice when each vector probes the other's bucket: keep it once.
    return _sorted_pairs(lefts, rights, n, unique=True) + (comparisons,)


def _spherical_kmeans(vectors: np.ndarray, k: int) -> np.ndarray:
    """k unit centroids trained on a seeded sample (cosine k-means, a few Lloyd rounds)."""
    rng = np.random.default_rng(SEED)
    n = len(vectors)
    sample_size = min(n, k * SAMPLE_PER_BUCKET)
    sample = vectors[np.sort(rng.choice(n, size=sample_size, replace=False))]
    centroids = sample[rng.choice(sample_size, size=k, replace=False)].copy()
    for _ in range(KMEANS_ITERATIONS):
        assign = _nearest_buckets(sample, centroids, 1)[:, 0]
        # Sum each bucket's vectors: sort by bucket, then add up each run of rows.
        order = np.argsort(assign, kind="stable")
        used, starts = np.unique(assign[order], return_index=True)
        sums = np.add.reduceat(sample[order], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1)
        filled = norms > 1e-9  # an empty bucket keeps its old centroid
        centroids[used[filled]] = sums[filled] / norms[filled, None]
    return centroids


def _nearest_buckets(vectors: np.ndarray, centroids: np.ndarray, probes: int) -> np.ndarray:
    """Indices of each vector's ``probes`` most similar centroids, most similar first."""
    out = np.empty((len(vectors), probes), dtype=np.int64)
    # Per similarity, choosing the top ``probes`` holds a negated copy (4 bytes) and
    # argpartition's int64 indices (8 bytes) beside it: a quarter of the rows keeps the
    # whole step within _BLOCK × 4 bytes (it took 67 MB for 23,000 vectors).
    rows = max(1, _BLOCK // (4 * max(len(centroids), 1)))
    for start in range(0, len(vectors), rows):
        sims = vectors[start:start + rows] @ centroids.T
        if probes == 1:
            out[start:start + rows, 0] = sims.argmax(axis=1)
            continue
        top = np.argpartition(-sims, probes - 1, axis=1)[:, :probes]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
        out[start:start + rows] = np.take_along_axis(top, order, axis=1)
    return out


def _sorted_pairs(lefts: list[np.ndarray], rights: list[np.ndarray], n: int, unique: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    if not lefts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    keys = (np.concatenate(lefts).astype(np.int64) * n
            + np.concatenate(rights).astype(np.int64))
    keys.sort()
    if unique and len(keys):
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys // n, keys % n
