"""Summary quality on MultiLing 2011 (3 clusters x 10 news articles, 3 human references each).

Briefing in generic mode (no themes) against a lead baseline and sumy's LexRank and TextRank,
all at the same length (the references' 250 words), scored in one run with ROUGE-1, ROUGE-2
and ROUGE-L F1 (rouge-score, Porter stemming), averaged over the three references and the
clusters. Writes docs/quality.md (with theme accuracy from bench/themes.py) and prints one
table.

    python bench/quality.py [--no-write]
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
WORDS = 250
METRICS = ("rouge1", "rouge2", "rougeL")


def load_clusters(path: Path = MULTILING) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


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
                          title=doc["title"], source_name="WikiNews")
        articles.append(clean_document(raw))
    return articles


def briefing_summary(cluster: dict, embedder, store=None, weights=None) -> list[str]:
    """Briefing's own generic summary: compose with no themes under the word budget."""
    from briefing.analyse.embedder import embed_texts
    from briefing.compose.core import compose
    from briefing.compose.wording import with_context
    from briefing.config import settings_from_mapping
    from briefing.text.sentences import article_sentences

    settings = settings_from_mapping({"themes": [], "budget_words": WORDS})
    articles = cluster_articles(cluster)
    sentences = [s for a in articles for s in article_sentences(a)]
    vectors = embed_texts([with_context(s.text, s.context) for s in sentences], embedder, store)
    sections, _top = compose(articles, sentences, vectors, settings, None, weights)
    return [item.text for section in sections for item in section.items]


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

    return sumy_summary("\n\n".join(a.text for a in cluster_articles(cluster)), name)


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


def evaluate(systems: tuple[str, ...] = ("briefing", "lead", "lexrank", "textrank"),
             embedder=None, store=None, weights=None) -> dict[str, dict[str, float]]:
    from briefing.analyse.embedder import shared_embedder

    clusters = load_clusters()
    results: dict[str, dict[str, float]] = {}
    for system in systems:
        started = time.perf_counter()
        totals = dict.fromkeys(METRICS, 0.0)
        for cluster in clusters:
            if system == "briefing":
                sentences = briefing_summary(cluster, embedder or shared_embedder(), store,
                                             weights)
            elif system == "lead":
                sentences = lead_summary(cluster)
            else:
                sentences = sumy_cluster_summary(cluster, system)
            summary = truncate(sentences)
            scores = rouge(summary, list(cluster["references"].values()))
            for metric in METRICS:
                totals[metric] += scores[metric]
        results[system] = {m: v / len(clusters) for m, v in totals.items()}
        results[system]["seconds"] = time.perf_counter() - started
    return results


NAMES = {"briefing": "Briefing (generic mode)", "lead": "Lead baseline (round robin)",
         "lexrank": "sumy LexRank", "textrank": "sumy TextRank"}


def table(results: dict[str, dict[str, float]]) -> str:
    lines = ["| system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 |", "| --- | ---: | ---: | ---: |"]
    for system, r in results.items():
        lines.append(f"| {NAMES[system]} | {r['rouge1']:.4f} | {r['rouge2']:.4f} | "
                     f"{r['rougeL']:.4f} |")
    return "\n".join(lines)


def write_doc(results: dict, themes: dict | None) -> Path:
    path = REPO / "docs" / "quality.md"
    template = (REPO / "bench" / "quality_template.md").read_text(encoding="utf-8")
    theme_lines = ""
    if themes:
        rows = ["| theme | labelled | precision | recall |", "| --- | ---: | ---: | ---: |"]
        rows += [f"| {k} | {v['gold']} | {v['precision']:.2f} | {v['recall']:.2f} |"
                 for k, v in themes["per_theme"].items()]
        by_source = ", ".join(f"{k} {v['accuracy']:.3f} (n={v['n']})"
                              for k, v in themes["by_source"].items())
        theme_lines = (f"Accuracy **{themes['accuracy']:.3f}** on {themes['n']} labelled "
                       f"sentences ({by_source}).\n\n" + "\n".join(rows))
    text = template.format(
        table=table(results),
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    results = evaluate()
    print(table(results))
    from bench.themes import evaluate as evaluate_themes
    from briefing.config import load_settings

    themes = evaluate_themes(load_settings(REPO / "config.yaml"))
    print(f"theme accuracy {themes['accuracy']:.3f} on {themes['n']} labelled sentences")
    if not args.no_write:
        print(f"wrote {write_doc(results, themes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
