"""Cross-validated composition: every setting chosen on the other folds, scored on the fold left
out.

The clusters are dealt into folds (``clusters.folds``). Each setting of a small grid (a few
``StoryWeights`` fields) composes every cluster once; then, for each fold, the setting with the
best mean ROUGE-2 over the *other* folds' clusters is the one whose scores count for the fold.
The figures reported are the held-out fold's, never those of a fold the choice was made on.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence

import numpy as np

from bench import clusters as C


def grid(space: dict[str, Sequence]) -> list[dict]:
    keys = list(space)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*space.values())]


def crossval(items: list[dict], analysed: dict[str, C.Analysed], settings: list[dict],
             score: Callable[[dict, C.Analysed, object], dict],
             base=None, progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Out-of-fold scores of Briefing over ``items`` (clusters).

    ``score(cluster, analysed, weights)`` composes and returns the cluster's scores (its
    ``"rouge2"`` decides). Returns ``{"oof": {cluster_id: scores}, "chosen": [setting per
    fold], "fold_of": {cluster_id: fold}, "all": {setting index: {cluster_id: scores}},
    "settings": settings, "final": the setting best over every cluster}``."""
    from briefing.compose.weights import STORY_WEIGHTS

    base = base or STORY_WEIGHTS
    fold_of = C.folds(items)
    ids = [c["cluster_id"] for c in items]
    results: dict[int, dict[str, dict]] = {}
    for n, setting in enumerate(settings):
        weights = dataclasses.replace(base, **setting)
        per = {c["cluster_id"]: score(c, analysed[c["cluster_id"]], weights) for c in items}
        results[n] = per
        mean = np.mean([p["rouge2"] for p in per.values()])
        progress(f"setting {n + 1}/{len(settings)} {setting}: mean ROUGE-2 {mean:.4f}")

    def best_on(train: list[str]) -> int:
        return max(results, key=lambda n: np.mean([results[n][i]["rouge2"] for i in train]))

    chosen, oof = [], {}
    for f in range(max(fold_of) + 1):
        best = best_on([i for i, g in zip(ids, fold_of, strict=True) if g != f])
        chosen.append(settings[best])
        oof.update({i: results[best][i] for i, g in zip(ids, fold_of, strict=True) if g == f})
    return {"oof": oof, "chosen": chosen, "fold_of": dict(zip(ids, fold_of, strict=True)),
            "all": results, "settings": settings, "final": settings[best_on(ids)]}
