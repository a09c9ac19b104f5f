"""What exact selection costs on a big generic day: compose of many clusters pooled as one day,
greedy against exact (``compose.exact``), at two budgets, same process, same inputs.

    python bench/exact_cost.py [--clusters 30]

Reads the development clusters' cached analysis (``bench/clusters.py``); docs/benchmarks.md
quotes the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import clusters as C  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clusters", type=int, default=30, help="clusters pooled as one day")
    args = parser.parse_args()
    from briefing.compose.core import compose
    from briefing.compose.weights import STORY_WEIGHTS
    from briefing.config import settings_from_mapping

    articles, sentences, vectors = [], [], []
    for cluster in C.load_all()[:args.clusters]:
        analysed = C.analyse(cluster, C.default_state())
        articles += analysed.articles
        sentences += analysed.sentences
        vectors.append(analysed.vectors)
    pooled = np.vstack(vectors)
    print(f"{len(articles)} articles, {len(sentences)} sentences")
    greedy = dataclasses.replace(STORY_WEIGHTS, exact=False, wordings=1, coverage=0.6)
    for budget in (1_000, 5_000):
        settings = settings_from_mapping({"themes": [], "budget_words": budget})
        for name, weights in (("greedy", greedy), ("exact (shipped)", STORY_WEIGHTS)):
            start = time.perf_counter()
            sections, _top = compose(articles, sentences, pooled, settings, None, weights)
            lines = sum(1 + len(item.facts) for s in sections for item in s.items)
            print(f"{budget:>6} words  {name:<16} {time.perf_counter() - start:6.1f} s  "
                  f"{lines} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
