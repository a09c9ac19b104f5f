"""Each composition rule's out-of-fold worth: the rule on or off, chosen per fold on the others.

For every rule that a ``StoryWeights`` field switches, all 56 clusters are composed with the
shipped weights and with the rule off. Per fold, the rule stays on only if it scores better on
the other folds' clusters; its out-of-fold gain is the mean ROUGE-2 of those per-fold choices
minus the mean with the rule off everywhere. A rule whose gain is not above zero goes (issue
25); ``docs/quality.md`` lists the figures.

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

# Rule name -> the StoryWeights fields that turn it off.
OFF = {
    "relative days dated (resolve_days)": {"resolve_days": False},
    "facts held to a standalone floor (fact_min_quality)": {"fact_min_quality": -1.0},
    "a line whose words a chosen line says is a repeat (word_overlap)": {"word_overlap": 9.0},
    "a fact its item's lines already say is a repeat (item_overlap)": {"item_overlap": 9.0},
    "two shared particulars make a repeat (shared_details)": {"shared_details": 99},
    "a lead states the story's common figure (lead_figures)": {"lead_figures": 0.0},
    "the latest report leads (lead_recency_margin)": {"lead_recency_margin": 0.0},
    "any clean fact may lead its story (free_leads)": {"free_leads": False},
    "quotes count less (quote)": {"quote": 0.0},
}


def gains(items: list[dict], analysed: dict, progress=print) -> list[dict]:
    from briefing.compose.weights import STORY_WEIGHTS

    fold_of = C.folds(items)
    ids = [c["cluster_id"] for c in items]

    def run(weights) -> np.ndarray:
        return np.array([Q.score_briefing(c, analysed[c["cluster_id"]], weights)["rouge2"]
                         for c in items])

    on = run(STORY_WEIGHTS)
    progress(f"shipped weights: mean ROUGE-2 {on.mean():.4f}")
    rows = []
    for rule, off_fields in OFF.items():
        off = run(dataclasses.replace(STORY_WEIGHTS, **off_fields))
        chosen = np.empty_like(on)
        kept = 0
        for f in range(max(fold_of) + 1):
            inside = np.array([g == f for g in fold_of])
            keep = on[~inside].mean() > off[~inside].mean()
            kept += keep
            chosen[inside] = (on if keep else off)[inside]
        rows.append({"rule": rule, "on": float(on.mean()), "off": float(off.mean()),
                     "oof_gain": float(chosen.mean() - off.mean()), "folds_kept": int(kept),
                     "clusters_changed": int((np.abs(on - off) > 1e-9).sum()), "n": len(ids)})
        progress(f"{rule}: on {on.mean():.4f} off {off.mean():.4f} "
                 f"out-of-fold gain {rows[-1]['oof_gain']:+.4f}, kept in {kept} folds")
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| rule | ROUGE-2 on | off | out-of-fold gain | folds keeping it | clusters "
             "changed |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['rule']} | {r['on']:.4f} | {r['off']:.4f} | {r['oof_gain']:+.4f} | "
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
