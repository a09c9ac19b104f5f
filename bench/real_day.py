"""A real news day, cold: the render against the bare model on the same sentences, one run.

The day is every real article at hand, read in place and written as a folder source into a
temporary folder (never into the repository): the RUWA wire items (headline, then the
subheading when there is one, as ``bench/days.py`` reads them), the MultiLing 2011 English
documents (headline and paragraphs, without the date line) and the project's seed articles
(their raw files, through the real cleaner). The config is the shipped one with no window
(``window_hours: 0``: the items span two months of 2022 and 2005–2010).

One run measures, each as its own process (wall time from start to exit, CPU time and peak
memory by ``wait4``):

1. the bare models: a process that imports the encoder, loads the model the pipeline uses
   and embeds exactly the texts the render will embed, in the same calls and batches
   (``embed_texts`` without a store: the article sentences, then the theme phrases), then
   imports and loads the parser and parses the leads the render asks it about (recorded by
   an untimed render of the day beforehand, ``texts_parsed``);
2. a cold ``python -m briefing --config X --verbose render --format json,md`` (fresh
   state_dir), its stages' times from the log; with ``--before CHECKOUT``, also a cold
   render with the code in that checkout, the two taking turns;
3. the bare models again (the shared host's speed drifts over minutes); with
   ``--repeat N``, steps 2 and 3 N times, so each render lies between two bare runs.

A render's ratio is its wall time over the mean of the bare runs around it; the headline is
the median. The texts are found before the renders by reading the day into a scratch store
(not timed), and checked after them against the embeddings a render stored: the same set, or
the run fails. Last, where the time besides the model goes: the render again, in-process, on
a store holding only the day's embeddings, CPU seconds by stage (``STAGE_CPU``).

    make real-day   # = .venv/bin/python bench/real_day.py --write-doc
    .venv/bin/python bench/real_day.py --before /tmp/before --repeat 3 --write-doc
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

# The bare models, in one process: only what loading and running them needs. The encoder
# embeds the render's texts; the parser (``text.parse``, as ``first_line_problem`` asks it)
# is imported, loaded and run on the leads the render parsed (``texts_parsed``).
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
from briefing.text.standalone import first_line_problem
leads = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
for text in leads:
    first_line_problem(text)
parsed = time.perf_counter()
print(json.dumps({"texts": sum(map(len, calls)), "import": imported - start,
                  "load": loaded - imported, "encode": done - loaded,
                  "parse": parsed - done, "parsed": len(leads)}))
"""

# Where the render's time goes besides the model: the render again, in-process, on a store
# that holds only the embeddings of a cold render (so nothing is encoded and the model never
# loads), with the CPU seconds of each stage (``Pipeline.stage``); forked children's apart.
# argv: the config, where to print the JSON.
STAGE_CPU = """
import contextlib, io, json, resource, sys, time
start = time.process_time()
import briefing.pipeline as pipeline
from briefing.cli import main
seconds = {}
stage = pipeline.Pipeline.stage
@contextlib.contextmanager
def timed(self, name, *, counted=False):
    began = time.process_time()
    with stage(self, name, counted=counted):
        yield
    seconds[name] = seconds.get(name, 0.0) + time.process_time() - began
pipeline.Pipeline.stage = timed
with contextlib.redirect_stdout(io.StringIO()):
    main(["--config", sys.argv[1], "render", "--format", "json,md"])
total = time.process_time() - start
children = resource.getrusage(resource.RUSAGE_CHILDREN)
seconds |= {"outside the stages": total - sum(seconds.values()),
            "forked children": children.ru_utime + children.ru_stime}
print(json.dumps(seconds))
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


def texts_parsed(config: Path, scratch: Path) -> list[str]:
    """The lines a render of ``config`` asks the parser about (the leads it is about to
    choose), recorded by a render in this process into a scratch state_dir (not timed)."""
    import briefing.text.parse as parse
    from briefing.config import load_settings
    from briefing.pipeline import Pipeline

    asked: list[str] = []
    parsed = parse._parse

    def recording(text: str):
        if text not in asked:
            asked.append(text)
        return parsed(text)

    settings = load_settings(config).model_copy(update={"state_dir": scratch / "state",
                                                        "output_dir": scratch / "output"})
    parse._parse = recording
    try:
        with Pipeline(settings) as pipeline:
            pipeline.render(formats=("json",))
    finally:
        parse._parse = parsed
    return asked


def code_label(folder: Path) -> str:
    """The checkout's commit ("main at 4e8c7fb"), or its path if it is no git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    if not commit:
        return str(folder)
    return f"commit {commit}" if branch in ("", "HEAD") else f"{branch} at {commit}"


def stage_cpu(root: Path, database: Path, codes: dict[str, Path], repeat: int
              ) -> dict[str, dict[str, float]]:
    """CPU seconds per stage of a render that encodes nothing (``STAGE_CPU``) with each code,
    the least of ``repeat`` runs of each, the codes taking turns (a quieter minute for one
    of them would tilt the comparison)."""
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in codes}
    for n in range(repeat):
        for kind, code in codes.items():
            folder = root / f"stages-{kind}-{n}"
            (folder / "state").mkdir(parents=True)
            shutil.copyfile(database, folder / "state" / database.name)
            with sqlite3.connect(folder / "state" / database.name) as db:
                tables = [row[0] for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")]
                for table in tables:
                    if table != "embeddings":
                        db.execute(f"DELETE FROM {table}")  # noqa: S608 (the store's names)
            config = make_config(folder, str(root / "corpus"))
            log(f"stages without the model ({kind}, {code})")
            done = subprocess.run([PYTHON, "-c", STAGE_CPU, str(config)], cwd=folder,
                                  capture_output=True, text=True, check=True,
                                  env={**os.environ, "PYTHONPATH": str(code)})
            runs[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {kind: {name: min(r.get(name, 0.0) for r in found) for name in found[0]}
            for kind, found in runs.items()}


def stored_keys(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT key FROM embeddings")}


def stages(stderr: str) -> dict[str, float]:
    """The render's stage times from its --verbose log ("stage composing: 1.23 s")."""
    return {m[1]: float(m[2]) for m in re.finditer(r"stage (\w+): ([\d.]+) s", stderr)}


# --- the run --------------------------------------------------------------------------------


def run(root: Path, before_code: Path | None = None, repeat: int = 1) -> dict:
    """Bare encoder, (the earlier code's render,) render, ``repeat`` times, then the bare
    encoder once more: each render lies between two bare runs."""
    from briefing.analyse.embedder import MODEL_ID
    from briefing.store import Store

    counts = write_day(root / "corpus")
    log(f"the day: {counts} under {root}")
    calls = texts_to_embed(make_config(root), root / "scratch")
    texts_file = root / "texts.json"
    texts_file.write_text(json.dumps(calls, ensure_ascii=False), encoding="utf-8")
    leads = texts_parsed(make_config(root), root / "probe")
    leads_file = root / "leads.json"
    leads_file.write_text(json.dumps(leads, ensure_ascii=False), encoding="utf-8")
    sequence: list[dict] = []  # every run in the order made

    def bare() -> None:
        log(f"bare models ({sum(map(len, calls)):,} texts, {len(leads)} leads)")
        r = checked(measure([PYTHON, "-c", BARE_ENCODER, str(texts_file), str(leads_file)], root,
                            env={"PYTHONPATH": str(REPO)}), "bare encoder")
        sequence.append(json.loads(r.stdout.strip().splitlines()[-1]) | {
            "kind": "bare", "wall": r.wall, "cpu": r.cpu, "rss": r.rss_mb,
            "load": os.getloadavg()[0]})

    def render(kind: str, code: Path, folder: Path) -> Path:
        log(f"cold render ({kind}, {code})")
        folder.mkdir()
        config = make_config(folder, str(root / "corpus"))
        r = checked(measure(briefing_cli(config, "--verbose", "render", "--format", FORMATS),
                            folder, env={"PYTHONPATH": str(code)}), f"cold render ({kind})")
        sequence.append({"kind": kind, "wall": r.wall, "cpu": r.cpu, "rss": r.rss_mb,
                         "stages": stages(r.stderr), "load": os.getloadavg()[0]})
        return folder / "state" / "briefing.sqlite3"

    database = None
    for n in range(repeat):
        bare()
        # With the earlier code, the two renders take turns coming first: neither is always
        # the one nearer a bare run.
        if before_code is not None and n % 2 == 0:
            render("before", before_code, root / f"before{n}")
        database = render("render", REPO, root / f"render{n}")
        if before_code is not None and n % 2 == 1:
            render("before", before_code, root / f"before{n}")
    bare()
    codes = {"render": REPO} | ({"before": before_code} if before_code is not None else {})
    beyond = stage_cpu(root, database, codes, repeat)

    expected = {Store.embedding_key(MODEL_ID, t) for texts in calls for t in texts}
    stored = stored_keys(database)
    if expected != stored:
        raise SystemExit(f"the render embedded {len(stored):,} texts, the bare encoder "
                         f"{len(expected):,} ({len(stored - expected)} not in the bare run, "
                         f"{len(expected - stored)} not in the render's)")
    with sqlite3.connect(database) as db:
        stored_articles = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        problems = db.execute("SELECT COUNT(*) FROM problems").fetchone()[0]
    day = next(p for p in (database.parent.parent / "output").iterdir() if p.is_dir())
    stats = json.loads((day / "briefing.json").read_text(encoding="utf-8"))["stats"]
    # Each render against the mean of the bare runs just before and just after it.
    bare_at = [n for n, r in enumerate(sequence) if r["kind"] == "bare"]
    for n, r in enumerate(sequence):
        if r["kind"] != "bare":
            around = [sequence[max(b for b in bare_at if b < n)],
                      sequence[min(b for b in bare_at if b > n)]]
            r["ratio"] = r["wall"] / _mean(around, "wall")
            r["cpu_ratio"] = r["cpu"] / _mean(around, "cpu")
            r["beyond_model_cpu"] = r["cpu"] - _mean(around, "cpu")
    return {"counts": counts, "written": sum(counts.values()), "documents": documents,
            "problems": problems, "stored": stored_articles,
            "considered": stats["articles_considered"], "sentences": len(calls[0]),
            "distinct": len(stored), "items": stats["items"], "sequence": sequence,
            "beyond_model": beyond,
            "before": code_label(before_code) if before_code else None,
            "threads": os.environ.get("BRIEFING_THREADS", "")}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _mean(runs: list[dict], key: str) -> float:
    return sum(r[key] for r in runs) / len(runs)


# --- the report -----------------------------------------------------------------------------


def section(r: dict, baseline: str, note: str = "") -> str:
    info = machine()
    seq = r["sequence"]
    renders = [x for x in seq if x["kind"] == "render"]
    befores = [x for x in seq if x["kind"] == "before"]
    c = r["counts"]
    repeats = r["documents"] - r["problems"] - r["stored"]
    threads = (f"`BRIEFING_THREADS={r['threads']}` (torch's threads) in every process"
               if r["threads"] else "torch's default (one per core) in every process")
    names = {"bare": "bare models (encoder, parser)", "render": "cold render",
             "before": f"cold render, code before ({r['before']})"}
    rows = ["| run | wall | CPU | peak memory | stages (wall s, `--verbose`) | ratio: wall / CPU |",
            "| --- | --- | --- | --- | --- | --- |"]
    for x in seq:
        stage_cells = ", ".join(f"{k} {v:.2f}" for k, v in x.get("stages", {}).items()
                                if v >= 0.005)
        if x["kind"] == "bare":
            stage_cells = (f"imports {x['import']:.2f}, model load {x['load']:.2f}, "
                           f"encoding {x['encode']:.2f}, parser (import, load, "
                           f"{x['parsed']} leads) {x['parse']:.2f}")
        ratio = f"**{x['ratio']:.2f}x** / {x['cpu_ratio']:.2f}x" if "ratio" in x else ""
        rows.append(f"| {names[x['kind']]} | {x['wall']:.2f} s | {x['cpu']:.2f} s | "
                    f"{x['rss']:.0f} MB | {stage_cells} | {ratio} |")

    def summary(runs: list[dict], what: str) -> str:
        return (f"{what}: wall **{_median([x['ratio'] for x in runs]):.2f}x**, CPU "
                f"{_median([x['cpu_ratio'] for x in runs]):.2f}x the bare models' "
                f"(median of {len(runs)}); "
                f"{_median([x['beyond_model_cpu'] for x in runs]):.2f} s of CPU beyond the "
                "bare models'")

    lines = [
        SECTION_START,
        "## A real day, cold: the render against the bare model",
        "",
        f"Measured {r['measured']} by `bench/real_day.py` (this section is generated; "
        "`bench/performance.py` keeps it).",
        "",
        "```sh",
        _reproducible(r.get("command") or COMMAND),
        "```",
        "",
        f"Every real article at hand, as one day in a folder source: {c['ruwa']:,} RUWA wire "
        f"items (headline, then the subheading when there is one), {c['multiling']} MultiLing "
        f"2011 English documents and the {c['seeds']} seed articles: {r['written']:,} files "
        "(the 1,655 articles of issue 25), read in place and written to a temporary folder. "
        "The shipped config with no window (`window_hours: 0`: the items are from 2022 and "
        f"2005–2010). A cold render reads {r['documents']:,} documents, rejects "
        f"{r['problems']}, and stores {r['stored']:,} articles ({repeats} repeat another's "
        "text once cleaned, and the store keeps one article per text); it briefs "
        f"{r['considered']:,}, embeds {r['distinct']:,} distinct texts ({r['sentences']:,} "
        "article sentences with their context, and the theme phrases) and writes "
        f"{r['items']} items as `--format {FORMATS}`.",
        "",
        "Each figure is one process from start to exit, by `wait4`: wall time, CPU time (user "
        "and system, its threads' and forked children's included) and peak memory. The bare "
        "models are a process that imports the encoder, loads the same model and embeds the "
        "same texts in the same calls and batches as the render (`embed_texts` without a "
        "store), then imports and loads the parser and parses the leads the render asks it "
        "about (recorded beforehand by an untimed render of the same day); the render is a cold "
        "`python -m briefing --config X --verbose render` (fresh state_dir). Each render is "
        "compared with the mean of the bare runs just before and just after it. **Ratio: the "
        "render's wall time over the bare runs'**, import and model load included in both: "
        "the bare run is the time the model alone needs for this day, and the ratio is what "
        "everything else adds. The CPU ratio says the same in work done, which the other "
        f"processes on the machine disturb less. Torch threads: {threads}.",
        "",
        *rows,
        "",
        *_beyond_rows(r),
        "- " + summary(renders, "this code"),
        *(["- " + summary(befores, f"the code before ({r['before']}), same run")]
          if befores else []),
        f"- issue 25, before this work: {baseline}",
        f"- machine: {info['cpu']}, {info['cores']} cores; load average after each run: "
        + ", ".join(f"{x['load']:.1f}" for x in seq) + "; `uptime` at the end: "
        f"`{r['uptime']}`. Other agents' work shares the two cores, so each time is an upper "
        "bound and the wall times swing with their load; the ratio of runs made minutes "
        "apart in one run is what counts.",
        *(["", note] if note else []),
        SECTION_END,
        "",
    ]
    return "\n".join(lines)


def _reproducible(command: str) -> str:
    """The command as anyone can run it: no scratch folder, the earlier code named."""
    command = re.sub(r" --workdir \S+", "", command)
    if " --before " in command:
        command = re.sub(r" --before \S+", " --before CHECKOUT", command)
        command += ("   # CHECKOUT: the code before, e.g. `git worktree add --detach "
                    "/tmp/before <commit>`")
    return command


def _beyond_rows(r: dict) -> list[str]:
    """Where the time besides the model goes (``STAGE_CPU``): CPU seconds by stage."""
    beyond = r.get("beyond_model") or {}
    if not beyond:
        return []
    codes = [k for k in ("before", "render") if k in beyond]
    label = {"before": f"code before ({r['before']})", "render": "this code"}
    names = list(beyond["render"])
    rows = ["Where the time besides the model goes: the render again on a store that holds "
            "only this day's embeddings (nothing to encode, the model never loaded), in one "
            "process, CPU seconds by stage (`Pipeline.stage`; the least of the runs; the work "
            "of the forked children, which run beside this process, apart):", "",
            "| | " + " | ".join(label[k] for k in codes) + " |",
            "| --- |" + " --- |" * len(codes)]
    rows += [f"| {name} | " + " | ".join(f"{beyond[k].get(name, 0.0):.2f}" for k in codes)
             + " |" for name in names]
    totals = [sum(v for n, v in beyond[k].items() if n != "forked children") for k in codes]
    rows += ["| **this process, in all** | " + " | ".join(f"**{t:.2f}**" for t in totals)
             + " |", ""]
    return rows


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
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="render N times, each between two bare runs (default 1)")
    parser.add_argument("--note", default="", help="a paragraph to add under the figures")
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
        result = run(root, args.before.resolve() if args.before else None, args.repeat)
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        command = COMMAND
        if argv is None and sys.argv[1:]:
            command = ".venv/bin/python bench/real_day.py " + " ".join(sys.argv[1:])
        if os.environ.get("BRIEFING_THREADS"):
            command = f"BRIEFING_THREADS={os.environ['BRIEFING_THREADS']} {command}"
        result |= {"measured": measured, "uptime": uptime, "command": command}
        print(json.dumps(result, indent=2))
    if args.write_doc:
        write_section(section(result, args.baseline, args.note), SECTION_START, SECTION_END)
    if args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
