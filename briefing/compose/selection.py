"""Choosing groups under the word budget without saying a thing twice (MMR)."""

from __future__ import annotations

import numpy as np

from briefing.compose.grouping import Group
from briefing.config import CATCHALL_ID


def select(groups: list[Group], embeddings: np.ndarray, budget_words: int,
           theme_order: list[str], redundancy_cutoff: float, lam: float = 0.5) -> list[Group]:
    """Greedy MMR under the word budget. Each theme first gets its best item (so no section
    is empty when it has material), then items go by score minus redundancy. An item as
    close to a chosen one as two reports of the same fact (``redundancy_cutoff``) is left
    out; closeness below that only lowers its rank.

    Linear in the number of groups per chosen item: each group's closeness to the chosen
    ones is kept up to date with one matrix-vector product per choice, and a group that no
    longer fits the words left or is too close to a chosen one is dropped for good (both
    only get worse as items are added).
    """
    ranked = sorted(groups, key=lambda g: -g.score)
    if not ranked:
        return []
    vectors = embeddings[[g.best for g in ranked]]
    scores = np.array([g.score for g in ranked])
    lengths = np.array([len(g.text.split()) for g in ranked])
    themes = np.array([g.theme for g in ranked], dtype=object)
    closeness = np.zeros(len(ranked), dtype=np.float32)  # max similarity to a chosen item
    nearest = np.full(len(ranked), -1)  # the chosen item it is that close to
    open_ = np.ones(len(ranked), dtype=bool)
    chosen: list[Group] = []
    words = 0

    def usable() -> np.ndarray:
        open_[lengths > budget_words - words] = False
        open_[closeness >= redundancy_cutoff] = False
        return open_

    def take(index: int) -> None:
        nonlocal words, closeness
        chosen.append(ranked[index])
        words += int(lengths[index])
        open_[index] = False
        similar = vectors @ vectors[index]
        nearest[similar > closeness] = index
        closeness = np.maximum(closeness, similar)

    for theme in [*theme_order, CATCHALL_ID]:
        candidates = np.flatnonzero(usable() & (themes == theme))
        if candidates.size:
            take(int(candidates[0]))  # ranked by score: the first is the theme's best
    while words < budget_words:
        mask = usable()
        if not mask.any():
            break
        value = np.where(mask, scores - lam * closeness, -np.inf)
        take(int(np.argmax(value)))
    _cite_duplicates(ranked, chosen, closeness, nearest, redundancy_cutoff)
    return chosen


def _cite_duplicates(ranked: list[Group], chosen: list[Group], closeness: np.ndarray,
                     nearest: np.ndarray, cutoff: float) -> None:
    """A group left out as a duplicate of a chosen one says the same thing: the chosen one
    cites its articles too, so no report of an event is lost (only the budget leaves news
    out)."""
    picked = {id(g) for g in chosen}
    for n, group in enumerate(ranked):
        if id(group) in picked or closeness[n] < cutoff or nearest[n] < 0:
            continue
        keeper = ranked[int(nearest[n])]
        keeper.members = sorted({*keeper.members, *group.members})
        keeper.articles += [a for a in group.articles if a not in keeper.articles]
