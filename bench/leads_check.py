"""How Briefing's lines open, on the development clusters, as an editor would check them.

Composes every duc_dev cluster with the shipped weights and flags each item's lead (and,
with ``--facts``, each supporting fact) that opens on something the reader has not been
given: a pronoun or a connective leaning on a sentence before (``wording.is_dangling``), a
main subject the line does not introduce or a time that cannot be dated, by a parse
(``standalone.first_line_problem``), a dateline (``wire.strip_dateline`` would change it)
or a feature's hook (``grouping.opens_with_a_hook``). Prints the counts and every flagged line.

    python bench/leads_check.py [--facts] [--corpora duc_dev]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import clusters as C  # noqa: E402
from bench import quality as Q  # noqa: E402


def flags(text: str) -> list[str]:
    from briefing.compose.grouping import opens_with_a_hook
    from briefing.compose.wording import is_dangling
    from briefing.text.standalone import first_line_problem
    from briefing.text.wire import strip_dateline

    found = []
    if is_dangling(text):
        found.append("leans back")
    if problem := first_line_problem(text):
        found.append("undated" if "cannot be dated" in problem else "unintroduced")
    if strip_dateline(text, first=True) != text:
        found.append("dateline")
    if opens_with_a_hook(text):
        found.append("hook")
    return found


FLAGS = ("leans back", "unintroduced", "undated", "dateline", "hook")


def check(items: list[dict], analysed: dict, weights=None, facts: bool = False
          ) -> tuple[int, dict[str, int], list[str]]:
    """Every item's lead (and, with ``facts``, each supporting fact) of the clusters, composed
    with ``weights``: how many lines, the count per flag, and each flagged line."""
    counts = dict.fromkeys(FLAGS, 0)
    flagged: list[str] = []
    lines = 0
    for cluster in items:
        for section in Q.compose_cluster(cluster, analysed[cluster["cluster_id"]], weights):
            for item in section.items:
                for text in [item.text] + ([f.text for f in item.facts] if facts else []):
                    lines += 1
                    for flag in flags(text):
                        counts[flag] += 1
                        flagged.append(f"{cluster['cluster_id']} [{flag}] {text}")
    return lines, counts, flagged


def table(items: list[dict], analysed: dict) -> str:
    """The leads' flags with the parse check off and on (as shipped), for docs/quality.md."""
    import dataclasses

    from briefing.compose.weights import STORY_WEIGHTS

    rows = ["| leads composed | " + " | ".join(FLAGS) + " |",
            "| --- |" + " ---: |" * len(FLAGS)]
    for name, weights in (("without the parse check", dataclasses.replace(
            STORY_WEIGHTS, lead_introduced=False)), ("as shipped", STORY_WEIGHTS)):
        lines, counts, _ = check(items, analysed, weights)
        rows.append(f"| {name}: {lines} | " + " | ".join(str(counts[f]) for f in FLAGS) + " |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="duc_dev")
    parser.add_argument("--facts", action="store_true", help="check supporting facts too")
    parser.add_argument("--state", type=Path, default=C.default_state())
    parser.add_argument("--unchecked", action="store_true",
                        help="compose without the lead check (weights.lead_introduced off)")
    args = parser.parse_args()
    weights = None
    if args.unchecked:
        import dataclasses

        from briefing.compose.weights import STORY_WEIGHTS

        weights = dataclasses.replace(STORY_WEIGHTS, lead_introduced=False)
    items = C.load_all(tuple(args.corpora.split(",")))
    analysed = {c["cluster_id"]: C.analyse(c, args.state) for c in items}
    lines, counts, flagged = check(items, analysed, weights, args.facts)
    print("\n".join(flagged))
    print(f"{lines} lines checked; flagged: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
