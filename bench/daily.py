"""The daemon's day: articles arrive over 24 hourly polls, then the briefing slot.

A benchmark, not a timed test. It drives the real daemon (``daemon_session``, its jobs,
its Pipeline and the store) on a fake clock through ``Daemon.step``, so the day takes as long
as the work in it and no waiting:

1. at 07:00 the day before, and every hour after, 1/24 of the day's articles (``bench/corpus``,
   published in the hour before the poll) land in a folder source, and the poll job runs:
   collect, then ``Pipeline.prepare`` (sentences and their vectors, into the cache);
2. at the briefing slot (07:00) the step runs what is due: a poll that finds nothing new,
   then the briefing job: compose from the cached vectors, write md, html, pdf and json,
   queue the email (enabled, to a port nothing listens on: the message is queued and its
   first attempt fails at once, as with a mail server that is down; nothing is sent).

Measured: each poll job's wall time, the time from the slot to the last of the four files
written and to the email queued, and peak resident memory: of the whole day (``getrusage``)
and of the slot alone (the kernel's high-water mark, reset just before the slot through
``/proc/self/clear_refs``). The measurement runs in a child process, so the peak is the
daemon's own. ``--write-doc`` puts the figures in their section of ``docs/benchmarks.md``
(``bench/performance.py`` keeps that section when it rewrites the page).

    .venv/bin/python bench/daily.py                  # the 10,000-article day (the default)
    .venv/bin/python bench/daily.py --articles 1000  # the quick run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.corpus import article, sentence_pool  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
SECTION_START = "<!-- bench/daily.py: start -->"
SECTION_END = "<!-- bench/daily.py: end -->"
SLOT = datetime(2024, 3, 5, 7, 0, tzinfo=UTC)  # the briefing slot of the simulated day
POLLS = 24
FILES = ("briefing.md", "briefing.html", "briefing.pdf", "briefing.json")


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def closed_port() -> int:
    """A local port nothing listens on (bound, then let go): the "down" mail server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(root: Path) -> Path:
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    data.update({
        "timezone": "UTC", "sources": [{"path": "inbox/"}],
        "output_dir": "output", "state_dir": "state",
        "schedule": {"poll": "0 * * * *", "briefing": "0 7 * * *", "grace_seconds": 3600},
        "email": {"enabled": True, "smtp_host": "127.0.0.1", "smtp_port": closed_port(),
                  "security": "none", "from": "briefing@example.org",
                  "to": ["desk@example.org"], "timeout_seconds": 5, "retry_seconds": 60},
    })
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                      encoding="utf-8")
    return config


def land(folder: Path, start: int, stop: int, pool: list[str], hour: datetime) -> None:
    """Articles ``start``..``stop - 1`` arrive, published in the hour before ``hour`` (the
    corpus dates them in 2022; a day's news is dated that day, and inside the window)."""
    folder.mkdir(parents=True, exist_ok=True)
    count = max(stop - start, 1)
    for k, index in enumerate(range(start, stop)):
        data = article(index, pool)
        published = hour - timedelta(seconds=3600 * (count - k) / count)
        data["published"] = published.isoformat(timespec="seconds")
        (folder / f"a{index:06d}.json").write_text(json.dumps(data, ensure_ascii=False),
                                                   encoding="utf-8")


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux: ``clear_refs`` 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """VmHWM, the peak resident set since the last reset (or since start)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pss_mb(pid: int) -> float:
    """A process's proportional set size: its private pages, and its share of those it
    shares (a forked child's pages that are still its parent's count half to each)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class TogetherPeak:
    """The most memory this process and its child processes (a step forked beside the
    slot's work, ``briefing/beside.py``) used at once: their PSS summed, sampled every
    20 ms in a thread. The high-water mark of this process alone misses the child; the
    children's resident sets would count the pages they share with it twice."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TogetherPeak:
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.02):
            total = _pss_mb(me) + sum(_pss_mb(c) for c in _children(me))
            self.peak_mb = max(self.peak_mb, total)


def run_day(root: Path, articles: int, profile: Path | None = None) -> dict:
    """The measured day, in this (child) process."""
    import logging

    from briefing.clock import FakeClock, use_clock
    from briefing.config import load_settings
    from briefing.daemon.scheduler import daemon_session
    from briefing.store import Store

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    config = write_config(root)
    pool = sentence_pool()
    inbox = root / "inbox"
    bounds = [round(articles * k / POLLS) for k in range(POLLS + 1)]
    first_poll = SLOT - timedelta(hours=POLLS)
    polls: list[float] = []
    clock = FakeClock(first_poll)
    with use_clock(clock), daemon_session(load_settings(config), threading.Event()) as daemon:
        for k in range(POLLS):
            hour = first_poll + timedelta(hours=k)
            land(inbox, bounds[k], bounds[k + 1], pool, hour)
            clock.set(hour)
            started = time.perf_counter()
            if k == 0:
                daemon.start()  # start-up queues the recovery, the outbox and a poll
            daemon.step()
            polls.append(time.perf_counter() - started)
            log(f"poll {k + 1}/{POLLS}: {bounds[k + 1] - bounds[k]} article(s), "
                f"{polls[-1]:.1f} s")
        before_slot = peak_mb()
        reset = reset_peak()
        clock.set(SLOT)
        wall_start = time.time()
        started = time.perf_counter()
        with TogetherPeak() as together:
            if profile is not None:  # where the slot's time goes (it costs some time itself)
                import cProfile

                cProfile.runctx("daemon.step()", globals(), {"daemon": daemon}, str(profile))
            else:
                daemon.step()  # the slot's poll (nothing new), the briefing job, its email
        slot_total = time.perf_counter() - started
        slot_peak = peak_mb() if reset else None
        failures = daemon.failures
    day = next(p for p in (root / "output").iterdir() if p.is_dir())
    written = {name: (day / name).stat().st_mtime - wall_start for name in FILES
               if (day / name).exists()}
    with Store(root / "state" / "briefing.sqlite3") as store:
        queued = len(store.outbox())
        briefing = json.loads((day / "briefing.json").read_text(encoding="utf-8"))
    return {
        "articles": articles, "polls": polls, "slot_to_files": max(written.values()),
        "files": written, "slot_to_email_queued": slot_total, "email_queued": queued,
        "peak_mb_day": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_mb_before_slot": before_slot, "peak_mb_slot": slot_peak,
        "peak_mb_slot_with_children": together.peak_mb or None,
        "children_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "failures": failures, "stats": briefing["stats"],
        "cited_articles": len(briefing["articles"]),
        "pdf_bytes": (day / "briefing.pdf").stat().st_size,
    }


def machine_line() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               "unknown")
    load = os.getloadavg()
    threads = os.environ.get("BRIEFING_THREADS", "torch default (all cores)")
    return (f"{cpu}, {os.cpu_count()} cores; torch threads: {threads}; load average at the "
            f"end {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")


def section(result: dict, measured: str, command: str, note: str) -> str:
    polls = result["polls"]
    stats = result["stats"]
    files = ", ".join(f"{name.removeprefix('briefing.')} {t:.1f} s"
                      for name, t in sorted(result["files"].items(), key=lambda x: x[1]))
    slot_peak = (f"{result['peak_mb_slot']:.0f} MB" if result["peak_mb_slot"] is not None
                 else "not measured")
    lines = [
        SECTION_START,
        "## The daemon's day",
        "",
        f"Measured {measured} by `bench/daily.py` (this section is generated; "
        "`bench/performance.py` keeps it).",
        "",
        "```sh",
        command,
        "```",
        "",
        f"{result['articles']:,} articles arrive over 24 hourly polls of a folder source "
        "(1/24 of them each hour, published in the hour before, from `bench/corpus.py`), "
        "through the real daemon on a fake clock (`Daemon.step`): each poll job collects "
        "and analyses its new articles (`Pipeline.prepare`: sentences and vectors into the "
        "cache), and at the 07:00 slot the briefing job composes from the cached vectors, "
        "writes md, html, pdf and json, and queues the email (enabled, to a mail server that "
        "is down: queued, first attempt refused, nothing sent).",
        "",
        "| articles | slot → files written | slot → email queued | peak memory (day) | "
        "peak memory (slot) | poll jobs: median / max / total | sentences | cited "
        "articles (json) | left out as old |",
        "|" + " --- |" * 9,
        f"| {result['articles']:,} | {result['slot_to_files']:.1f} s | "
        f"{result['slot_to_email_queued']:.1f} s | {result['peak_mb_day']:.0f} MB | "
        f"{slot_peak} | {sorted(polls)[len(polls) // 2]:.1f} s / {max(polls):.1f} s / "
        f"{sum(polls):.0f} s | {stats.get('sentences', 0):,} | "
        f"{result['cited_articles']:,} | {stats.get('left_out_old', 0)} |",
        "",
        f"- the files, from the slot: {files}; the PDF is {result['pdf_bytes'] / 1024:.0f} KB",
        *([f"- the slot with the child process it forks (fact grouping, `briefing/beside.py`): "
           f"at most {result['peak_mb_slot_with_children']:.0f} MB at once (the PSS of the "
           "daemon and its children, summed, sampled every 20 ms; the peak memory columns "
           "are the daemon's own); the child's peak resident set was "
           f"{result['children_peak_rss_mb']:.0f} MB, most of it pages it shares with the "
           "daemon"] if result.get("peak_mb_slot_with_children") else []),
        "- each poll (s): " + ", ".join(f"{p:.1f}" for p in polls),
        f"- machine: {machine_line()}",
        "",
    ]
    if note:
        lines += [note, ""]
    lines.append(SECTION_END)
    return "\n".join(lines) + "\n"


def put_section(doc: str, text: str, start: str = SECTION_START, end: str = SECTION_END) -> str:
    """``doc`` with its daily section (or the one between ``start`` and ``end``) replaced by
    ``text`` (appended if it has none)."""
    if start in doc and end in doc:
        head, rest = doc.split(start, 1)
        return head + text.rstrip("\n") + rest.split(end, 1)[1]
    return doc.rstrip("\n") + "\n\n" + text


def write_section(text: str, start: str = SECTION_START, end: str = SECTION_END) -> None:
    """Replace (or add) the section between ``start`` and ``end`` of docs/benchmarks.md."""
    DOC.write_text(put_section(DOC.read_text(encoding="utf-8"), text, start, end),
                   encoding="utf-8")
    log(f"written {DOC}")


def kept_section(doc: str, start: str = SECTION_START, end: str = SECTION_END) -> str | None:
    """The daily section of ``doc`` (or the one between ``start`` and ``end``), for
    ``bench/performance.py`` to keep, or None."""
    if start in doc and end in doc:
        return start + doc.split(start, 1)[1].split(end, 1)[0] + end + "\n"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, help="kept after the run (default: a "
                        "temporary folder, removed)")
    parser.add_argument("--write-doc", action="store_true",
                        help="write the figures into docs/benchmarks.md")
    parser.add_argument("--note", default="", help="a paragraph to add under the figures")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the slot here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the measured process
    args = parser.parse_args(argv)
    if args.child:
        result = run_day(args.child, args.articles, args.profile)
        print(json.dumps(result))
        return 0
    root = args.workdir or Path(tempfile.mkdtemp(prefix="briefing-daily-"))
    if root.exists() and any(root.iterdir()):
        parser.error(f"{root} is not empty: the day starts from nothing")
    root.mkdir(parents=True, exist_ok=True)
    measured = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    log(f"{args.articles:,} articles over {POLLS} polls in {root}")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = [sys.executable, __file__, "--articles", str(args.articles), "--child", str(root)]
    if args.profile:
        child += ["--profile", str(args.profile.resolve())]
    proc = subprocess.run(child, stdout=subprocess.PIPE, env=env, text=True)
    if proc.returncode:
        return proc.returncode
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(result, indent=2))
    if args.write_doc:
        command = ".venv/bin/python bench/daily.py" + (
            f" --articles {args.articles}" if args.articles != 10_000 else "")
        write_section(section(result, measured, command, args.note))
    if args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
