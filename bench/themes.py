"""Theme accuracy on hand-labelled sentences (tests/data/theme_labels.jsonl).

Seed sentences are stored with their text; RUWA headlines are stored by URL only and read
from ../shared/eval/ruwa/ (its licence keeps the text out of this repository).

    python bench/themes.py [--config config.yaml] [--threshold 0.28]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "tests" / "data" / "theme_labels.jsonl"
RUWA = REPO.parent / "shared" / "eval" / "ruwa" / "ruwa_2022-01-01_2022-02-28.jsonl"


def ruwa_headline(title: str) -> str:
    """RUWA titles carry a timestamp and the site's name; keep the headline."""
    title = re.sub(r"\s*\(\d\d\.\d\d\.\d\d \d\d:\d\d\).*$", "", title)
    title = re.sub(r"\s*[|«-]\s*(Censor\.NET|Reuters|BBC News|Al Jazeera|MSNBC|Ukrinform).*$",
                   "", title)
    return title.strip()


def load_labelled(ruwa_path: Path = RUWA) -> list[tuple[str, str, str]]:
    """(text, label, source) for every labelled sentence whose text is available."""
    titles: dict[str, str] = {}
    if ruwa_path.exists():
        for line in ruwa_path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            titles.setdefault(row["url"], ruwa_headline(row["title"]))
    out = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = row.get("text") or titles.get(row.get("url", ""))
        if text:
            out.append((text, row["label"], row["source"]))
    return out


def evaluate(settings, embedder=None, threshold: float | None = None) -> dict:
    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.compose.themes import ThemeIndex, theme_phrases

    embedder = embedder or shared_embedder()
    rows = load_labelled()
    index = ThemeIndex(settings.themes,
                       [embed_texts(theme_phrases(t), embedder) for t in settings.themes],
                       embed_texts(list(settings.catchall_examples), embedder))
    vectors = embed_texts([t for t, _, _ in rows], embedder)
    predicted = index.classify(vectors, settings.theme_threshold if threshold is None
                               else threshold)
    result: dict = {"n": len(rows), "by_source": {}, "per_theme": {}}
    hits = [p == gold for (p, _), (_, gold, _) in zip(predicted, rows, strict=True)]
    result["accuracy"] = sum(hits) / len(rows)
    for source in sorted({s for _, _, s in rows}):
        picked = [h for h, (_, _, s) in zip(hits, rows, strict=True) if s == source]
        result["by_source"][source] = {"n": len(picked), "accuracy": sum(picked) / len(picked)}
    labels = sorted({g for _, g, _ in rows})
    for label in labels:
        tp = sum(1 for (p, _), (_, g, _) in zip(predicted, rows, strict=True)
                 if p == label and g == label)
        pred = sum(1 for p, _ in predicted if p == label)
        gold = sum(1 for _, g, _ in rows if g == label)
        result["per_theme"][label] = {
            "gold": gold, "precision": tp / pred if pred else 0.0,
            "recall": tp / gold if gold else 0.0}
    result["confusion"] = Counter(f"{g}->{p}" for (p, _), (_, g, _) in
                                  zip(predicted, rows, strict=True) if p != g).most_common(8)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(REPO / "config.yaml"))
    parser.add_argument("--threshold", type=float, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from briefing.config import load_settings

    result = evaluate(load_settings(args.config), threshold=args.threshold)
    print(f"theme accuracy {result['accuracy']:.3f} on {result['n']} labelled sentences")
    for source, r in result["by_source"].items():
        print(f"  {source:<6} n={r['n']:<4} accuracy {r['accuracy']:.3f}")
    print(f"  {'theme':<14}{'gold':>5}{'precision':>11}{'recall':>8}")
    for label, r in result["per_theme"].items():
        print(f"  {label:<14}{r['gold']:>5}{r['precision']:>11.2f}{r['recall']:>8.2f}")
    print("  most common confusions:", ", ".join(f"{k} ({v})" for k, v in result["confusion"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
