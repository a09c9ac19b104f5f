"""Key figures and the timeline, printed per cluster, to be read as an editor would.

Runs the real pipeline (``Pipeline.build``: compose, summarize, then the extras) on each
duc_tac cluster (see ../shared/eval/duc_tac: generic mode, no themes, the cluster's own word
budget) and on the seeds (the project's config), and prints each cluster's key figures (with
the values and sources of a figure the sources disagree on) and its timeline. Nothing is
scored and nothing is written: the eval text is read at run time only, never copied into the
repository.

Embeddings are cached in a Store under ``--state`` (default ``$TMPDIR/briefing-extras``), so
reruns embed nothing.

    python bench/extras_check.py [--clusters D0640D,seeds] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.clusters import cluster_articles, cluster_words, load_corpus  # noqa: E402

SEEDS = REPO / "seeds"
# A fixed "now" so that reruns print the same briefing.
NOW = datetime(2026, 1, 1, 7, 0, tzinfo=UTC)


def seed_articles():
    from briefing.records import RawDocument
    from briefing.text.clean import clean_document

    return [clean_document(RawDocument(origin=p.name, content=p.read_bytes(),
                                       path=f"seeds/{p.name}"))
            for p in sorted(SEEDS.glob("*.txt"))]


def build(articles, mapping: dict, state: Path, base_dir: Path | None = None):
    """The briefing the pipeline builds of these articles (nothing rendered)."""
    from briefing.config import load_settings, settings_from_mapping
    from briefing.pipeline import Pipeline

    if base_dir is not None:
        settings = load_settings(base_dir / "config.yaml")
        settings = settings.model_copy(update={"state_dir": state})
    else:
        settings = settings_from_mapping({**mapping, "state_dir": str(state)})
    with Pipeline(settings) as pipeline:
        return pipeline.build(articles, NOW)


def report(name: str, briefing) -> str:
    """The key figures and timeline of one briefing as plain lines."""
    names = {a.id: a.source for a in briefing.articles}
    wrap = textwrap.TextWrapper(width=100, initial_indent="      ", subsequent_indent="      ")
    lines = [f"=== {name}: {len(briefing.key_figures)} key figures, "
             f"{len(briefing.timeline)} timeline events"]
    lines.append("  KEY FIGURES")
    for fig in briefing.key_figures:
        lines.append(f"  - {fig['figure']}  [{len(fig['sources'])} article(s)]")
        for value in fig.get("values") or []:
            who = ", ".join(sorted({names.get(a, a) for a in value["sources"]}))
            lines.append(f"      value {value['value']}: {who}")
        lines.extend(wrap.wrap(fig.get("context") or fig["text"]))
    lines.append("  TIMELINE")
    for event in briefing.timeline:
        lines.append(f"  - {event['date_label']}: [{len(event['sources'])} article(s)]")
        lines.extend(wrap.wrap(event.get("event") or event["text"]))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clusters", default="",
                        help="comma-separated cluster id parts (and/or 'seeds'); default all")
    parser.add_argument("--json", action="store_true", help="print the raw entries as JSON")
    parser.add_argument("--state", type=Path,
                        default=Path(os.environ.get("BRIEFING_BENCH_STATE")
                                     or Path(tempfile.gettempdir()) / "briefing-extras"),
                        help="folder for the embedding cache")
    args = parser.parse_args()
    wanted = [w for w in args.clusters.split(",") if w]
    args.state.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[str, object]] = []
    for cluster in load_corpus("duc_tac"):
        if wanted and not any(w in cluster["cluster_id"] for w in wanted):
            continue
        mapping = {"themes": [], "budget_words": cluster_words(cluster)}
        runs.append((f"{cluster['cluster_id']} ({cluster['topic']})",
                     build(cluster_articles(cluster), mapping, args.state)))
    if not wanted or "seeds" in wanted:
        runs.append(("seeds", build(seed_articles(), {}, args.state, base_dir=REPO)))
    for name, briefing in runs:
        if args.json:
            print(json.dumps({"cluster": name, "key_figures": briefing.key_figures,
                              "timeline": briefing.timeline}, indent=1, ensure_ascii=False))
        else:
            print(report(name, briefing) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
