"""The connection every table group of the store shares, and its one way to write."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from briefing.store.dialect import Dialect

# The desk of a config that names none, and of every row written before desks existed
# (schema.DESKS): one config alone behaves as it did.
DEFAULT_DESK = "default"


class Tables:
    """What each table group (articles, embeddings, sources, outbox, daemon state) relies on:
    one connection (``db``: sqlite3's, or psycopg's behind the same calls), its ``dialect``
    and ``transaction()``, shared by all of them in one ``Store``."""

    db: Any
    dialect: Dialect
    desk: str  # whose briefings, coverage, story memory, outbox and state the calls mean
    _lock: threading.RLock
    _depth = 0  # transactions open in this thread: an inner one is part of the outer

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        # The dialect takes the write lock at once where the engine needs it (SQLite), so
        # two writers queue instead of one failing half way through; the RLock keeps the
        # daemon's threads off each other. A transaction opened inside another joins it,
        # so a caller can make several methods' writes one (a briefing and its slot's end).
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            self.dialect.begin(self.db)
            self._depth = 1
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            self.db.execute("COMMIT")

    def insert_id(self, db: Any, sql: str, args: tuple) -> int:
        """Run an INSERT into a table with an ``id`` key; return the new row's id."""
        return self.dialect.insert_id(db, sql, args)
