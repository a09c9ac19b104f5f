"""Every difference between the store's two database engines, in one module.

The store writes its SQL once, in the subset SQLite and PostgreSQL share: ``?`` placeholders,
``INSERT … ON CONFLICT (key) DO NOTHING / DO UPDATE`` for upserts, times as UTC ISO text made
in Python (``clock.now_iso``; no ``now()`` or interval arithmetic in SQL, which the two
engines do differently), explicit ``NULLS FIRST/LAST`` where NULLs are ordered. What cannot be
shared is answered here, by the connection's :class:`Dialect`:

- connecting (a file with WAL, or a ``postgresql://`` address, Unix socket included);
- placeholders (``?`` becomes ``%s`` for psycopg);
- column types in migrations (SQLite's ``INTEGER PRIMARY KEY`` and ``BLOB`` are an identity
  column and ``BYTEA``; text compares byte by byte on both, as SQLite's default does, so
  stored timestamps and keys sort the same everywhere);
- the schema version (``PRAGMA user_version``, or a one-row table);
- how a write transaction starts (SQLite's ``BEGIN IMMEDIATE`` takes the file's write lock;
  PostgreSQL's row locks do that job);
- the new row's id (``lastrowid``, or ``RETURNING id``);
- claims: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, nothing on SQLite, whose one writer at a
  time (``BEGIN IMMEDIATE``) already makes a claim exclusive;
- a column matched against a list of values (``one_of``): one array parameter on
  PostgreSQL, ``IN (?, …)`` in chunks on SQLite, which limits a statement's parameters;
- which exceptions are database errors, and the one line that explains one.

SQLAlchemy Core would hide some of this, but the store's SQL is small and already written
for SQLite; a thin translation keeps every query readable as the SQL that runs.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_database_url(value: str | Path) -> bool:
    """Whether ``value`` names a PostgreSQL database (rather than an SQLite file)."""
    return isinstance(value, str) and value.split(":", 1)[0].lower() in POSTGRES_SCHEMES


def safe_url(url: str) -> str:
    """The address without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def database_errors() -> tuple[type[BaseException], ...]:
    """The exception classes that mean "the database failed": sqlite3's always, psycopg's
    once it is loaded (it is loaded only by a PostgreSQL store)."""
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors += (psycopg.Error,)
    return errors


class Row(tuple):
    """A result row read by position or by column name, like ``sqlite3.Row``."""

    _names: dict[str, int]

    def __new__(cls, values: Iterable[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


class Dialect:
    """SQLite: the default, one file in ``state_dir``."""

    name = "sqlite"
    skip_locked = ""  # one writer at a time: a claim is exclusive without it

    def connect(self, target: str | Path) -> Any:
        db = sqlite3.connect(target, timeout=30, check_same_thread=False,
                             isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            db.close()
            raise
        return db

    def ddl(self, statement: str) -> str:
        return statement

    def begin(self, db: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock at once, so two writers queue instead of one
        # failing half way through.
        db.execute("BEGIN IMMEDIATE")

    def begin_migration(self, db: Any) -> None:
        self.begin(db)

    def schema_version(self, db: Any) -> int:
        return db.execute("PRAGMA user_version").fetchone()[0]

    def set_schema_version(self, db: Any, version: int) -> None:
        db.execute(f"PRAGMA user_version={int(version)}")

    def insert_id(self, db: Any, sql: str, args: Sequence[Any]) -> int:
        return int(db.execute(sql, args).lastrowid)

    def serialize_claims(self, db: Any) -> None:
        """Inside a write transaction: make claims (of sources, slots) queue one after
        another. BEGIN IMMEDIATE already did."""

    def skips(self, migration: int, statement: str) -> bool:
        return False

    def one_of(self, column: str, values: Sequence[Any]) -> Iterator[tuple[str, tuple]]:
        """``column`` among ``values``: (condition, its parameters) pairs, one statement
        each, as few as the engine allows (none for no values)."""
        for start in range(0, len(values), _SQLITE_IN_CHUNK):
            chunk = tuple(values[start:start + _SQLITE_IN_CHUNK])
            yield f"{column} IN ({','.join('?' * len(chunk))})", chunk


# SQLite limits a statement's parameters (999 before 3.32); a chunk below that leaves room
# for a statement's other parameters.
_SQLITE_IN_CHUNK = 900


# Upgrades of rows an older SQLite schema held (migration number, the statement's start): a
# PostgreSQL database is always created by a Briefing that has the later schema, so at the
# time these run it has no such rows, and their SQLite-only string functions are not needed.
_SQLITE_ONLY_BACKFILLS = ((1, "INSERT OR IGNORE INTO outbox_recipients"),)

# The schema version of a PostgreSQL database, and a lock number that keeps two daemons
# starting together from migrating the same database at once.
_PG_VERSION_TABLE = "briefing_schema"
_PG_MIGRATION_LOCK = 0x6272_6566  # "bref"
_PG_CLAIM_LOCK = 0x6272_6567


class PostgresDialect(Dialect):
    name = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def connect(self, target: str | Path) -> Any:
        return _PgConnection(str(target))

    def ddl(self, statement: str) -> str:
        return _pg_types(statement)

    def begin(self, db: Any) -> None:
        db.execute("BEGIN")

    def begin_migration(self, db: Any) -> None:
        db.execute("BEGIN")
        db.execute("SELECT pg_advisory_xact_lock(?)", (_PG_MIGRATION_LOCK,))
        db.execute(f"CREATE TABLE IF NOT EXISTS {_PG_VERSION_TABLE} (version BIGINT NOT NULL)")

    def schema_version(self, db: Any) -> int:
        exists = db.execute("SELECT to_regclass(?)", (_PG_VERSION_TABLE,)).fetchone()[0]
        if exists is None:
            return 0
        row = db.execute(f"SELECT max(version) FROM {_PG_VERSION_TABLE}").fetchone()
        return int(row[0] or 0)

    def set_schema_version(self, db: Any, version: int) -> None:
        db.execute(f"DELETE FROM {_PG_VERSION_TABLE}")
        db.execute(f"INSERT INTO {_PG_VERSION_TABLE} (version) VALUES (?)", (int(version),))

    def insert_id(self, db: Any, sql: str, args: Sequence[Any]) -> int:
        return int(db.execute(sql + " RETURNING id", args).fetchone()[0])

    def serialize_claims(self, db: Any) -> None:
        # Held to the transaction's end; a lock of the transaction, not of the connection,
        # so it cannot outlive a daemon that dies (nor confuse a transaction pooler).
        db.execute("SELECT pg_advisory_xact_lock(?)", (_PG_CLAIM_LOCK,))

    def one_of(self, column: str, values: Sequence[Any]) -> Iterator[tuple[str, tuple]]:
        # One array parameter, whatever the count: one round trip, and one plan to cache.
        if values:
            yield f"{column} = ANY(?)", (list(values),)

    def skips(self, migration: int, statement: str) -> bool:
        return any(number == migration and statement.startswith(start)
                   for number, start in _SQLITE_ONLY_BACKFILLS)


def dialect_for(target: str | Path) -> Dialect:
    return PostgresDialect() if is_database_url(target) else Dialect()


# --- PostgreSQL: placeholders, types, rows ---------------------------------------------------


@lru_cache(maxsize=512)
def _placeholders(text: str) -> str:
    # The store's SQL has no '?' or '%' inside string literals, so a plain replacement is
    # exact: psycopg reads '%' as the start of a placeholder, hence the doubling.
    return text.replace("%", "%%").replace("?", "%s")


_PG_TYPES = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),  # counts and ids outgrow 32 bits on a busy desk
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),  # byte order, as in SQLite
)
# SQLite gives every table an implicit ``rowid`` (insertion order), which the store orders
# by; on PostgreSQL a table without an integer key gets it as a real column, last, so that
# positional INSERTs still fill the columns they name.
_CREATE_TABLE = re.compile(r"^CREATE TABLE IF NOT EXISTS (\w+) \((.*)\)\s*;?\s*\Z", re.S | re.M)


@lru_cache(maxsize=256)
def _pg_types(statement: str) -> str:
    keyed = "INTEGER PRIMARY KEY" in statement
    for pattern, replacement in _PG_TYPES:
        statement = pattern.sub(replacement, statement)
    match = _CREATE_TABLE.search(statement)
    if match and not keyed:
        # On a line of its own: the body's last line may end in a comment.
        statement = (f"CREATE TABLE IF NOT EXISTS {match.group(1)} ({match.group(2).rstrip()}"
                     "\n    , rowid BIGINT GENERATED BY DEFAULT AS IDENTITY\n)")
    return statement


def _pg_rows(cursor: Any):
    """psycopg row factory: rows readable by position and by name, as sqlite3.Row."""
    description = cursor.description
    if description is None:
        return tuple
    names = {column.name: n for n, column in enumerate(description)}
    return lambda values: Row(values, names)


class _PgCursor:
    """The parts of a sqlite3 cursor the store uses, over a psycopg cursor."""

    def __init__(self, cursor: Any):
        self._cursor = cursor

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone() if self._cursor and self._cursor.description else None

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall() if self._cursor and self._cursor.description else []

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._cursor else 0


class _PgConnection:
    """A psycopg connection that takes the store's SQL (``?`` placeholders) as it is.

    A daemon lives for months and the server may restart (or drop idle connections) under
    it: a connection found closed is opened again before the next statement, unless it
    broke inside a transaction, whose statements are then lost and fail as they should
    (the transaction's ROLLBACK, with nothing left to roll back, ends it quietly)."""

    def __init__(self, url: str):
        self.url = url
        self._in_transaction = False
        self.raw = self._connect()

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.url, autocommit=True, row_factory=_pg_rows)

    def _ready(self, sql: str) -> bool:
        """Reconnect if needed; False for a ROLLBACK of a transaction the server dropped."""
        if self.raw.closed:
            if sql == "ROLLBACK":
                self._in_transaction = False
                return False
            if not self._in_transaction:
                self.raw = self._connect()
        if sql == "BEGIN":
            self._in_transaction = True
        elif sql in ("COMMIT", "ROLLBACK"):
            self._in_transaction = False
        return True

    def execute(self, sql: str, args: Sequence[Any] = ()) -> _PgCursor:
        if not self._ready(sql):
            return _PgCursor(None)
        cursor = self.raw.cursor()
        cursor.execute(_placeholders(sql), tuple(args))
        return _PgCursor(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> _PgCursor:
        self._ready(sql)
        cursor = self.raw.cursor()
        rows = [tuple(r) for r in rows]
        if rows:
            cursor.executemany(_placeholders(sql), rows)
        return _PgCursor(cursor)

    @contextmanager
    def consistent_reads(self) -> Iterator[None]:
        """One read-only REPEATABLE READ transaction: every read inside sees the database
        as it was at its first statement, whatever other daemons commit meanwhile."""
        self._ready("BEGIN")
        try:
            with self.raw.transaction():
                self.raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield
        finally:
            self._in_transaction = False

    def stream(self, sql: str, size: int = 2000) -> Iterator[list[Row]]:
        """The rows of a big SELECT in batches of ``size``, never all in memory at once (a
        server-side cursor; inside ``consistent_reads``)."""
        with self.raw.cursor(name="briefing_stream") as cursor:
            cursor.execute(_placeholders(sql))
            while rows := cursor.fetchmany(size):
                yield rows

    def close(self) -> None:
        self.raw.close()


# --- SQL both engines run ----------------------------------------------------------------


@lru_cache(maxsize=64)
def upsert(table: str, columns: tuple[str, ...], keys: tuple[str, ...],
           keep: tuple[str, ...] = ()) -> str:
    """``INSERT`` of one row that replaces the row with the same ``keys`` (SQLite's INSERT OR
    REPLACE, which PostgreSQL lacks), or, with every non-key column in ``keep``, leaves it
    as it is (INSERT OR IGNORE). ``ON CONFLICT`` is the form both engines read."""
    updated = [c for c in columns if c not in keys and c not in keep]
    action = ("DO UPDATE SET " + ", ".join(f"{c}=excluded.{c}" for c in updated)
              if updated else "DO NOTHING")
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            f"({', '.join('?' * len(columns))}) ON CONFLICT ({', '.join(keys)}) {action}")


def insert_ignore(table: str, columns: tuple[str, ...], keys: tuple[str, ...]) -> str:
    """``INSERT`` of one row, or nothing if a row with the same ``keys`` is there."""
    return upsert(table, columns, keys, keep=columns)
