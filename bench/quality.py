"""Summary quality on MultiLing 2011 (3 clusters x 10 news articles, 3 human references each)
and on duc_tac (5 DUC/TAC newswire clusters, 4 references each, see ../shared/eval/duc_tac).

Briefing in generic mode (no themes) against a lead baseline and sumy's LexRank and TextRank,
all at the same length (the references' length: 250 words on MultiLing, each duc_tac
cluster's ``budget_words``), scored in one run with ROUGE-1, ROUGE-2 and ROUGE-L F1
(rouge-score, Porter stemming), averaged over the references and the clusters. Prints one
table per corpus (duc_tac per cluster and mean) and writes docs/quality.md (with theme
accuracy from bench/themes.py).

Embeddings are cached in a Store under the state directory (``--state``, default
``$TMPDIR/briefing-quality``), so reruns embed nothing.

    python bench/quality.py [--no-write] [--systems briefing,lead] [--corpora duc_tac]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MULTILING = REPO.parent / "shared" / "eval" / "multiling2011" / "multiling2011_clusters.jsonl"
DUC_TAC = REPO.parent / "shared" / "eval" / "duc_tac" / "clusters.jsonl"
CORPORA = {"multiling2011": MULTILING, "duc_tac": DUC_TAC}
SYSTEMS = ("briefing", "lead", "lexrank", "textrank")
WORDS = 250
METRICS = ("rouge1", "rouge2", "rougeL")


def load_clusters(path: Path = MULTILING) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def cluster_words(cluster: dict) -> int:
    """The cluster's length budget: its own ``budget_words`` (duc_tac), else 250 words."""
    return int(cluster.get("budget_words") or WORDS)


def truncate(sentences: list[str], words: int = WORDS) -> str:
    """The first ``words`` words of the sentences, as ROUGE evaluations at a length do."""
    out: list[str] = []
    for sentence in sentences:
        out.extend(sentence.split())
        if len(out) >= words:
            break
    return " ".join(out[:words])


# --- systems ---------------------------------------------------------------------------------


def cluster_articles(cluster: dict):
    from briefing.records import RawDocument
    from briefing.text.clean import clean_document

    articles = []
    for doc in cluster["documents"]:
        raw = RawDocument(origin=doc["doc_id"], content=doc["text"].encode("utf-8"),
                          title=doc["title"], source_name=doc.get("source") or "WikiNews",
                          published=doc.get("published"))
        articles.append(clean_document(raw))
    return articles


def briefing_summary(cluster: dict, embedder, store=None, weights=None) -> list[str]:
    """Briefing's own generic summary: compose with no themes under the word budget."""
    from briefing.analyse.embedder import embed_texts
    from briefing.compose.core import compose
    from briefing.compose.wording import with_context
    from briefing.config import settings_from_mapping
    from briefing.text.sentences import article_sentences

    settings = settings_from_mapping({"themes": [], "budget_words": cluster_words(cluster)})
    articles = cluster_articles(cluster)
    sentences = [s for a in articles for s in article_sentences(a)]
    vectors = embed_texts([with_context(s.text, s.context) for s in sentences], embedder, store)
    sections, _top = compose(articles, sentences, vectors, settings, None, weights)
    # A story reads as its lead, then its supporting facts.
    return [text for section in sections for item in section.items
            for text in [item.text, *(f.text for f in getattr(item, "facts", []))]]


def lead_summary(cluster: dict) -> list[str]:
    """Lead baseline, round robin: each article's first sentence, then each one's second…"""
    from briefing.text.sentences import article_sentences

    per_article = [[s.text for s in article_sentences(a)] for a in cluster_articles(cluster)]
    out = []
    for rank in range(max(len(s) for s in per_article)):
        out += [s[rank] for s in per_article if rank < len(s)]
    return out


def sumy_cluster_summary(cluster: dict, name: str) -> list[str]:
    """sumy's LexRank or TextRank over the cleaned, concatenated articles; plenty of
    sentences are asked for, in sumy's order, and cut at the word limit."""
    from bench.baselines import sumy_summary

    return sumy_summary("\n\n".join(a.text for a in cluster_articles(cluster)), name,
                        cluster_words(cluster))


# --- scoring ---------------------------------------------------------------------------------


def rouge(summary: str, references: list[str]) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    for reference in references:
        scores = scorer.score(reference, summary)
        for metric in METRICS:
            totals[metric] += scores[metric].fmeasure
    return {m: v / len(references) for m, v in totals.items()}


def summarise(system: str, cluster: dict, embedder=None, store=None, weights=None) -> str:
    """One system's summary of one cluster, cut at the cluster's length."""
    from briefing.analyse.embedder import shared_embedder

    if system == "briefing":
        sentences = briefing_summary(cluster, embedder or shared_embedder(), store, weights)
    elif system == "lead":
        sentences = lead_summary(cluster)
    else:
        sentences = sumy_cluster_summary(cluster, system)
    return truncate(sentences, cluster_words(cluster))


def evaluate_clusters(clusters: list[dict], systems: tuple[str, ...] = SYSTEMS,
                      embedder=None, store=None, weights=None
                      ) -> dict[str, dict[str, dict[str, float]]]:
    """Scores per system and cluster id, plus ``"mean"`` over the clusters (with the
    system's ``seconds``)."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    for system in systems:
        started = time.perf_counter()
        per: dict[str, dict[str, float]] = {}
        for cluster in clusters:
            summary = summarise(system, cluster, embedder, store, weights)
            per[cluster["cluster_id"]] = rouge(summary, list(cluster["references"].values()))
        mean = {m: sum(p[m] for p in per.values()) / len(per) for m in METRICS}
        mean["seconds"] = time.perf_counter() - started
        results[system] = {**per, "mean": mean}
    return results


def evaluate(systems: tuple[str, ...] = SYSTEMS, embedder=None, store=None, weights=None,
             corpus: str = "multiling2011") -> dict[str, dict[str, float]]:
    """Mean scores per system on one corpus (MultiLing 2011 unless told)."""
    per = evaluate_clusters(load_clusters(CORPORA[corpus]), systems, embedder, store, weights)
    return {system: r["mean"] for system, r in per.items()}


NAMES = {"briefing": "Briefing (generic mode)", "lead": "Lead baseline (round robin)",
         "lexrank": "sumy LexRank", "textrank": "sumy TextRank"}


def table(results: dict[str, dict[str, float]]) -> str:
    lines = ["| system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 |", "| --- | ---: | ---: | ---: |"]
    for system, r in results.items():
        lines.append(f"| {NAMES[system]} | {r['rouge1']:.4f} | {r['rouge2']:.4f} | "
                     f"{r['rougeL']:.4f} |")
    return "\n".join(lines)


def cluster_table(results: dict[str, dict[str, dict[str, float]]],
                  metric: str = "rouge2") -> str:
    """One row per cluster (and the mean), one column per system, for one metric."""
    systems = list(results)
    clusters = list(next(iter(results.values())))
    lines = ["| cluster | " + " | ".join(NAMES[s] for s in systems) + " |",
             "| --- |" + " ---: |" * len(systems)]
    for cluster in clusters:
        cells = [f"{results[s][cluster][metric]:.4f}" for s in systems]
        name = "**mean**" if cluster == "mean" else cluster
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def corpus_report(name: str, results: dict[str, dict[str, dict[str, float]]]) -> str:
    """The printed (and documented) tables of one corpus: means of all metrics, and per
    cluster ROUGE-2 where the corpus has several clusters worth reading one by one."""
    text = f"### {name}\n\n" + table({s: r["mean"] for s, r in results.items()})
    if name == "duc_tac":
        text += "\n\nROUGE-2 F1 per cluster:\n\n" + cluster_table(results)
    return text


def write_doc(results: dict, themes: dict | None, duc_tac: str = "") -> Path:
    path = REPO / "docs" / "quality.md"
    template = (REPO / "bench" / "quality_template.md").read_text(encoding="utf-8")
    theme_lines = ""
    if themes:
        rows = ["| theme | labelled | precision | recall |", "| --- | ---: | ---: | ---: |"]
        rows += [f"| {k} | {v['gold']} | {v['precision']:.2f} | {v['recall']:.2f} |"
                 for k, v in themes["per_theme"].items()]
        by_source = ", ".join(f"{k} {v['accuracy']:.3f} (n={v['n']})"
                              for k, v in themes["by_source"].items())
        floor = json.loads((REPO / "tests" / "eval_baseline.json").read_text())["theme_accuracy"]
        theme_lines = (f"Accuracy **{themes['accuracy']:.3f}** on {themes['n']} labelled "
                       f"sentences ({by_source}); pinned floor {floor:.2f} "
                       "(`tests/eval_baseline.json`).\n\n" + "\n".join(rows))
    text = template.format(
        table=table(results),
        duc_tac=duc_tac or "(not measured in this run)",
        themes=theme_lines or "(not measured in this run)",
        machine=f"{platform.machine()}, {platform.python_version()}, "
                f"{_cpu_count()} cores",
        date=time.strftime("%Y-%m-%d"),
    )
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 0


def open_store(state: Path):
    """A Store in the bench's state directory: it caches the sentence embeddings."""
    from briefing.store import Store

    state.mkdir(parents=True, exist_ok=True)
    return Store(state / "quality.sqlite")


def main() -> int:
    import os
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help="comma-separated subset of " + ", ".join(SYSTEMS))
    parser.add_argument("--corpora", default=",".join(CORPORA),
                        help="comma-separated subset of " + ", ".join(CORPORA))
    parser.add_argument("--state", type=Path,
                        default=Path(os.environ.get("BRIEFING_BENCH_STATE")
                                     or Path(tempfile.gettempdir()) / "briefing-quality"),
                        help="folder for the embedding cache")
    parser.add_argument("--no-themes", action="store_true", help="skip theme accuracy")
    args = parser.parse_args()
    systems = tuple(s for s in args.systems.split(",") if s)
    corpora = [c for c in args.corpora.split(",") if c]
    unknown = [s for s in systems if s not in SYSTEMS] + [c for c in corpora if c not in CORPORA]
    if unknown:
        parser.error(f"unknown system or corpus: {', '.join(unknown)}")
    store = open_store(args.state)
    reports: dict[str, str] = {}
    means: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for corpus in corpora:
            per = evaluate_clusters(load_clusters(CORPORA[corpus]), systems, store=store)
            means[corpus] = {s: r["mean"] for s, r in per.items()}
            reports[corpus] = corpus_report(corpus, per)
            print(reports[corpus] + "\n")
    finally:
        store.close()
    themes = None
    if not args.no_themes:
        from bench.themes import evaluate as evaluate_themes
        from briefing.config import load_settings

        themes = evaluate_themes(load_settings(REPO / "config.yaml"))
        print(f"theme accuracy {themes['accuracy']:.3f} on {themes['n']} labelled sentences")
    complete = set(corpora) == set(CORPORA) and set(systems) == set(SYSTEMS)
    if not args.no_write and complete:
        duc = reports["duc_tac"].split("\n", 2)[2]
        print(f"wrote {write_doc(means['multiling2011'], themes, duc)}")
    elif not args.no_write:
        print("docs/quality.md not written: it needs every system on every corpus")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
