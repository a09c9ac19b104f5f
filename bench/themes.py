"""Theme accuracy: on hand-labelled sentences (tests/data/theme_labels.jsonl) with the
default config, and zero-shot on WCEP January 2023 with descriptions only.

Seed sentences are stored with their text; RUWA headlines are stored by URL only and read
from ../shared/eval/ruwa/ (its licence keeps the text out of this repository).

WCEP: each of the 334 events of ../shared/eval/wcep_jan2023/ is an item, the portal's ten
categories are the themes, each with the one-line description in ``WCEP_DESCRIPTIONS`` and
no examples, no catch-all phrases. Beside it, in the same run, plain nearest-description
zero-shot with the same encoder. ``--wcep-render`` also renders the 334 events as articles
through the whole pipeline with a budget of 100,000 words and counts the events shown.

    python bench/themes.py [--config config.yaml] [--threshold 0.28] [--wcep-render]
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
WCEP = REPO.parent / "shared" / "eval" / "wcep_jan2023" / "wcep_jan2023_items.jsonl"

# Written from the ten category NAMES only, before any WCEP event text was read (and not
# edited after): a config author's first try, not descriptions tuned to the data.
WCEP_DESCRIPTIONS = {
    "Armed conflicts and attacks": "Wars, battles, military strikes, terrorist attacks, "
    "shootings and other armed violence, and the people killed or wounded in them.",
    "Disasters and accidents": "Natural disasters such as earthquakes, floods, storms and "
    "wildfires, and accidents such as plane crashes, train derailments and explosions, with "
    "their casualties.",
    "Law and crime": "Crimes, arrests, police investigations, criminal trials, court rulings, "
    "prison sentences and new laws.",
    "Politics and elections": "Elections, votes and their results, governments, political "
    "parties, parliaments, leaders taking or leaving office, and political protests.",
    "Business and economy": "Companies, markets, trade, prices, inflation, jobs, banks and the "
    "economies of countries.",
    "Health and environment": "Disease outbreaks, epidemics, public health, hospitals and "
    "medicine, pollution, climate change and the natural environment.",
    "International relations": "Relations between countries: diplomacy, summits, treaties, "
    "sanctions, ambassadors and visits by foreign leaders.",
    "Sports": "Sports competitions, matches, tournaments, championships, athletes and their "
    "results.",
    "Science and technology": "Scientific discoveries and research, space missions, new "
    "technology, computers and the internet.",
    "Arts and culture": "Art, music, film, literature, awards, festivals, heritage and culture, "
    "and the deaths of notable artists.",
}


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


def description_only(settings):
    """The config as a new user might have written it: no examples, no catch-all phrases,
    the default floor."""
    from briefing.config import Settings

    themes = tuple(t.model_copy(update={"examples": ()}) for t in settings.themes)
    return settings.model_copy(update={
        "themes": themes, "catchall_examples": (),
        "theme_threshold": Settings.model_fields["theme_threshold"].default})


def wcep_events(path: Path = WCEP) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def wcep_theme_id(category: str) -> str:
    return re.sub(r"[^a-z]+", "_", category.lower()).strip("_")


def wcep_config(base: Path, budget_words: int = 600) -> dict:
    """The config a user would write for WCEP: ten themes, descriptions only."""
    return {"title": "WCEP January 2023", "sources": [{"path": str(base / "events")}],
            "output_dir": str(base / "output"), "state_dir": str(base / "state"),
            "budget_words": budget_words,
            "window_hours": 0,  # a month of events briefed at once: every one is news here
            "themes": [{"id": wcep_theme_id(c), "title": c, "description": d}
                       for c, d in WCEP_DESCRIPTIONS.items()]}


def evaluate_wcep(embedder=None, threshold: float | None = None) -> dict:
    """Accuracy of the themes on the 334 events (the catch-all counts as a miss), beside
    nearest-description zero-shot, and per category."""
    import tempfile

    import numpy as np

    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.compose.themes import ThemeIndex, theme_phrases
    from briefing.config import settings_from_mapping

    embedder = embedder or shared_embedder()
    events = wcep_events()
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_from_mapping(wcep_config(Path(tmp)), base_dir=Path(tmp))
    vectors = embed_texts([e["text"] for e in events], embedder)
    gold = [wcep_theme_id(e["category"]) for e in events]
    index = ThemeIndex(settings.themes,
                       [embed_texts(theme_phrases(t), embedder) for t in settings.themes],
                       embed_texts(list(settings.catchall_examples), embedder))
    floor = settings.theme_threshold if threshold is None else threshold
    ours = [theme for theme, _ in index.classify(vectors, floor)]
    ids = [t.id for t in settings.themes]
    descriptions = embed_texts([t.description for t in settings.themes], embedder)
    nearest = [ids[int(k)] for k in np.argmax(vectors @ descriptions.T, axis=1)]
    # The encoder's ceiling for this kind of rule: each category's mean event vector, built
    # from the gold labels (in-sample), as its only phrase.
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    gold_array = np.array(gold)
    centroids = np.stack([units[gold_array == i].mean(axis=0) for i in ids])
    oracle = [ids[int(k)] for k in np.argmax(units @ centroids.T, axis=1)]
    result: dict = {"n": len(events), "threshold": floor, "oracle": _share(oracle, gold),
                    "accuracy": _share(ours, gold), "baseline": _share(nearest, gold),
                    "catchall": ours.count("other"),
                    "majority": max(gold.count(g) for g in set(gold)) / len(gold),
                    "per_category": {}}
    for category in WCEP_DESCRIPTIONS:
        theme = wcep_theme_id(category)
        picked = [n for n, g in enumerate(gold) if g == theme]
        result["per_category"][category] = {
            "n": len(picked),
            "accuracy": _share([ours[n] for n in picked], [gold[n] for n in picked]),
            "baseline": _share([nearest[n] for n in picked], [gold[n] for n in picked]),
            "precision": _precision(ours, gold, theme)}
    return result


def _share(predicted: list[str], gold: list[str]) -> float:
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / max(len(gold), 1)


def _precision(predicted: list[str], gold: list[str], label: str) -> float:
    hits = [g == label for p, g in zip(predicted, gold, strict=True) if p == label]
    return sum(hits) / len(hits) if hits else 0.0


def wcep_render(budget_words: int = 100_000) -> dict:
    """Render the 334 events, one JSON article each, through the whole pipeline; count the
    events the briefing shows (an item citing the event's article)."""
    import tempfile
    from datetime import datetime

    from briefing.config import settings_from_mapping
    from briefing.pipeline import Pipeline

    events = wcep_events()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "events").mkdir()
        for n, event in enumerate(events):
            (base / "events" / f"{n:03d}.json").write_text(
                json.dumps({"text": event["text"], "published": event["date"]}),
                encoding="utf-8")
        settings = settings_from_mapping(wcep_config(base, budget_words), base_dir=base)
        with Pipeline(settings) as pipeline:
            done = pipeline.render(formats=("json",), now=datetime(2023, 2, 1, 7, 0))
            problems = [str(p) for p in done.collected.problems]
            briefing = done.briefing
            by_path = {a.id: a.path for a in pipeline.store.articles(uncovered_only=False)}
    shown: Counter[str] = Counter()
    items = placed_right = placements = 0
    if briefing is not None:
        for item in briefing.items:
            items += 1
            for article in set(item.sources):
                stem = Path(by_path.get(article) or "").stem
                shown[stem] += 1
                placements += 1
                placed_right += item.theme == wcep_theme_id(events[int(stem)]["category"])
    return {"events": len(events), "budget_words": budget_words, "items": items,
            "shown": len(shown), "shown_share": len(shown) / len(events),
            "shown_twice": sum(1 for v in shown.values() if v > 1),
            "placement_accuracy": placed_right / max(placements, 1),
            "skipped": len(problems), "problems": problems[:5]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(REPO / "config.yaml"))
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--wcep-render", action="store_true",
                        help="also render the WCEP events with a budget of 100,000 words")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from briefing.config import load_settings

    settings = load_settings(args.config)
    result = evaluate(settings, threshold=args.threshold)
    print(f"theme accuracy {result['accuracy']:.3f} on {result['n']} labelled sentences")
    for source, r in result["by_source"].items():
        print(f"  {source:<6} n={r['n']:<4} accuracy {r['accuracy']:.3f}")
    print(f"  {'theme':<14}{'gold':>5}{'precision':>11}{'recall':>8}")
    for label, r in result["per_theme"].items():
        print(f"  {label:<14}{r['gold']:>5}{r['precision']:>11.2f}{r['recall']:>8.2f}")
    print("  most common confusions:", ", ".join(f"{k} ({v})" for k, v in result["confusion"]))
    bare = description_only(settings)
    plain = evaluate(bare)
    print(f"the same config with descriptions only (no examples, no catch-all phrases, floor "
          f"{bare.theme_threshold}): accuracy {plain['accuracy']:.3f}")
    if WCEP.exists():
        wcep = evaluate_wcep(threshold=args.threshold)
        print(f"WCEP January 2023, descriptions only: accuracy {wcep['accuracy']:.3f}, "
              f"nearest-description {wcep['baseline']:.3f}, majority class "
              f"{wcep['majority']:.3f}, gold-centroid ceiling {wcep['oracle']:.3f}; "
              f"{wcep['catchall']} of {wcep['n']} to the catch-all "
              f"(floor {wcep['threshold']})")
        print(f"  {'category':<30}{'n':>4}{'ours':>7}{'nearest':>9}{'precision':>11}")
        for category, r in wcep["per_category"].items():
            print(f"  {category:<30}{r['n']:>4}{r['accuracy']:>7.2f}{r['baseline']:>9.2f}"
                  f"{r['precision']:>11.2f}")
        if args.wcep_render:
            shown = wcep_render()
            print(f"WCEP render, budget {shown['budget_words']} words: {shown['shown']} of "
                  f"{shown['events']} events shown ({shown['shown_share']:.1%}) in "
                  f"{shown['items']} items; {shown['shown_twice']} shown more than once; "
                  f"placements in the editors' category {shown['placement_accuracy']:.3f}; "
                  f"{shown['skipped']} skipped {shown['problems']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
