"""What a re-poll of unchanged feeds costs one daemon, on SQLite and on PostgreSQL.

A local HTTP server holds FEEDS feeds of ten wire items each (bench/shared_daemons.py's
feeds: the entries' links lead nowhere, so every feed is read whole at each poll, as in
that benchmark). One daemon's poll (``Coordinator.poll``: claims in batches, leases,
releases) stores them all; then every feed is made due again and polled ROUNDS times with
everything known. Reported: the median seconds of such a pass, per feed, and per entry, and
the statements the store ran per feed in one (each a round trip on PostgreSQL).

Then the store's part alone (``--checks`` feeds of ten known entries, no fetching): the
entry checks asked entry by entry, as before, against feed by feed, and one read of every
cleaned document's digest, which a daemon now makes once per poll pass instead of once per
batch of 50 feeds.

    .venv/bin/python bench/repoll.py [--feeds 200] [--rounds 3] [--checks 2000]

It starts its own PostgreSQL 15 server in a temporary folder (tests/fixtures_pg.py).
Results: docs/scaling.md.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from fixtures_http import LocalHTTPServer  # noqa: E402
from fixtures_pg import start_server, stop_server  # noqa: E402
from fixtures_sql import counting_statements  # noqa: E402

from bench.shared_daemons import config, serve  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.daemon.shared import Coordinator, source_host  # noqa: E402
from briefing.pipeline import Pipeline  # noqa: E402
from briefing.records import Article  # noqa: E402
from briefing.store import Store  # noqa: E402

ENTRIES_PER_FEED = 10


def _later(now: datetime) -> datetime:
    return now + timedelta(hours=1)


def measure(folder: Path, urls: list[str], database: str | None,
            rounds: int) -> tuple[list[float], int]:
    """The seconds of each re-poll pass over every feed, and the statements one ran."""
    path = config(folder, urls, datetime.now(UTC) + timedelta(days=1), database)
    with Pipeline(load_settings(path)) as pipeline:
        coordinator = Coordinator(pipeline.settings, pipeline.store)
        pipeline.store.register_sources((s.label, source_host(s))
                                        for s in coordinator.shared.values())
        stored = len(coordinator.poll(pipeline, _later).new)
        assert stored == len(urls) * ENTRIES_PER_FEED, stored
        seconds = []
        for _ in range(rounds):
            with pipeline.store.transaction() as db:  # every feed due again
                db.execute("UPDATE sources SET next_poll_at=?", ("2000-01-01T00:00:00+00:00",))
            with counting_statements(pipeline.store) as ran:
                started = time.perf_counter()
                again = coordinator.poll(pipeline, _later)
                seconds.append(time.perf_counter() - started)
            assert not again.new and not again.updated
        return seconds, len(ran)


def checks(database, feeds: int) -> dict[str, float]:
    """The store's part alone, without fetching or parsing (which a busy machine blurs):
    the milliseconds a re-poll of ``feeds`` feeds of ten known entries spends on the entry
    checks, asked entry by entry (``has_entry`` and ``entry_retry_at``, as before) and feed
    by feed (``claim_entries`` and ``entry_retry_times``), and one read of every cleaned
    document's digest (``known_documents``: once per batch of 50 feeds before, once per
    pass now)."""
    keys = [[f"feed{f}#{e}" for e in range(ENTRIES_PER_FEED)] for f in range(feeds)]
    with Store(database) as store:
        for f, feed in enumerate(keys):
            with store.transaction():
                for e, key in enumerate(feed):
                    store.add_article(Article(id=f"{f}-{e}", title=key, source="Wire",
                                              text=f"Wire item {key}.", entry_key=key),
                                      document=f"{f}-{e}".rjust(64, "0"))
        started = time.perf_counter()
        for feed in keys:
            for key in feed:
                store.has_entry(key)
                store.entry_retry_at(key)
        by_entry = time.perf_counter() - started
        started = time.perf_counter()
        for feed in keys:
            store.claim_entries(dict.fromkeys(feed))
            store.entry_retry_times(feed)
        by_feed = time.perf_counter() - started
        started = time.perf_counter()
        store.known_documents()
        digests = time.perf_counter() - started
    return {"by_entry": by_entry * 1e3, "by_feed": by_feed * 1e3, "digests": digests * 1e3}


def store_only(feeds: int, databases: list) -> None:
    """The table of ``checks`` for an SQLite file and a PostgreSQL database."""
    print(f"\nstore only, {feeds} feeds x {ENTRIES_PER_FEED} known entries (ms):")
    print(f"{'backend':<12} {'entry by entry':>15} {'feed by feed':>13} "
          f"{'known_documents once':>21}")
    for label, database in zip(("SQLite", "PostgreSQL"), databases, strict=True):
        ms = checks(database, feeds)
        print(f"{label:<12} {ms['by_entry']:>15.0f} {ms['by_feed']:>13.0f} "
              f"{ms['digests']:>21.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checks", type=int, default=2000,
                        help="feeds of the store-only measurement (0: skip it)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # each entry's page "failed recently": not news here
    root = Path(tempfile.mkdtemp(prefix="briefing-bench-repoll-"))
    server = start_server(Path(tempfile.mkdtemp(prefix="briefing-bench-pg-")))
    try:
        with LocalHTTPServer() as http:
            urls = serve(http, args.feeds, args.feeds * ENTRIES_PER_FEED)
            print(f"{'backend':<12} {'feeds':>6} {'s/pass':>8} {'ms/feed':>8} "
                  f"{'µs/entry':>9} {'statements/feed':>16}")
            for label, database in (("SQLite", None), ("PostgreSQL", server.new_database())):
                passes, statements = measure(root / label, urls, database, args.rounds)
                seconds = statistics.median(passes)
                print(f"{label:<12} {args.feeds:>6} {seconds:>8.2f} "
                      f"{seconds / args.feeds * 1e3:>8.1f} "
                      f"{seconds / (args.feeds * ENTRIES_PER_FEED) * 1e6:>9.0f} "
                      f"{statements / args.feeds:>16.1f}", flush=True)
        if args.checks:
            store_only(args.checks, [root / "checks.sqlite3", server.new_database()])
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
