"""The store: one SQLite file (WAL) in ``state_dir``, one connection, grouped by concern.

- ``articles``: every article seen (by content hash, so the same text is never stored twice),
  the raw documents and files it came from, which briefing covered which article;
- ``embeddings``: sentence vectors by content;
- ``sources``: each source's fetch status and the inputs it rejected, and why;
- ``outbox``: email waiting to be sent, sent, or failed;
- ``daemon_state``: runs, and what the daemon keeps between runs;
- ``stories``: each briefing's stories and lines with their vectors (stories across days).

``schema`` holds the tables and their migrations (checked on every open).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from briefing.clock import now_iso
from briefing.store.articles import ArticleTables
from briefing.store.daemon_state import DaemonTables
from briefing.store.embeddings import EmbeddingCache
from briefing.store.outbox import OutboxTable
from briefing.store.schema import SCHEMA_VERSION, migrate
from briefing.store.sources import SourceTables
from briefing.store.stories import StoryRecord, StoryTables

__all__ = ["SCHEMA_VERSION", "Store", "StoryRecord", "now_iso"]


class Store(ArticleTables, EmbeddingCache, SourceTables, OutboxTable, DaemonTables,
            StoryTables):
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False,
                                  isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        migrate(self.db, str(path))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
