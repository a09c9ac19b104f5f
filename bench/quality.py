"""Summary quality, out of fold, on 56 news clusters nobody on this project wrote.

Corpora (``bench/clusters.py``): duc_dev (48 DUC 2006/2007 clusters), duc_tac (5) and
MultiLing 2011 (3), each cluster with three or four human reference summaries. Every system
writes the references' length (each cluster's ``budget_words``, else 250 words), cut at the
last word, and is scored with ROUGE-1, ROUGE-2 and ROUGE-L F1 (rouge-score, Porter stemming),
averaged over the references.

Systems: Briefing in generic mode (no themes) with every weight chosen by cross-validation
(``bench/crossval.py``: chosen on seven folds, scored on the eighth), and four anchors that
need no choosing: concept coverage (``bench/concept_coverage.py``), the lead baseline (round
robin) and sumy's LexRank and TextRank.

Analysis is cached per cluster and the anchors' scores per cluster, both under ``--state``
(default ``$TMPDIR/briefing-quality``), so a rerun composes only.

    python bench/quality.py [--no-write] [--corpora duc_dev,duc_tac] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import clusters as C  # noqa: E402
from bench import crossval  # noqa: E402

ANCHORS = ("concepts", "lead", "lexrank", "textrank")
SYSTEMS = ("briefing", *ANCHORS)
METRICS = ("rouge1", "rouge2", "rougeL")
ANCHOR_VERSION = "1"  # raise when anchor_lines or rouge change: the anchors' cache key
NAMES = {"briefing": "Briefing (generic mode, out of fold)",
         "concepts": "Concept coverage (Gillick & Favre)",
         "lead": "Lead baseline (round robin)", "lexrank": "sumy LexRank",
         "textrank": "sumy TextRank"}
# The settings cross-validation chooses among (StoryWeights fields). Small on purpose: each
# costs one compose of all 56 clusters.
# The composition before concept coverage, then coverage with the weights a grid tries.
GREEDY = {"exact": False, "wordings": 1, "generic_redundancy": 0.70}
BEFORE = {**GREEDY, "coverage": 0.0, "mmr": 0.6, "quote": 0.3, "resolve_days": True}
COVERAGE = [{**GREEDY, "coverage": c, "length_power": p, "mmr": 0.0}
            for c in (0.5, 0.6) for p in (0.5, 0.7)]
# Other outlets' wordings of a fact as its possible lines, greedy; then exact selection
# (compose.exact) with them, at two shares of concepts in the objective and two repeat
# cutoffs (the vectors' closeness at which a line repeats a chosen one).
WORDINGS = [{**GREEDY, "coverage": 0.6, "length_power": 0.5, "mmr": 0.0, "wordings": 3}]
EXACT = [{"exact": True, "wordings": 3, "mmr": 0.0, "coverage": c, "generic_redundancy": r}
         for c in (0.4, 0.5) for r in (0.70, 0.65)]
# The in-story score's weights (ranking.score_facts, leads.choose_lead), each moved alone from
# its value. Few on purpose: with the settings this close, every one added is one more chance
# for a fold to choose noise (a 16-setting grid of such moves scored 0.0972 out of fold).
STATIC = [{**GREEDY, "coverage": 0.6, "length_power": 0.5, "mmr": 0.0, **change}
          for change in ({"support": 1.5}, {"core": 1.5}, {"centrality": 0.5},
                         {"lead_corroboration": 1.0})]
GRID = [BEFORE, *COVERAGE, *WORDINGS, *EXACT, *STATIC]
QUICK_GRID = [BEFORE, EXACT[0]]


def rouge(summary: str, references: list[str]) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    for reference in references:
        scores = scorer.score(reference, summary)
        for metric in METRICS:
            totals[metric] += scores[metric].fmeasure
    return {m: v / len(references) for m, v in totals.items()}


# --- systems ---------------------------------------------------------------------------------


def compose_cluster(cluster: dict, analysed: C.Analysed, weights=None, words: int = 0):
    """Briefing's generic composition of a cluster: no themes, the cluster's word budget
    (or ``words``). Returns the sections."""
    from briefing.compose.core import compose
    from briefing.config import settings_from_mapping

    settings = settings_from_mapping({"themes": [],
                                      "budget_words": words or C.cluster_words(cluster)})
    sections, _top = compose(analysed.articles, analysed.sentences, analysed.vectors, settings,
                             None, weights)
    return sections


def briefing_lines(cluster: dict, analysed: C.Analysed, weights=None) -> list[str]:
    """Briefing's generic summary: a story reads as its lead, then its supporting facts."""
    return [text for section in compose_cluster(cluster, analysed, weights)
            for item in section.items
            for text in [item.text, *(f.text for f in getattr(item, "facts", []))]]


def per_article(analysed: C.Analysed) -> list[list[str]]:
    out: dict[str, list[str]] = {}
    for s in analysed.sentences:
        out.setdefault(s.article_id, []).append(s.text)
    return list(out.values())


def anchor_lines(system: str, cluster: dict, analysed: C.Analysed) -> list[str]:
    words = C.cluster_words(cluster)
    if system == "lead":  # each article's first sentence, then each one's second …
        articles = per_article(analysed)
        return [a[rank] for rank in range(max(map(len, articles))) for a in articles
                if rank < len(a)]
    if system == "concepts":
        from bench.concept_coverage import summary

        return summary(per_article(analysed), words)
    from bench.baselines import sumy_summary

    return sumy_summary("\n\n".join(a.text for a in analysed.articles), system, words)


def score_briefing(cluster: dict, analysed: C.Analysed, weights) -> dict[str, float]:
    lines = briefing_lines(cluster, analysed, weights)
    return rouge(C.truncate(lines, C.cluster_words(cluster)), C.references(cluster))


def anchor_scores(items: list[dict], analysed: dict[str, C.Analysed], state: Path
                  ) -> dict[str, dict[str, dict[str, float]]]:
    """Each anchor's scores per cluster, cached by the cluster's sentences and the anchors'
    code (``ANCHOR_VERSION`` stands for the lines of this file that make them)."""
    code = hashlib.sha1(ANCHOR_VERSION.encode() + b"".join(
        (REPO / "bench" / f).read_bytes() for f in ("concept_coverage.py", "baselines.py")))
    path = state / f"anchors-{code.hexdigest()[:10]}.json"
    cache = json.loads(path.read_text()) if path.exists() else {}
    out: dict[str, dict[str, dict[str, float]]] = {s: {} for s in ANCHORS}
    for cluster in items:
        cid = cluster["cluster_id"]
        key = hashlib.sha1("\n".join(s.text for s in analysed[cid].sentences).encode()
                           ).hexdigest()[:10]
        for system in ANCHORS:
            entry = cache.get(f"{system}/{cid}/{key}")
            if entry is None:
                lines = anchor_lines(system, cluster, analysed[cid])
                entry = rouge(C.truncate(lines, C.cluster_words(cluster)),
                              C.references(cluster))
                cache[f"{system}/{cid}/{key}"] = entry
            out[system][cid] = entry
    path.write_text(json.dumps(cache))
    return out


# --- report ----------------------------------------------------------------------------------


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def corpus_table(items: list[dict], scores: dict[str, dict[str, dict[str, float]]]) -> str:
    """Means per corpus and kind (duc_dev's event and question clusters) and over all."""
    groups: dict[str, list[str]] = {}
    for c in items:
        groups.setdefault(c["corpus"], []).append(c["cluster_id"])
        if c.get("kind"):
            groups.setdefault(f"{c['corpus']} ({c['kind']})", []).append(c["cluster_id"])
    groups[f"all {len(items)} clusters"] = [c["cluster_id"] for c in items]
    systems = list(scores)
    lines = ["| clusters | n | " + " | ".join(NAMES[s] for s in systems) + " |",
             "| --- | ---: |" + " ---: |" * len(systems)]
    for name, ids in groups.items():
        cells = []
        best = max(mean(scores[s][i]["rouge2"] for i in ids) for s in systems)
        for s in systems:
            value = mean(scores[s][i]["rouge2"] for i in ids)
            cells.append(f"**{value:.4f}**" if value == best else f"{value:.4f}")
        lines.append(f"| {name} | {len(ids)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metrics_table(scores: dict[str, dict[str, dict[str, float]]]) -> str:
    lines = ["| system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 |", "| --- | ---: | ---: | ---: |"]
    for s, per in scores.items():
        cells = [f"{mean(p[m] for p in per.values()):.4f}" for m in METRICS]
        lines.append(f"| {NAMES[s]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cluster_table(items: list[dict], scores: dict[str, dict[str, dict[str, float]]],
                  fold_of: dict[str, int]) -> str:
    systems = list(scores)
    lines = ["| cluster | fold | " + " | ".join(NAMES[s].split(" (")[0] for s in systems)
             + " |", "| --- | ---: |" + " ---: |" * len(systems)]
    for c in items:
        i = c["cluster_id"]
        lines.append(f"| {i} | {fold_of[i]} | "
                     + " | ".join(f"{scores[s][i]['rouge2']:.4f}" for s in systems) + " |")
    return "\n".join(lines)


def wins(items: list[dict], scores: dict[str, dict[str, dict[str, float]]]) -> dict:
    """On how many clusters Briefing beats the best anchor, and every anchor."""
    ids = [c["cluster_id"] for c in items]
    anchors = [s for s in scores if s != "briefing"]
    mine = {i: scores["briefing"][i]["rouge2"] for i in ids}
    best_anchor = max(anchors, key=lambda s: mean(scores[s][i]["rouge2"] for i in ids))
    return {"best_anchor": best_anchor,
            "over_best": sum(mine[i] > scores[best_anchor][i]["rouge2"] for i in ids),
            "over_each": sum(all(mine[i] > scores[s][i]["rouge2"] for s in anchors)
                             for i in ids),
            "n": len(ids),
            "ratio": mean(mine.values()) / mean(scores[best_anchor][i]["rouge2"]
                                                 for i in ids)}


def evaluate(corpora: tuple[str, ...] = tuple(C.CORPORA), state: Path | None = None,
             settings: list[dict] | None = None, progress=print) -> dict:
    """Out-of-fold Briefing and the anchors over the corpora's clusters."""
    state = state or C.default_state()
    items = C.load_all(corpora)
    started = time.perf_counter()
    analysed = {c["cluster_id"]: C.analyse(c, state) for c in items}
    progress(f"{len(items)} clusters analysed in {time.perf_counter() - started:.0f} s")
    result = crossval.crossval(items, analysed, settings or GRID, score_briefing,
                               progress=progress)
    scores = {"briefing": result["oof"], **anchor_scores(items, analysed, state)}
    return {"items": items, "scores": scores, "cv": result, "analysed": analysed}


def report(run: dict) -> str:
    items, scores, cv = run["items"], run["scores"], run["cv"]
    w = wins(items, scores)
    folds = "\n".join(f"| {f} | {sum(1 for g in cv['fold_of'].values() if g == f)} | "
                      f"{', '.join(f'{k} {v}' for k, v in setting.items())} |"
                      for f, setting in enumerate(cv["chosen"]))
    return (
        "ROUGE-2 F1, mean per group (Briefing out of fold; the best in bold):\n\n"
        + corpus_table(items, scores)
        + f"\n\nBriefing beats the best anchor ({NAMES[w['best_anchor']]}) on {w['over_best']} "
        f"of {w['n']} clusters and every anchor on {w['over_each']}; its mean ROUGE-2 is "
        f"{w['ratio']:.3f}× the best anchor's.\n\nAll metrics, mean over the {w['n']} "
        "clusters:\n\n" + metrics_table(scores)
        + "\n\nWhat each fold chose (on the other seven):\n\n"
        "| fold | clusters | setting |\n| ---: | ---: | --- |\n" + folds
        + f"\n\nChosen on all {w['n']} clusters (the shipped defaults in "
        f"`briefing/compose/weights.py`): {cv['final']}.\n\n"
        "ROUGE-2 F1 per cluster:\n\n" + cluster_table(items, scores, cv["fold_of"]))


def key_fact_table(run: dict, state: Path) -> str:
    """Key facts stated (``bench/key_facts.py``) by the anchors and by Briefing out of fold:
    each cluster composed with the setting its fold chose."""
    import dataclasses

    from bench import key_facts
    from briefing.compose.weights import STORY_WEIGHTS

    items, cv, analysed = run["items"], run["cv"], run["analysed"]
    lines = key_facts.system_lines(items, analysed, state, progress=lambda _m: None)
    for cluster in items:
        cid = cluster["cluster_id"]
        setting = cv["chosen"][cv["fold_of"][cid]]
        lines["briefing"][cid] = briefing_lines(
            cluster, analysed[cid], dataclasses.replace(STORY_WEIGHTS, **setting))
    return key_facts.table(items, lines, state, NAMES)


def write_doc(text: str, themes: dict | None, rules: str = "", leads: str = "",
              facts: str = "") -> Path:
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
    import os

    text = template.format(
        crossval=text,
        rules=rules or "(not measured in this run)",
        leads=leads or "(not measured in this run)",
        facts=facts or "(not measured in this run)",
        themes=theme_lines or "(not measured in this run)",
        machine=f"{platform.machine()}, {platform.python_version()}, {os.cpu_count()} cores",
        date=time.strftime("%Y-%m-%d"),
    )
    path.write_text(text, encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--corpora", default=",".join(C.CORPORA),
                        help="comma-separated subset of " + ", ".join(C.CORPORA))
    parser.add_argument("--quick", action="store_true", help="a two-setting grid")
    parser.add_argument("--state", type=Path, default=C.default_state(),
                        help="folder for the analysis and anchor caches")
    parser.add_argument("--no-themes", action="store_true", help="skip theme accuracy")
    parser.add_argument("--no-rules", action="store_true",
                        help="skip each rule's out-of-fold worth (bench/rules.py)")
    args = parser.parse_args()
    corpora = C.corpora_option(parser, args.corpora)
    run = evaluate(corpora, args.state, QUICK_GRID if args.quick else GRID)
    text = report(run)
    print(text)
    themes = None
    if not args.no_themes:
        from bench.themes import evaluate as evaluate_themes
        from briefing.config import load_settings

        themes = evaluate_themes(load_settings(REPO / "config.yaml"))
        print(f"theme accuracy {themes['accuracy']:.3f} on {themes['n']} labelled sentences")
    rules = ""
    if not args.no_rules:
        from bench import rules as rule_bench

        rules = rule_bench.table(rule_bench.gains(run["items"], run["analysed"]))
        print(rules)
    facts = key_fact_table(run, args.state)
    print(facts)
    from bench import leads_check

    duc_dev = [c for c in run["items"] if c["corpus"] == "duc_dev"]
    leads = leads_check.table(duc_dev, run["analysed"]) if duc_dev else ""
    print(leads)
    if not args.no_write and set(corpora) == set(C.CORPORA) and not args.quick:
        print(f"wrote {write_doc(text, themes, rules, leads, facts)}")
    elif not args.no_write:
        print("docs/quality.md not written: it needs every corpus and the full grid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
