"""The store: one SQLite file (WAL) in ``state_dir``, or a PostgreSQL database that several
daemons share (``database_url``); one connection, grouped by concern.

- ``articles``: every article seen (by content hash, so the same text is never stored twice),
  the raw documents and files it came from, which briefing covered which article;
- ``embeddings``: sentence vectors by content;
- ``sources``: each source's fetch status and the inputs it rejected, and why;
- ``outbox``: email waiting to be sent, sent, or failed;
- ``daemon_state``: runs, and what the daemon keeps between runs;
- ``stories``: each briefing's stories and lines with their vectors (stories across days).

Desks: several configs may share one database (``desk``). Articles, documents, sources,
embeddings and the daemons' coordination rows are everyone's; briefings (and through them
coverage and story memory), the outbox and the daemon state belong to one desk, and a
``Store`` opened for a desk reads and writes only that desk's.

``schema`` holds the tables and their migrations (checked on every open); ``dialect`` every
difference between the two engines.

A database that cannot be used (damaged, truncated, read-only, on a full disk, a server that
does not answer) raises ``StoreError`` naming the file (or the address, without its
password) and what to do, never a bare ``sqlite3`` or ``psycopg`` error: opening checks
what it can before anything is written, and ``store_error`` turns an error met later into
the same kind of message. Nothing here deletes or rewrites a damaged file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from briefing.clock import now_iso
from briefing.errors import StoreError
from briefing.store.articles import ArticleTables
from briefing.store.base import DEFAULT_DESK
from briefing.store.coordination import CoordinationTables
from briefing.store.daemon_state import DaemonTables
from briefing.store.dialect import database_errors, dialect_for, is_database_url, safe_url
from briefing.store.embeddings import EmbeddingCache
from briefing.store.outbox import OutboxTable
from briefing.store.schema import SCHEMA_VERSION, migrate
from briefing.store.sources import SourceTables
from briefing.store.stories import StoryRecord, StoryTables

__all__ = ["DEFAULT_DESK", "SCHEMA_VERSION", "Store", "StoryRecord", "database_errors", "now_iso",
           "store_error"]

_HEADER = b"SQLite format 3\x00"


class Store(ArticleTables, EmbeddingCache, SourceTables, OutboxTable, DaemonTables,
            StoryTables, CoordinationTables):
    def __init__(self, target: Path | str, desk: str = DEFAULT_DESK):
        """Open (and migrate) the SQLite file at ``target``, or the PostgreSQL database a
        ``postgresql://`` address names, for ``desk``."""
        self.desk = desk
        self.dialect = dialect_for(target)
        self.path: Path | str = target if is_database_url(target) else Path(target)
        self._lock = threading.RLock()
        if isinstance(self.path, Path):
            _check_writable(self.path)
            _check_complete(self.path)
        try:
            self.db = self.dialect.connect(self.path)
        except database_errors() as exc:
            raise store_error(self.path, exc) from None
        try:
            migrate(self.db, self.where, self.dialect)
        except database_errors() as exc:
            self.db.close()
            raise store_error(self.path, exc) from None
        except BaseException:
            self.db.close()
            raise

    @property
    def where(self) -> str:
        """The database, as messages name it (an address without its password)."""
        return safe_url(self.path) if isinstance(self.path, str) else str(self.path)

    @property
    def shared(self) -> bool:
        """Whether several daemons may use this database at once (PostgreSQL)."""
        return self.dialect.name != "sqlite"

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def store_error(path: Path | str, exc: BaseException) -> StoreError:
    """The one-line StoreError for an error SQLite, PostgreSQL (or the file system) gave on
    ``path``: what is wrong with which file or database, and what to do about it."""
    text = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
    if isinstance(path, str):
        return _server_error(path, " ".join(text.split()))
    lowered = text.lower()
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return StoreError(
            f"{path}: the state database is damaged ({text}); move it aside (for example "
            f"rename it to {path.name}.broken) and run again to start a new one: every "
            "article is read again from the sources. Nothing was changed or deleted")
    if any(w in lowered for w in ("readonly", "read-only", "permission", "unable to open")):
        return StoreError(
            f"{path}: the state database cannot be written ({text}); make state_dir "
            f"{path.parent} writable, or set state_dir to a writable folder")
    if "full" in lowered or "no space" in lowered:
        return StoreError(
            f"{path}: the disk holding the state database is full ({text}); free some "
            "space and run again. Nothing was recorded")
    if "locked" in lowered or "busy" in lowered:
        return StoreError(
            f"{path}: the state database is locked by another process ({text}); wait for it "
            "to finish and run again")
    return StoreError(f"{path}: the state database cannot be used ({text}); check the file "
                      f"and state_dir {path.parent}")


def _server_error(url: str, text: str) -> StoreError:
    where = f"database_url {safe_url(url)}"
    lowered = text.lower()
    if any(w in lowered for w in ("connection", "connect", "server", "socket", "timeout")):
        return StoreError(f"{where}: cannot reach the database ({text}); check that the "
                          "PostgreSQL server runs and the address is right")
    if "does not exist" in lowered and "database" in lowered:
        return StoreError(f"{where}: no such database ({text}); create it (createdb) or "
                          "fix the address")
    return StoreError(f"{where}: the database cannot be used ({text})")


def _check_writable(path: Path) -> None:
    """Refuse a state_dir or database that cannot be written before SQLite half-opens it.

    ``os.access`` also answers for a read-only file system, where even root cannot write
    (chmod alone does not stop root, so that is what the tests use).
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"state_dir {folder}: cannot create it ({exc.strerror or exc}); "
                         "set state_dir to a folder that can be made and written") from None
    if not folder.is_dir():
        raise StoreError(f"state_dir {folder}: not a folder; set state_dir to a folder")
    for target in (folder, path):
        if target.exists() and not os.access(target, os.W_OK):
            raise StoreError(
                f"state_dir {folder}: {target} is read-only; the state database must be "
                "written on every run. Make it writable, or set state_dir to a writable "
                "folder")


def _check_complete(path: Path) -> None:
    """Refuse a database file shorter than its own header says (a truncated copy, a disk that
    filled up): SQLite would only notice when a query reaches a missing page, mid-run.

    Only checked with no write-ahead log beside it: pages still in the log may make the main
    file legitimately shorter until the next checkpoint.
    """
    wal = path.with_name(path.name + "-wal")
    try:
        size = path.stat().st_size
        if size == 0 or (wal.exists() and wal.stat().st_size > 0):
            return
        with path.open("rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        return  # a new database
    except OSError as exc:
        raise store_error(path, exc) from None
    if len(header) < 100 or not header.startswith(_HEADER):
        raise store_error(path, sqlite3.DatabaseError("file is not a database"))
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The header's page count is valid only if its "version-valid-for" matches the change
    # counter (files written by old SQLite versions may not keep it up to date).
    valid = header[24:28] == header[92:96]
    if valid and pages and size < pages * page_size:
        raise StoreError(
            f"{path}: the state database is truncated ({size:,} of {pages * page_size:,} "
            f"bytes); move it aside (for example rename it to {path.name}.broken) and run "
            "again to start a new one: every article is read again from the sources. "
            "Nothing was changed or deleted")
