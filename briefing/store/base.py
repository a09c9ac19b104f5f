"""The connection every table group of the store shares, and its one way to write."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Tables:
    """What each table group (articles, embeddings, sources, outbox, daemon state) relies on:
    one connection (``db``) and ``transaction()``, shared by all of them in one ``Store``."""

    db: sqlite3.Connection
    _lock: threading.RLock

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock at once, so two writers queue instead of one
        # failing half way through; the RLock keeps the daemon's threads off each other.
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
