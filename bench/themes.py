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
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Cross-validation: WCEP days in four runs of about a week (1-8, 9-16, 17-24, 25-31
# January), the hand-labelled set in four folds (a seed's sentences together).
FOLDS = 4
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
    return [row[:3] for row in _labelled(ruwa_path)]


def labelled_folds(ruwa_path: Path = RUWA) -> list[int]:
    """The cross-validation fold of each of ``load_labelled``'s sentences."""
    return [row[3] for row in _labelled(ruwa_path)]


def _labelled(ruwa_path: Path) -> list[tuple[str, str, str, int]]:
    titles: dict[str, str] = {}
    if ruwa_path.exists():
        for line in ruwa_path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            titles.setdefault(row["url"], ruwa_headline(row["title"]))
    out = []
    for n, line in enumerate(LABELS.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        text = row.get("text") or titles.get(row.get("url", ""))
        if text:
            out.append((text, row["label"], row["source"], labelled_fold(n, row)))
    return out


def labelled_fold(n: int, row: dict) -> int:
    """A seed sentence's fold is its seed's (sentences of one article stay together); a
    RUWA headline's is its position's."""
    return int(row["seed"]) % FOLDS if row.get("seed") else n % FOLDS


def evaluate(settings, embedder=None, threshold: float | None = None) -> dict:
    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.compose.themes import index_for

    embedder = embedder or shared_embedder()
    rows = load_labelled()
    index = index_for(settings, embedder)
    vectors = embed_texts([t for t, _, _ in rows], embedder)
    predicted = index.classify(vectors, settings.theme_threshold if threshold is None
                               else threshold)
    result: dict = {"n": len(rows), "by_source": {}, "per_theme": {}}
    hits = [p == gold for (p, _), (_, gold, _) in zip(predicted, rows, strict=True)]
    result["accuracy"] = sum(hits) / len(rows)
    folds = labelled_folds()
    result["per_fold"] = [(sum(h for h, f in zip(hits, folds, strict=True) if f == k),
                           folds.count(k)) for k in range(FOLDS)]
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
    from briefing.compose.themes import index_for
    from briefing.config import settings_from_mapping

    embedder = embedder or shared_embedder()
    events = wcep_events()
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_from_mapping(wcep_config(Path(tmp)), base_dir=Path(tmp))
    vectors = embed_texts([e["text"] for e in events], embedder)
    gold = [wcep_theme_id(e["category"]) for e in events]
    index = index_for(settings, embedder)
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


def wcep_fold(event: dict) -> int:
    """The fold of an event: its week of January (days 1-8, 9-16, 17-24, 25-31)."""
    day = int(event["date"].rsplit("_", 1)[1])
    return min((day - 1) // 8, FOLDS - 1)


def copied_config(base: Path, budget_words: int, config: Path = REPO / "config.yaml") -> dict:
    """What a user gets by copying ``config`` and replacing only its ``themes`` with the ten
    WCEP categories; the inputs, folders, budget and window are the run's own (a month of
    events briefed at once), everything else stays as in the file."""
    import yaml

    mapping = yaml.safe_load(config.read_text(encoding="utf-8"))
    minimal = wcep_config(base, budget_words)
    mapping.update({k: minimal[k] for k in ("themes", "sources", "output_dir", "state_dir",
                                            "budget_words", "window_hours")})
    mapping.pop("email", None)
    return mapping


def copied_old_config(base: Path, budget_words: int) -> dict:
    """``copied_config`` from the example config as it was before issue 26: its catch-all
    phrases and floor at the top level, where replacing the themes left them behind."""
    mapping = copied_config(base, budget_words)
    entry = next(t for t in yaml_themes() if t["id"] == "other")
    mapping.update({"catchall_examples": entry["examples"],
                    "theme_threshold": entry["threshold"]})
    return mapping


def yaml_themes(config: Path = REPO / "config.yaml") -> list[dict]:
    import yaml

    return yaml.safe_load(config.read_text(encoding="utf-8"))["themes"]


class NearestDescription:
    """Plain zero-shot, for comparison in the same run: each fact under the theme whose
    description is closest (cosine), no floor, no catch-all, no story, no refinement."""

    def __init__(self, index, embedder):
        from briefing.analyse.embedder import embed_texts

        self.themes = index.themes
        self.ids = [t.id for t in index.themes]
        self.descriptions = embed_texts([t.description for t in index.themes], embedder)

    def margins(self, matrix):  # the story is not mixed in (filing_vectors is replaced)
        import numpy as np

        return np.zeros(len(matrix))

    def classify(self, matrix, threshold, refine=True):
        scores = matrix @ self.descriptions.T
        return [(self.ids[int(k)], float(row[k])) for row, k in
                zip(scores, scores.argmax(axis=1), strict=True)]


def wcep_render(mapping_for=wcep_config, budget_words: int = 100_000,
                nearest: bool = False) -> dict:
    """Render the 334 events, one JSON article each, through the whole pipeline with the
    config ``mapping_for(base, budget_words)``; count the events the briefing shows and
    where each cited article is placed (every article an item cites, in its lead or its
    facts, under the item's section), overall, per category and per fold of days.
    ``nearest``: file by plain nearest-description instead (``NearestDescription``)."""
    import tempfile
    from datetime import datetime
    from unittest import mock

    from briefing.compose import sections as filing
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
        settings = settings_from_mapping(mapping_for(base, budget_words), base_dir=base)
        with Pipeline(settings) as pipeline:
            patches = []
            if nearest:
                plain = NearestDescription(pipeline.theme_index(), pipeline.embedder)
                patches = [mock.patch.object(pipeline, "theme_index", lambda: plain),
                           mock.patch.object(filing, "filing_vectors",
                                             lambda facts, story, *_, **__: facts)]
            for patch in patches:
                patch.start()
            try:
                done = pipeline.render(formats=("json",), now=datetime(2023, 2, 1, 7, 0))
            finally:
                for patch in patches:
                    patch.stop()
            problems = [str(p) for p in done.collected.problems]
            briefing = done.briefing
            warnings = [*done.warnings, *pipeline.theme_fit()]
            by_path = {a.id: a.path for a in pipeline.store.articles(uncovered_only=False)}
    placed: list[tuple[int, str]] = []  # (event, theme) per cited article per item
    items = other_items = 0
    for item in (briefing.items if briefing is not None else []):
        items += 1
        other_items += item.theme == "other"
        cited = set(item.sources) | {a for f in item.facts for a in f.sources}
        for article in cited:
            placed.append((int(Path(by_path[article]).stem), item.theme))
    gold = [wcep_theme_id(e["category"]) for e in events]
    right = [gold[n] == theme for n, theme in placed]
    result = {"events": len(events), "budget_words": budget_words, "items": items,
              "other_items": other_items, "other_share": other_items / max(items, 1),
              "shown": len({n for n, _ in placed}),
              "placement_accuracy": sum(right) / max(len(right), 1),
              "skipped": len(problems), "problems": problems[:5], "per_category": {},
              "warnings": warnings,
              "per_fold": []}
    result["shown_share"] = result["shown"] / len(events)
    for category in WCEP_DESCRIPTIONS:
        theme = wcep_theme_id(category)
        mine = [r for (n, _), r in zip(placed, right, strict=True) if gold[n] == theme]
        result["per_category"][category] = sum(mine) / max(len(mine), 1)
    for fold in range(FOLDS):
        mine = [r for (n, _), r in zip(placed, right, strict=True)
                if wcep_fold(events[n]) == fold]
        result["per_fold"].append((sum(mine), len(mine)))
    return result


# The settings of filing tried by ``--cv``: (STORY_WEIGHT, STORY_POWER, STORY_MARGIN,
# REFINE_ITEMS, REFINE_WEIGHT). Filing each fact alone (weight 0) has no margin to try.
GRID = [(story, power, margin, items, weight)
        for story, power in ((0.0, 0.0), (0.5, 1.0), (0.75, 1.0), (1.0, 1.0))
        for margin in ((None,) if story == 0 else (None, 0.05, 0.1, 0.2))
        for items, weight in ((0, 0.0), (10, 0.5), (20, 1.0))]
FILING = ("STORY_WEIGHT", "STORY_POWER", "STORY_MARGIN", "REFINE_ITEMS", "REFINE_WEIGHT")
SEEDS = REPO / "seeds"


@contextmanager
def filing(*setting):
    """The filing constants of ``briefing.compose.themes`` (``FILING``) set for a run, then
    restored."""
    from briefing.compose import themes as rules

    saved = [getattr(rules, name) for name in FILING]
    for name, value in zip(FILING, setting, strict=True):
        setattr(rules, name, value)
    try:
        yield
    finally:
        for name, value in zip(FILING, saved, strict=True):
            setattr(rules, name, value)


_SEEDS: list = []


def seed_filing(settings) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """The seeds' briefing composed with ``settings`` and the filing constants in force (the
    seeds are analysed once per process): items per section, and, per fold of the
    hand-labelled set, how many of its seed sentences compose files under their label
    (right, total), each sentence under its fact's theme. Sentence by sentence (``evaluate``)
    a fact has no story; this is the filing a reader of the seeds' briefing sees."""
    from unittest import mock

    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.compose import sections as filing_step
    from briefing.compose.core import compose
    from briefing.compose.themes import index_for
    from briefing.compose.wording import with_context
    from briefing.records import RawDocument
    from briefing.text.clean import clean_document
    from briefing.text.sentences import article_sentences

    embedder = shared_embedder()
    if not _SEEDS:
        articles = [clean_document(RawDocument(origin=p.name, content=p.read_bytes(),
                                               path=f"seeds/{p.name}"))
                    for p in sorted(SEEDS.glob("*.txt"))]
        sentences = [s for a in articles for s in article_sentences(a)]
        vectors = embed_texts([with_context(s.text, s.context) for s in sentences], embedder)
        _SEEDS.extend((articles, sentences, vectors))
    filed: list = []
    assign = filing_step.assign_themes

    def keep(groups, *args, **kwargs):
        assign(groups, *args, **kwargs)
        filed.extend(groups)

    with mock.patch.object(filing_step, "assign_themes", keep):
        sections, _ = compose(*_SEEDS, settings, index_for(settings, embedder))
    labels = {}
    for n, line in enumerate(LABELS.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        if row.get("seed"):
            labels[" ".join(row["text"].split())] = (row["label"], labelled_fold(n, row))
    per_fold = [[0, 0] for _ in range(FOLDS)]
    sentences = _SEEDS[1]
    for group in filed:
        for m in group.members:
            label = labels.get(" ".join(sentences[m].text.split()))
            if label:
                per_fold[label[1]][0] += label[0] == group.theme
                per_fold[label[1]][1] += 1
    return {s.theme: len(s.items) for s in sections}, [tuple(f) for f in per_fold]


def _fold_share(per_fold: list[tuple[int, int]], folds: list[int]) -> float:
    return (sum(per_fold[k][0] for k in folds) / max(sum(per_fold[k][1] for k in folds), 1))


def cross_validate(settings) -> dict:
    """Each setting of ``GRID`` on WCEP (rendered, minimal config: placements per fold of
    days), on the hand-labelled set (``settings``: per fold, each sentence alone) and on the
    labelled seed sentences as compose files them (``seed_filing``: per fold of the same
    set); for each held-out fold, the setting with the best mean of the three accuracies on
    the other folds, and its accuracies on the held-out fold (out-of-fold). ``final``: the
    setting the same rule chooses on all folds (the constants in
    ``briefing.compose.themes``)."""
    rows, hand_cache = [], {}
    for setting in GRID:
        items, weight = setting[-2:]
        with filing(*setting):
            seeds, filed = seed_filing(settings)
            render = wcep_render()
            if (items, weight) not in hand_cache:  # sentences have no story to mix in
                hand_cache[items, weight] = evaluate(settings)["per_fold"]
        rows.append({"setting": setting, "wcep": render["per_fold"],
                     "hand": hand_cache[items, weight], "filed": filed,
                     "wcep_accuracy": render["placement_accuracy"],
                     "other_share": render["other_share"],
                     # The seeds' gate: every default theme keeps an item.
                     "seeds_ok": all(seeds.get(t.id) for t in settings.themes)})
    allowed = [r for r in rows if r["seeds_ok"]]
    parts = ("wcep", "hand", "filed")

    def merit(row: dict, folds: list[int]) -> float:
        return sum(_fold_share(row[key], folds) for key in parts) / len(parts)

    chosen, oof = [], {key: [0, 0] for key in parts}
    for held in range(FOLDS):
        train = [k for k in range(FOLDS) if k != held]
        best = max(allowed, key=lambda r: merit(r, train))
        chosen.append(best["setting"])
        for key in parts:
            oof[key][0] += best[key][held][0]
            oof[key][1] += best[key][held][1]
    final = max(allowed, key=lambda r: merit(r, list(range(FOLDS))))
    return {"rows": rows, "chosen": chosen, "final": final["setting"],
            "wcep_out_of_fold": oof["wcep"][0] / oof["wcep"][1],
            "hand_out_of_fold": oof["hand"][0] / oof["hand"][1],
            "filed_out_of_fold": oof["filed"][0] / oof["filed"][1]}


def print_cv(cv: dict) -> None:
    print("cross-validation (story weight, story power, story margin, refine items, refine "
          "weight): WCEP placements (render, minimal config), the hand-labelled set (each "
          "sentence alone) and its seed sentences as compose files them, per fold; settings "
          "that leave a default theme without an item on the seeds are not chosen")
    every = list(range(FOLDS))
    for row in cv["rows"]:
        shares = {key: " ".join(f"{a / max(b, 1):.2f}" for a, b in row[key])
                  for key in ("wcep", "hand", "filed")}
        print(f"  {row['setting']!s:<30} WCEP {row['wcep_accuracy']:.3f} [{shares['wcep']}]  "
              f"hand {_fold_share(row['hand'], every):.3f} [{shares['hand']}]  "
              f"seeds filed {_fold_share(row['filed'], every):.3f} [{shares['filed']}]"
              f"{'' if row['seeds_ok'] else '  seeds: a theme without items'}")
    print(f"  chosen per held-out fold: {cv['chosen']}; out-of-fold accuracy: WCEP "
          f"{cv['wcep_out_of_fold']:.3f}, hand-labelled {cv['hand_out_of_fold']:.3f}, seeds "
          f"filed {cv['filed_out_of_fold']:.3f}; chosen on all folds: {cv['final']}")


def print_renders(settings) -> None:
    """WCEP through the full render: the copied config, the minimal one, and plain
    nearest-description (minimal config) in the same run, with a per-category table."""
    runs = {"copied config": wcep_render(copied_config),
            "copied, pre-26 example": wcep_render(copied_old_config),
            "minimal config": wcep_render(wcep_config),
            "nearest-description": wcep_render(wcep_config, nearest=True)}
    for name, r in runs.items():
        print(f"WCEP render, {name}: placements in the editors' category "
              f"{r['placement_accuracy']:.3f}; {r['other_items']} of {r['items']} items in "
              f"\"Other news\" ({r['other_share']:.1%}); {r['shown']} of {r['events']} events "
              f"shown ({r['shown_share']:.1%}) at {r['budget_words']} words; "
              f"{r['skipped']} skipped {r['problems']}")
        for warning in r["warnings"]:
            print(f"  warning: {warning}")
    print(f"  {'category':<30}" + "".join(f"{name:>24}" for name in runs))
    for category in WCEP_DESCRIPTIONS:
        print(f"  {category:<30}" + "".join(f"{r['per_category'][category]:>24.2f}"
                                            for r in runs.values()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(REPO / "config.yaml"))
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--wcep-render", action="store_true",
                        help="also render the WCEP events (copied and minimal config, and "
                        "nearest-description) with a budget of 100,000 words")
    parser.add_argument("--cv", action="store_true",
                        help="cross-validate the filing settings (GRID) over folds of WCEP "
                        "days and of the hand-labelled set: one render per setting")
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
    if not WCEP.exists():
        return 0
    wcep = evaluate_wcep(threshold=args.threshold)
    print(f"WCEP January 2023, descriptions only, each event alone: accuracy "
          f"{wcep['accuracy']:.3f}, nearest-description {wcep['baseline']:.3f}, majority "
          f"class {wcep['majority']:.3f}, gold-centroid ceiling {wcep['oracle']:.3f}; "
          f"{wcep['catchall']} of {wcep['n']} to the catch-all (floor {wcep['threshold']})")
    print(f"  {'category':<30}{'n':>4}{'ours':>7}{'nearest':>9}{'precision':>11}")
    for category, r in wcep["per_category"].items():
        print(f"  {category:<30}{r['n']:>4}{r['accuracy']:>7.2f}{r['baseline']:>9.2f}"
              f"{r['precision']:>11.2f}")
    if args.wcep_render:
        print_renders(settings)
    if args.cv:
        print_cv(cross_validate(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
