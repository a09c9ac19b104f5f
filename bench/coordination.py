"""What sharing one database costs per entry: claims, leases and unique-key checks, with the
embeddings already cached, at 2,000, 20,000 and 100,000 entries, on PostgreSQL (three
claimers) and on SQLite (one), so that its growth is visible.

For each size N: N entries in N / 10 feeds (ten entries a feed). Every feed is registered;
then the claimers (threads, each with its own connection, as three daemons have) lease
batches of due feeds, store each feed's ten entries (``add_article``, unique key on the
content hash), look up the entries' cached vectors (``get_embeddings``, filled beforehand)
and release the feed, until no feed is due. The cost per entry is the wall time over N,
the same work done again with everything known (a repeated poll: the unique keys turn every
entry away), and the claim round trips per feed.

    .venv/bin/python bench/coordination.py [--sizes 2000,20000,100000]

It starts its own PostgreSQL 15 server in a temporary folder (tests/fixtures_pg.py).
Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fixtures_pg import start_server, stop_server  # noqa: E402

from briefing.records import Article  # noqa: E402
from briefing.store import Store  # noqa: E402

ENTRIES_PER_FEED = 10
MODEL = "bench"


def _article(feed: int, entry: int) -> Article:
    return Article(id=f"{feed:06}-{entry:02}", title=f"Story {feed}-{entry}", source="Wire",
                   text=f"Wire item {feed}-{entry}: a headline and a sentence or two.",
                   entry_key=f"feed{feed}#{entry}")


def _fill_cache(database, feeds: int) -> None:
    vector = np.zeros(384, dtype=np.float32)
    with Store(database) as store:
        pairs = [(store.embedding_key(MODEL, _article(f, e).text), vector)
                 for f in range(feeds) for e in range(ENTRIES_PER_FEED)]
        for start in range(0, len(pairs), 5000):
            store.put_embeddings(pairs[start:start + 5000])


def _poll_all(database, feeds: int, claimers: int) -> tuple[float, int, int]:
    """Every feed polled once by ``claimers``; (seconds, claims, entries stored)."""
    keys = [f"feed{n}" for n in range(feeds)]
    counts = {"claims": 0, "stored": 0}
    lock = threading.Lock()

    def claimer(name: str) -> None:
        claims = stored = 0
        with Store(database) as store:
            while batch := store.claim_sources(name, keys, lease_seconds=300, per_host=1000,
                                               limit=50):
                claims += 1
                for key in batch:
                    feed = int(key[4:])
                    articles = [_article(feed, e) for e in range(ENTRIES_PER_FEED)]
                    stored += sum(store.add_article(a) == "new" for a in articles)
                    store.get_embeddings([store.embedding_key(MODEL, a.text)
                                          for a in articles])
                    store.release_source(name, key, "9999-01-01T00:00:00+00:00")
        with lock:
            counts["claims"] += claims
            counts["stored"] += stored

    started = time.perf_counter()
    threads = [threading.Thread(target=claimer, args=(f"d{n}",)) for n in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, counts["claims"], counts["stored"]


def _due_again(database) -> None:
    with Store(database) as store, store.transaction() as db:
        db.execute("UPDATE sources SET next_poll_at='2000-01-01T00:00:00+00:00'")


def measure(database, entries: int, claimers: int) -> dict:
    feeds = entries // ENTRIES_PER_FEED
    with Store(database) as store:
        store.register_sources((f"feed{n}", f"h{n % 200}.example") for n in range(feeds))
        _due_again(database)
    _fill_cache(database, feeds)
    first, claims, stored = _poll_all(database, feeds, claimers)
    _due_again(database)
    again, _, stored_again = _poll_all(database, feeds, claimers)
    assert stored == entries and stored_again == 0, (stored, stored_again)
    return {"entries": entries, "first_us": first / entries * 1e6,
            "repeat_us": again / entries * 1e6, "claims": claims}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,20000,100000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="briefing-bench-pg-"))
    server = start_server(root)
    try:
        print(f"{'backend':<22} {'entries':>8} {'new µs/entry':>13} "
              f"{'repeat µs/entry':>16} {'claims':>7}")
        for size in sizes:
            for label, claimers in (("PostgreSQL, 3 claimers", 3), ("SQLite, 1 claimer", 1)):
                with tempfile.TemporaryDirectory() as folder:
                    database = (server.new_database() if claimers == 3
                                else Path(folder) / "briefing.sqlite3")
                    row = measure(database, size, claimers)
                print(f"{label:<22} {row['entries']:>8,} {row['first_us']:>13.0f} "
                      f"{row['repeat_us']:>16.0f} {row['claims']:>7,}", flush=True)
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
