"""Three daemons on one PostgreSQL against one daemon on SQLite, the same feeds, one run.

A local HTTP server holds FEEDS feeds with ITEMS wire items between them (a headline and a
sentence or two each, dated now, every text different). Then, one after the other:

1. three real daemons (``briefing run`` processes, each with its own state_dir and
   output_dir) on one PostgreSQL 15 database that this script starts in a temporary folder
   (tests/fixtures_pg.py);
2. one real daemon on SQLite.

Each run starts its daemons, which poll at once (and every minute after), store and embed
what they fetched, and make the briefing at a slot set ``--slot-after`` seconds after the
start. Measured per run: entries per second (the items over the time from the first stored
article to the last, counted in the database every half second), the time from the slot to
the briefing's folder appearing (its files are moved into place together), and peak memory
(each daemon's VmHWM, read just before it is stopped). The feeds all live on 127.0.0.1, so
``fetch.per_host`` is raised to let the daemons poll in parallel.

    .venv/bin/python bench/shared_daemons.py                     # 2,000 feeds, 20,000 items
    .venv/bin/python bench/shared_daemons.py --feeds 200 --items 2000

Results: docs/benchmarks.md ("Several daemons on one database").
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fixtures_http import LocalHTTPServer  # noqa: E402
from fixtures_pg import start_server, stop_server  # noqa: E402

from briefing.store import Store  # noqa: E402

# The section of docs/benchmarks.md these figures (and bench/coordination.py's) are in,
# kept when bench/performance.py rewrites the page.
SECTION_START = "<!-- bench/shared_daemons.py: start -->"
SECTION_END = "<!-- bench/shared_daemons.py: end -->"

PLACES = ["Vilnius", "Riga", "Tallinn", "Gdansk", "Kraków", "Brno", "Graz", "Ghent", "Lyon",
          "Porto", "Turin", "Aarhus", "Tampere", "Bergen", "Malmö", "Cork", "Split", "Varna"]
SUBJECTS = ["city council", "port authority", "transport ministry", "regional hospital",
            "university", "water company", "police", "energy regulator", "airport",
            "teachers' union", "farmers' association", "central bank branch"]
ACTIONS = ["approved a budget of {n} million euros for", "postponed a vote on",
           "opened an inquiry into", "announced {n} new jobs at", "signed a contract for",
           "warned of delays to", "cut the price of", "asked the government to pay for"]
THINGS = ["new tram lines", "flood barriers", "a cancer ward", "school repairs",
          "a solar park", "the ring road", "night trains", "a grain terminal",
          "cycle lanes", "a data centre", "river dredging", "social housing"]


def wire_item(rng: random.Random, number: int) -> tuple[str, str]:
    """A headline and one or two sentences; the number makes every text different."""
    place, subject = rng.choice(PLACES), rng.choice(SUBJECTS)
    action = rng.choice(ACTIONS).format(n=rng.randint(2, 900))
    thing = rng.choice(THINGS)
    title = f"{place} {subject} {action.split(' ')[0]} {thing}"
    body = (f"The {subject} in {place} {action} {thing} on {rng.choice(['Monday', 'Tuesday'])}"
            f", officials said in statement number {number}.")
    if rng.random() < 0.6:
        body += (f" About {rng.randint(20, 4000)} residents are affected, and a decision is "
                 f"expected within {rng.randint(2, 30)} days.")
    return title, body


def feed_bytes(items: list[tuple[str, str, str]]) -> bytes:
    published = format_datetime(datetime.now(UTC), usegmt=True)
    entries = "".join(f"<item><title>{t}</title><guid>{g}</guid><pubDate>{published}"
                      f"</pubDate><description>{b}</description></item>" for g, t, b in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire'
            f"</title><link>https://wire.example.org/</link><description>Wire</description>"
            f"{entries}</channel></rss>").encode()


def serve(server: LocalHTTPServer, feeds: int, items: int) -> list[str]:
    rng = random.Random(27)
    urls = []
    for f in range(feeds):
        entries = []
        for n in range(f, items, feeds):
            title, body = wire_item(rng, n)
            entries.append((f"item-{n}", title, body))
        path = f"/wire/{f}.xml"
        server.routes[path] = (200, {"Content-Type": "application/rss+xml",
                                     "ETag": f'"w{f}"'}, feed_bytes(entries))
        urls.append(server.url(path))
    return urls


def config(folder: Path, urls: list[str], slot: datetime, database: str | None) -> Path:
    folder.mkdir(parents=True)
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    data.update(
        title="Wire Desk", timezone="UTC", sources=[{"feed": u} for u in urls],
        schedule={"poll": "0 * * * * *",
                  "briefing": f"{slot.second} {slot.minute} {slot.hour} * * *",
                  "grace_seconds": 600, "lease_seconds": 60},
        fetch={"per_host": 1000, "poll_seconds": 3600, "max_entries": 1000},
        email={"enabled": False})
    if database:
        data["database_url"] = database
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(label: str, root: Path, urls: list[str], items: int, daemons: int,
        database: str | None, slot_after: float) -> dict:
    start = datetime.now(UTC).replace(microsecond=0)
    slot = start + timedelta(seconds=slot_after)
    configs = [config(root / f"{label}-{n}", urls, slot, database) for n in range(daemons)]
    target = database or configs[0].parent / "state" / "briefing.sqlite3"
    env = dict(os.environ, BRIEFING_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               HF_HUB_OFFLINE="1")
    procs = [subprocess.Popen([sys.executable, "-m", "briefing", "--config", str(c), "run"],
                              cwd=c.parent, stdout=subprocess.DEVNULL,
                              stderr=open(c.parent / "daemon.log", "wb"), env=env)  # noqa: SIM115
             for c in configs]
    first = last = None
    files_at = None
    try:
        while time.time() < slot.timestamp() + 900:
            time.sleep(0.5)
            if last is None:
                try:
                    with Store(target) as store:
                        stored = store.article_count()
                except Exception:  # noqa: BLE001 - not created yet
                    stored = 0
                if stored and first is None:
                    first = time.time()
                if stored >= items:
                    last = time.time()
            if files_at is None and any(any((c.parent / "output").glob("*/briefing.pdf"))
                                        for c in configs):
                files_at = time.time()
            if last is not None and files_at is not None:
                break
        peaks = [peak_mb(p.pid) for p in procs if p.poll() is None]
        load = os.getloadavg()[1]  # other jobs share the machine: say how busy it was
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                proc.kill()
    span = (last - first) if first and last else None
    return {"label": label, "entries_per_s": items / span if span else None,
            "polled_by_slot": last is not None and last <= slot.timestamp(),
            "slot_to_files": files_at - slot.timestamp() if files_at else None,
            "peak_mb": max(peaks, default=0.0), "total_mb": sum(peaks), "slot_after": slot_after,
            "load": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--slot-after", type=float, default=None,
                        help="seconds from the start to the slot (default: from --items, "
                             "per backend)")
    args = parser.parse_args()
    # Starting three models takes a minute or two on two cores; then, at 500 feeds, three
    # daemons on one machine stored 15 items a second and one daemon 43 (docs/benchmarks.md):
    # the slot leaves room for that, with a margin for other jobs on the machine.
    pg_slot = args.slot_after or 150 + args.items * 0.08
    sqlite_slot = args.slot_after or 150 + args.items * 0.035
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the daemons and the server
    root = Path(tempfile.mkdtemp(prefix="briefing-bench-shared-"))
    root.chmod(0o711)  # the server (user postgres) keeps its folder inside
    pg = start_server(root / "pg")
    results = []
    try:
        with LocalHTTPServer() as server:
            urls = serve(server, args.feeds, args.items)
            results.append(run("postgresql", root, urls, args.items, 3, pg.new_database(),
                               pg_slot))
            results.append(run("sqlite", root, urls, args.items, 1, None, sqlite_slot))
    finally:
        stop_server(pg)
    print(f"{args.feeds:,} feeds, {args.items:,} items")
    for r in results:
        rate = f"{r['entries_per_s']:.0f}" if r["entries_per_s"] else "-"
        files = f"{r['slot_to_files']:.1f} s" if r["slot_to_files"] is not None else "-"
        print(f"{r['label']:<11} entries/s {rate:>6}  polled before the slot "
              f"{r['polled_by_slot']!s:<5}  slot to files {files:>8}  peak "
              f"{r['peak_mb']:,.0f} MB per daemon, {r['total_mb']:,.0f} MB together  slot "
              f"{r['slot_after']:.0f} s after start  load {r['load']:.1f}")
    print(f"logs and states in {root}")


if __name__ == "__main__":
    main()
