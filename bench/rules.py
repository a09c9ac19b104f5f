"""Each composition rule's out-of-fold worth: the rule on or off, chosen per fold on the others.

For every rule that a ``StoryWeights`` field switches, all 56 clusters are composed with the
rule on and with it off, everything else as shipped. Per fold, the rule is on only if it scores
better on the other folds' clusters; its out-of-fold gain is the mean ROUGE-2 of those per-fold
choices minus the mean with the rule off everywhere. A rule whose gain is not above zero is off
or gone (issue 25); ``docs/quality.md`` lists the figures.

    python bench/rules.py [--state DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import clusters as C  # noqa: E402
from bench import quality as Q  # noqa: E402

# Rule name -> the StoryWeights fields that turn it on, and those that turn it off.
RULES = {
    "facts held to a standalone floor (fact_min_quality)":
        ({"fact_min_quality": -0.35}, {"fact_min_quality": -1.0}),
    "a line whose words a chosen line says is a repeat (word_overlap)":
        ({"word_overlap": 0.6}, {"word_overlap": 9.0}),
    "relative days dated from the article (resolve_days)":
        ({"resolve_days": True}, {"resolve_days": False}),
    "quotes count less (quote)": ({"quote": 0.3}, {"quote": 0.0}),
    "a lead says who its subject is and when, by a parse (lead_introduced)":
        ({"lead_introduced": True}, {"lead_introduced": False}),
    "each line's MMR penalty for closeness to chosen lines (mmr)": ({"mmr": 0.6}, {"mmr": 0.0}),
    "the rest of the budget chosen as one integer program (exact)":
        ({"exact": True}, {"exact": False}),
    "other outlets' wordings of a fact compete as its line (wordings)":
        ({"wordings": 3}, {"wordings": 1}),
}


def gains(items: list[dict], analysed: dict, progress=print) -> list[dict]:
    from briefing.compose.weights import STORY_WEIGHTS

    fold_of = C.folds(items)
    shipped = dataclasses.asdict(STORY_WEIGHTS)
    cache: dict[str, np.ndarray] = {}

    def run(fields: dict) -> np.ndarray:
        weights = dataclasses.replace(STORY_WEIGHTS, **fields)
        key = repr(sorted(dataclasses.asdict(weights).items()))
        if key not in cache:
            cache[key] = np.array([Q.score_briefing(c, analysed[c["cluster_id"]],
                                                    weights)["rouge2"] for c in items])
        return cache[key]

    progress(f"shipped weights: mean ROUGE-2 {run({}).mean():.4f}")
    rows = []
    for rule, (on_fields, off_fields) in RULES.items():
        on, off = run(on_fields), run(off_fields)
        chosen = np.empty_like(on)
        kept = 0
        for f in range(max(fold_of) + 1):
            inside = np.array([g == f for g in fold_of])
            keep = on[~inside].mean() > off[~inside].mean()
            kept += keep
            chosen[inside] = (on if keep else off)[inside]
        state = "on" if all(shipped[k] == v for k, v in on_fields.items()) else "off"
        rows.append({"rule": rule, "shipped": state, "on": float(on.mean()),
                     "off": float(off.mean()), "oof_gain": float(chosen.mean() - off.mean()),
                     "folds_kept": int(kept), "n": len(items),
                     "clusters_changed": int((np.abs(on - off) > 1e-9).sum())})
        progress(f"{rule}: on {on.mean():.4f} off {off.mean():.4f} "
                 f"out-of-fold gain {rows[-1]['oof_gain']:+.4f}, kept in {kept} folds")
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| rule | shipped | ROUGE-2 on | off | out-of-fold gain | folds keeping it | "
             "clusters changed |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['rule']} | {r['shipped']} | {r['on']:.4f} | {r['off']:.4f} | "
              f"{r['oof_gain']:+.4f} | "
              f"{r['folds_kept']}/8 | {r['clusters_changed']}/{r['n']} |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", type=Path, default=C.default_state())
    args = parser.parse_args()
    items = C.load_all()
    analysed = {c["cluster_id"]: C.analyse(c, args.state) for c in items}
    print(table(gains(items, analysed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
