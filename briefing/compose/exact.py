"""Exact selection: the set of open lines worth most under the word budget, solved as one
integer program rather than chosen one line at a time.

Greedy choice by gain per word (``selection``'s loop) takes a short line that adds a little
before a long one that adds much, and cannot undo it. Gillick & Favre solved concept coverage
exactly, as an integer linear program: each concept counts once when any chosen line holds
it, and the lines' words fit the budget. Here the program keeps Briefing's structure too: a
story's facts only under its lead, one lead per story, and no two lines that say one thing
(the repeat pairs ``selection`` would close). The objective is the concepts' weight plus the
lines' in-story value, in the share ``StoryWeights.coverage`` sets.

scipy's ``milp`` (HiGHS) solves it; the programs here (a few hundred lines, a few thousand
concepts) take well under a second. Beyond ``MAX_LINES`` open lines only the best by the
greedy value enter the program, so a huge day never makes a huge program.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

MAX_LINES = 800  # the open lines that enter the program, best first by the greedy value
TIME_LIMIT = 30.0  # seconds for HiGHS, a guard: the best plan found by then is used
# HiGHS stops when its plan is proven within this share of the best possible. Its default
# (0.01 %) spent most of a big day's second proving the last hundredth of a percent; at 0.5 %
# the 56 development clusters score the same (docs/quality.md).
GAP = 0.005


def plan(candidates: np.ndarray, lengths: np.ndarray, room: int,
         line_concepts: Sequence[Sequence[tuple[str, str]]],
         concept_weights: dict[tuple[str, str], float], covered: set[tuple[str, str]],
         gain: np.ndarray, static: np.ndarray, share: float, is_lead: np.ndarray, owner: np.ndarray,
         started: np.ndarray, repeats: Callable[[np.ndarray], list[tuple[int, int]]],
         ) -> list[int] | None:
    """The lines (indices into the line arrays) of the best plan among ``candidates`` (open
    lines whose story has started, and open lead options of stories that have not), leads
    first. None when the solver finds no plan (the caller goes on greedily).

    ``gain``: the weight of the concepts each line holds that ``covered`` does not
    (``coverage.Coverage.gain``). ``static``: each line's in-story value, 0..1.
    ``share``: the concepts' share of the objective (``StoryWeights.coverage``); both parts
    are scaled so that the best single line scores 1 on each. ``repeats(lines)``: the pairs
    among ``lines`` (positions in it) that must not both be chosen."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    lines = np.asarray(candidates)
    lines = lines[lengths[lines] <= room]
    if not len(lines):
        return []
    gains = gain[lines]
    if len(lines) > MAX_LINES:
        rough = share * gains / (gains.max() or 1.0) + (1 - share) * static[lines]
        best = np.argsort(-rough, kind="stable")[:MAX_LINES]
        lines, gains = lines[best], gains[best]
    # Sorted, so that the program is the same in every process: a line's concepts come from
    # a set, whose order follows Python's per-process string hashing, and among plans within
    # ``GAP`` of the best the solver's pick depends on the order of its columns.
    index = {c: k for k, c in enumerate(sorted(
        {c for n in lines for c in line_concepts[n] if c not in covered}))}
    n_lines, n_concepts = len(lines), len(index)
    best_gain = float(gains.max()) or 1.0
    # A line's in-story value counts per word, as its concepts do: otherwise ten short
    # lines would outweigh two long ones that say more.
    per_word = static[lines] * lengths[lines] / max(float(lengths[lines].mean()), 1.0)
    cost = -np.concatenate([(1 - share) * per_word / (per_word.max() or 1.0),
                            share * np.array([concept_weights[c] for c in index]) / best_gain])
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lower: list[float] = []
    upper: list[float] = []

    def constraint(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(lower)
        for col, value in entries:
            rows.append(r)
            cols.append(col)
            vals.append(value)
        lower.append(lo)
        upper.append(hi)

    constraint([(j, float(lengths[n])) for j, n in enumerate(lines)], 0.0, float(room))
    holders: dict[int, list[int]] = {}
    for j, n in enumerate(lines):
        for c in line_concepts[n]:
            if c in index:
                holders.setdefault(index[c], []).append(j)
    for k, held_by in sorted(holders.items()):  # a concept counts only when a chosen line holds it
        constraint([(n_lines + k, 1.0), *((j, -1.0) for j in held_by)], -np.inf, 0.0)
    leads_of: dict[int, list[int]] = {}
    for j, n in enumerate(lines):
        if is_lead[n]:
            leads_of.setdefault(int(owner[n]), []).append(j)
    for options in leads_of.values():  # one lead per story
        constraint([(j, 1.0) for j in options], 0.0, 1.0)
    for j, n in enumerate(lines):  # a fact only under its story's lead
        if not is_lead[n] and not started[owner[n]]:
            options = leads_of.get(int(owner[n]), [])
            constraint([(j, 1.0), *((i, -1.0) for i in options)], -np.inf, 0.0)
    for a, b in repeats(lines):
        constraint([(a, 1.0), (b, 1.0)], 0.0, 1.0)
    size = n_lines + n_concepts
    matrix = coo_matrix((vals, (rows, cols)), shape=(len(lower), size)).tocsr()
    result = milp(cost, constraints=LinearConstraint(matrix, lower, upper),
                  integrality=np.ones(size), bounds=Bounds(0, 1),
                  options={"time_limit": TIME_LIMIT, "mip_rel_gap": GAP})
    if result.x is None:
        return None
    chosen = [int(lines[j]) for j in np.flatnonzero(result.x[:n_lines] > 0.5)]
    value = {int(lines[j]): -float(cost[j]) for j in range(n_lines)}
    return sorted(chosen, key=lambda n: (not is_lead[n], -value[n]))
