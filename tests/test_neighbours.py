"""Neighbour search: exact where it must be, sub-quadratic at scale, never an N×N matrix."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from briefing.analyse.neighbours import EXACT_MAX, find_pairs, neighbour_pairs

THRESHOLD = 0.72


def clustered(n: int, dim: int = 48, per_cluster: int = 8, noise: float = 0.35,
              seed: int = 7) -> np.ndarray:
    """Unit vectors in tight clusters (many pairs above the threshold) plus loose ones."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // per_cluster + 1, dim))
    labels = rng.integers(0, len(centres), size=n)
    vectors = centres[labels] + noise * rng.normal(size=(n, dim)) * np.sqrt(1 / dim) * 4
    vectors = vectors.astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def brute_force(vectors: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    sims = vectors @ vectors.T
    i, j = np.nonzero(np.triu(sims >= threshold, k=1))
    return set(zip(i.tolist(), j.tolist(), strict=True))


def as_set(pairs) -> set[tuple[int, int]]:
    return set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))


def test_exact_search_finds_exactly_the_pairs_above_the_threshold():
    vectors = clustered(1500)
    pairs = find_pairs(vectors, THRESHOLD, "exact")
    expected = brute_force(vectors, THRESHOLD)
    assert len(expected) > 500  # the data has plenty of neighbours
    assert as_set(pairs) == expected
    assert len(pairs) == len(expected)  # no pair twice
    assert list(neighbour_pairs(vectors, THRESHOLD)) == sorted(expected)


def test_bucketed_search_returns_only_true_pairs_and_nearly_all_of_them():
    vectors = clustered(8000)
    exact = as_set(find_pairs(vectors, THRESHOLD, "exact"))
    pairs = find_pairs(vectors, THRESHOLD, "buckets")
    found = as_set(pairs)
    assert pairs.method == "buckets"
    assert len(found) == len(pairs)  # a pair both vectors' buckets hold is kept once
    assert found <= exact  # every pair it returns is above the threshold
    assert len(found) / len(exact) >= 0.97
    assert all(i < j for i, j in found)


def test_bucketed_search_does_a_fraction_of_the_quadratic_work():
    vectors = clustered(20000, dim=32)
    pairs = find_pairs(vectors, THRESHOLD, "buckets")
    all_pairs = len(vectors) * (len(vectors) - 1) / 2
    assert pairs.comparisons < all_pairs / 5


def test_auto_is_exact_for_small_inputs_and_bucketed_above_the_limit():
    small = clustered(EXACT_MAX)
    assert find_pairs(small, THRESHOLD).method == "exact"
    large = clustered(EXACT_MAX + 1)
    assert find_pairs(large, THRESHOLD).method == "buckets"


def test_the_same_input_gives_the_same_pairs():
    vectors = clustered(7000)
    first = find_pairs(vectors, THRESHOLD, "buckets")
    second = find_pairs(vectors.copy(), THRESHOLD, "buckets")
    assert np.array_equal(first.left, second.left)
    assert np.array_equal(first.right, second.right)


@pytest.mark.parametrize("method", ["exact", "buckets"])
def test_memory_stays_far_below_an_n_by_n_matrix(method):
    vectors = clustered(12000, dim=32)
    matrix_bytes = len(vectors) ** 2 * 4  # 576 MB of float32 similarities
    tracemalloc.start()
    try:
        find_pairs(vectors, THRESHOLD, method)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < matrix_bytes / 8


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_inputs(n):
    vectors = clustered(max(n, 1))[:n]
    for method in ("exact", "buckets", "auto"):
        pairs = find_pairs(vectors, THRESHOLD, method)
        assert len(pairs) == len(brute_force(vectors, THRESHOLD)) if n else len(pairs) == 0


def test_duplicates_are_all_paired():
    base = clustered(700)
    vectors = np.concatenate([base] * 8)  # 5,600 vectors, every one with 7 exact copies
    found = as_set(find_pairs(vectors, THRESHOLD, "buckets"))
    for k in range(0, 700, 50):
        copies = [k + 700 * c for c in range(8)]
        assert all((a, b) in found for a in copies for b in copies if a < b)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown neighbour search method"):
        find_pairs(clustered(10), THRESHOLD, "magic")
