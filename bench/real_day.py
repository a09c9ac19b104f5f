"""A real news day, cold: the render against the bare model on the same sentences, one run.

The day is every real article at hand, read in place and written as a folder source into a
temporary folder (never into the repository): the RUWA wire items (headline, then the
subheading when there is one, as ``bench/days.py`` reads them), the MultiLing 2011 English
documents (headline and paragraphs, without the date line) and the project's seed articles
(their raw files, through the real cleaner). The config is the shipped one with no window
(``window_hours: 0``: the items span two months of 2022 and 2005–2010).

One run measures, each as its own process (wall time from start to exit, peak memory by
``wait4``):

1. the bare encoder: a process that imports the encoder, loads the model the pipeline uses
   and embeds exactly the texts the render will embed, in the same calls and batches
   (``embed_texts`` without a store: the article sentences, then the theme phrases);
2. a cold ``python -m briefing --config X render --format json,md`` (fresh state_dir), with
   ``--verbose`` for its stages' times;
3. the bare encoder again (the shared host's speed drifts over minutes).

The headline is the render's wall time over the mean of the two bare runs. The texts are
found before the render by reading the day into a scratch store (not timed), and checked
after it against the embeddings the render stored: the same set, or the run fails.

    .venv/bin/python bench/real_day.py               # measure, print
    .venv/bin/python bench/real_day.py --write-doc   # and write its section of docs/benchmarks.md
    .venv/bin/python bench/real_day.py --render-only --workdir /tmp/day  # just write the day
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.corpus import MULTILING, RUWA, SEEDS  # noqa: E402
from bench.daily import write_section  # noqa: E402
from bench.days import body  # noqa: E402
from bench.performance import PYTHON, briefing_cli, checked, log, machine, measure  # noqa: E402
from bench.themes import ruwa_headline  # noqa: E402

SECTION_START = "<!-- bench/real_day.py: start -->"
SECTION_END = "<!-- bench/real_day.py: end -->"
FORMATS = "json,md"
COMMAND = "make real-day   # = .venv/bin/python bench/real_day.py --write-doc"

# The bare models, each in its own process: only what loading and running them needs.
# argv: the JSON file of text lists, each list one embed_texts call of the render.
BARE_ENCODER = """
import json, sys, time
start = time.perf_counter()
from pathlib import Path
from briefing.analyse.embedder import Embedder, embed_texts
calls = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
imported = time.perf_counter()
embedder = Embedder()
embedder._load()
loaded = time.perf_counter()
for texts in calls:
    embed_texts(texts, embedder)
done = time.perf_counter()
print(json.dumps({"texts": sum(map(len, calls)), "import": imported - start,
                  "load": loaded - imported, "encode": done - loaded}))
"""


# --- the day --------------------------------------------------------------------------------


def ruwa_articles() -> list[dict]:
    rows = [json.loads(line) for line in RUWA.read_text(encoding="utf-8").splitlines()]
    return [{"title": ruwa_headline(r["title"]), "source": r["site"],
             "published": r["date"][:10], "url": r["url"], "text": body(r)}
            for r in rows if r.get("title")]


def multiling_articles() -> list[dict]:
    out = []
    for line in MULTILING.read_text(encoding="utf-8").splitlines():
        for doc in json.loads(line)["documents"]:
            headline, _date_line, *paragraphs = doc["text"]
            out.append({"title": headline, "source": "WikiNews",
                        "url": f"https://news.example.org/multiling/{doc['filename']}",
                        "text": "\n\n".join(paragraphs)})
    return out


def write_day(folder: Path) -> dict[str, int]:
    """Write the day's articles into ``folder``; the count from each source."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, articles in (("ruwa", ruwa_articles()), ("multiling", multiling_articles())):
        for n, article in enumerate(articles):
            (folder / f"{name}{n:05d}.json").write_text(
                json.dumps(article, ensure_ascii=False), encoding="utf-8")
        counts[name] = len(articles)
    seeds = sorted(SEEDS.glob("*.txt"))
    for path in seeds:
        shutil.copyfile(path, folder / f"seed-{path.name}")
    counts["seeds"] = len(seeds)
    return counts


def make_config(folder: Path, corpus: str = "corpus/") -> Path:
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    data.update(sources=[{"path": corpus}], output_dir="output", state_dir="state",
                window_hours=0)
    data.get("email", {})["enabled"] = False
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                      encoding="utf-8")
    return config


def texts_to_embed(config: Path, scratch: Path) -> list[list[str]]:
    """The texts a cold render of ``config`` embeds, as its embed_texts calls make them
    (Pipeline.analyse, then the theme index): read into a scratch state_dir."""
    from briefing.compose.themes import theme_phrases
    from briefing.compose.wording import with_context
    from briefing.config import load_settings
    from briefing.pipeline import Pipeline
    from briefing.text.sentences import article_sentences

    settings = load_settings(config).model_copy(update={"state_dir": scratch})
    with Pipeline(settings) as pipeline:
        pipeline.collect()
        articles, _old = pipeline.choose()
    sentences = [s for a in articles for s in article_sentences(a)]
    calls = [[with_context(s.text, s.context) for s in sentences]]
    calls += [theme_phrases(t) for t in settings.themes]
    if settings.themes:
        calls.append(list(settings.catchall_examples))
    return calls


def code_label(folder: Path) -> str:
    """The checkout's commit ("main at 4e8c7fb"), or its path if it is no git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    return f"{git('rev-parse', '--abbrev-ref', 'HEAD')} at {commit}" if commit else str(folder)


def stored_keys(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT key FROM embeddings")}


def stages(stderr: str) -> dict[str, float]:
    """The render's stage times from its --verbose log ("stage composing: 1.23 s")."""
    return {m[1]: float(m[2]) for m in re.finditer(r"stage (\w+): ([\d.]+) s", stderr)}


# --- the run --------------------------------------------------------------------------------


def run(root: Path, before_code: Path | None = None) -> dict:
    from briefing.analyse.embedder import MODEL_ID
    from briefing.store import Store

    counts = write_day(root / "corpus")
    config = make_config(root)
    log(f"the day: {counts} under {root}")
    calls = texts_to_embed(config, root / "scratch")
    texts_file = root / "texts.json"
    texts_file.write_text(json.dumps(calls, ensure_ascii=False), encoding="utf-8")
    env = {"PYTHONPATH": str(REPO)}
    load = [os.getloadavg()[0]]

    log(f"bare encoder, before ({sum(map(len, calls)):,} texts)")
    before = checked(measure([PYTHON, "-c", BARE_ENCODER, str(texts_file)], root, env=env),
                     "bare encoder")
    earlier = None
    if before_code is not None:  # the code before this work, on the same day, same run
        log(f"cold render with the code in {before_code}")
        (root / "before").mkdir()
        earlier_config = make_config(root / "before", str(root / "corpus"))
        earlier_run = checked(measure(
            briefing_cli(earlier_config, "--verbose", "render", "--format", FORMATS),
            root / "before", env={"PYTHONPATH": str(before_code)}), "cold render (before)")
        earlier = {"wall": earlier_run.wall, "cpu": earlier_run.cpu, "rss": earlier_run.rss_mb,
                   "stages": stages(earlier_run.stderr), "code": code_label(before_code)}
    log("cold render")
    cold = checked(measure(briefing_cli(config, "--verbose", "render", "--format", FORMATS),
                           root, env={"PYTHONPATH": str(REPO)}), "cold render")
    load.append(os.getloadavg()[0])
    log("bare encoder, after")
    after = checked(measure([PYTHON, "-c", BARE_ENCODER, str(texts_file)], root, env=env),
                    "bare encoder")
    load.append(os.getloadavg()[0])

    expected = {Store.embedding_key(MODEL_ID, t) for texts in calls for t in texts}
    stored = stored_keys(root / "state" / "briefing.sqlite3")
    if expected != stored:
        raise SystemExit(f"the render embedded {len(stored):,} texts, the bare encoder "
                         f"{len(expected):,} ({len(stored - expected)} not in the bare run, "
                         f"{len(expected - stored)} not in the render's)")
    with sqlite3.connect(root / "state" / "briefing.sqlite3") as db:
        stored_articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        problems = db.execute("SELECT COUNT(*) FROM problems").fetchone()[0]
    day = next(p for p in (root / "output").iterdir() if p.is_dir())
    stats = json.loads((day / "briefing.json").read_text(encoding="utf-8"))["stats"]
    bare = [json.loads(r.stdout.strip().splitlines()[-1])
            | {"wall": r.wall, "cpu": r.cpu, "rss": r.rss_mb} for r in (before, after)]
    return {"counts": counts, "written": sum(counts.values()), "documents": documents,
            "problems": problems, "stored": stored_articles,
            "considered": stats["articles_considered"], "sentences": len(calls[0]),
            "distinct": len(stored), "items": stats["items"],
            "cold": {"wall": cold.wall, "cpu": cold.cpu, "rss": cold.rss_mb,
                     "stages": stages(cold.stderr)},
            "bare": bare, "ratio": cold.wall / _mean(bare, "wall"),
            "cpu_ratio": cold.cpu / _mean(bare, "cpu"), "load": load, "before": earlier,
            "threads": os.environ.get("BRIEFING_THREADS", "")}


def _mean(runs: list[dict], key: str) -> float:
    return sum(r[key] for r in runs) / len(runs)


# --- the report -----------------------------------------------------------------------------


def section(r: dict, baseline: str) -> str:
    info = machine()
    b0, b1 = r["bare"]
    cold = r["cold"]
    st = cold["stages"]
    model = (b0["import"] + b0["load"] + b1["import"] + b1["load"]) / 2
    encode = _mean(r["bare"], "encode")
    c = r["counts"]
    stage_cells = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in st.items())
    repeats = r["documents"] - r["problems"] - r["stored"]
    threads = (f"`BRIEFING_THREADS={r['threads']}` for all three processes" if r["threads"]
               else "torch's default (one per core) in all three processes")
    lines = [
        SECTION_START,
        "## A real day, cold: the render against the bare model",
        "",
        f"Measured {r['measured']} by `bench/real_day.py` (this section is generated; "
        "`bench/performance.py` keeps it).",
        "",
        "```sh",
        COMMAND if not r.get("before") else
        ".venv/bin/python bench/real_day.py --write-doc --before CHECKOUT   # CHECKOUT: the "
        "code before, e.g. `git worktree add --detach /tmp/before <commit>`",
        "```",
        "",
        f"Every real article at hand, as one day in a folder source: {c['ruwa']:,} RUWA wire "
        f"items (headline, then the subheading when there is one), {c['multiling']} MultiLing "
        f"2011 English documents and the {c['seeds']} seed articles: {r['written']:,} files "
        "(the 1,655 articles of issue 25), read in place and written to a temporary folder. "
        "The shipped config with no window (`window_hours: 0`: the items are from 2022 and "
        f"2005–2010). The cold render read {r['documents']:,} documents, rejected "
        f"{r['problems']}, and stored {r['stored']:,} articles ({repeats} repeat another's "
        "text once cleaned, and the store keeps one article per text); it briefed "
        f"{r['considered']:,}, embedded {r['distinct']:,} distinct texts ({r['sentences']:,} "
        "article sentences with their context, and the theme phrases) and wrote "
        f"{r['items']} items as `--format {FORMATS}`.",
        "",
        "Each figure is one process from start to exit (wall time; CPU time, user and system, "
        "its forked children's included; peak memory), by `wait4`. The bare encoder is a "
        "process that imports the encoder, loads the same model and embeds the same texts in "
        "the same calls and batches as the render (`embed_texts` without a store), run just "
        "before the render and just after it; the render is a cold `python -m briefing "
        "--config X --verbose render` (fresh state_dir). **Ratio: the render's wall time over "
        "the mean of the two bare runs'**, import and model load included in both: the bare "
        "run is the time the model alone needs for this day, and the ratio is what "
        f"everything else adds. Torch threads: {threads}.",
        "",
        "| | bare encoder, before | cold render | bare encoder, after | **ratio** |",
        "| --- | --- | --- | --- | --- |",
        f"| wall | {b0['wall']:.2f} s | {cold['wall']:.2f} s | {b1['wall']:.2f} s | "
        f"**{r['ratio']:.2f}x** |",
        f"| CPU | {b0['cpu']:.2f} s | {cold['cpu']:.2f} s | {b1['cpu']:.2f} s | "
        f"{r['cpu_ratio']:.2f}x |",
        f"| peak memory | {b0['rss']:.0f} MB | {cold['rss']:.0f} MB | {b1['rss']:.0f} MB | |",
        "",
        *_before_lines(r),
        f"- the bare runs: start-up and imports {b0['import']:.2f} / {b1['import']:.2f} s, "
        f"model load {b0['load']:.2f} / {b1['load']:.2f} s, encoding {b0['encode']:.2f} / "
        f"{b1['encode']:.2f} s (before / after)",
        f"- the render's stages (`--verbose`, wall): {stage_cells}; "
        f"{cold['wall'] - sum(st.values()):.2f} s outside them (start-up, imports, the "
        f"archive); its model work is about the bare runs': {model:.2f} s of imports and "
        f"load, {encode:.2f} s of encoding, inside `analysing`",
        f"- before this work: {baseline}",
        f"- machine: {info['cpu']}, {info['cores']} cores; load average {r['load'][0]:.2f} → "
        f"{r['load'][1]:.2f} → {r['load'][2]:.2f} (before, after the render, at the end); "
        f"`uptime`: `{r['uptime']}`. Other agents' work shares the two cores, so each time is an "
        "upper bound; the ratio of runs made minutes apart in one run is what counts.",
        SECTION_END,
        "",
    ]
    return "\n".join(lines)


def _before_lines(r: dict) -> list[str]:
    """The render with the code before this work, made between the same bare runs."""
    before = r["before"]
    if not before:
        return []
    wall = _mean(r["bare"], "wall")
    cpu = _mean(r["bare"], "cpu")
    stage_cells = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in
                            before["stages"].items())
    return [f"The same day rendered cold with the code before this work ({before['code']}), "
            "in the same run, between the same bare runs: "
            f"{before['wall']:.2f} s wall (**{before['wall'] / wall:.2f}x**), "
            f"{before['cpu']:.2f} s CPU ({before['cpu'] / cpu:.2f}x), {before['rss']:.0f} MB; "
            f"its stages: {stage_cells}.", ""]


BASELINE = ("1.44x on issue 25 (17.5 s against 12.2 s, same run; 1.04x on 12-01)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, help="kept after the run (default: a "
                        "temporary folder, removed)")
    parser.add_argument("--write-doc", action="store_true",
                        help="write the figures into docs/benchmarks.md")
    parser.add_argument("--baseline", default=BASELINE,
                        help="what to quote as the figure before this work")
    parser.add_argument("--before", type=Path, metavar="CODE",
                        help="also render cold with the code in this checkout (e.g. a "
                             "`git worktree` of main), between the bare runs: before and "
                             "after a change, in one run")
    parser.add_argument("--result", type=Path, metavar="JSON",
                        help="write the section from a result this script printed before "
                             "(no measuring)")
    parser.add_argument("--render-only", action="store_true",
                        help="only write the day and its config into --workdir")
    args = parser.parse_args(argv)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="briefing-realday-"))
    if root.exists() and any(root.iterdir()):
        parser.error(f"{root} is not empty: the day starts from nothing")
    root.mkdir(parents=True, exist_ok=True)
    if args.render_only:
        counts = write_day(root / "corpus")
        print(f"{counts} written; render with: briefing --config {make_config(root)} render")
        return 0
    if args.result:
        result = json.loads(args.result.read_text(encoding="utf-8"))
    else:
        measured = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        result = run(root, args.before.resolve() if args.before else None)
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        result |= {"measured": measured, "uptime": uptime}
        print(json.dumps(result, indent=2))
    if args.write_doc:
        write_section(section(result, args.baseline), SECTION_START, SECTION_END)
    if args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
