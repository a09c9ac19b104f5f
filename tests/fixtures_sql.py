"""Counting the statements a store runs: on a shared database each one is a round trip, so
a count shows a cost that a timing on a busy machine blurs (tests/test_poll_queries.py,
bench/repoll.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class CountingConnection:
    """The store's own connection, unchanged, keeping the SQL of every statement it runs."""

    def __init__(self, db: Any):
        self.db = db
        self.statements: list[str] = []

    def execute(self, sql: str, args: Any = ()) -> Any:
        self.statements.append(sql)
        return self.db.execute(sql, args)

    def executemany(self, sql: str, rows: Any) -> Any:
        self.statements.append(sql)
        return self.db.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


@contextmanager
def counting_statements(store: Any) -> Iterator[list[str]]:
    """The statements ``store`` runs inside the block (its list grows as they run)."""
    counting = CountingConnection(store.db)
    store.db = counting
    try:
        yield counting.statements
    finally:
        store.db = counting.db
