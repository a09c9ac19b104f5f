"""Each source's fetch status (with its ETag / Last-Modified), the inputs it rejected, and
the feed entries whose page failed (and when to try them again)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta

from briefing.clock import iso, now, now_iso
from briefing.store.base import Tables
from briefing.store.dialect import upsert


class SourceTables(Tables):
    def record_problem(self, origin: str, reason: str, source_key: str | None) -> bool:
        """Remember that ``origin`` was rejected for ``reason``; return whether that is news:
        the first problem of this input, or a reason other than its last one. An input that
        keeps failing the same way (a feed entry seen at every poll) is told once."""
        with self.transaction() as db:
            last = db.execute("SELECT reason FROM problems WHERE origin=? ORDER BY seen_at DESC,"
                              " rowid DESC LIMIT 1", (origin,)).fetchone()
            db.execute(upsert("problems", ("origin", "source_key", "reason", "seen_at"),
                              ("origin", "reason")),
                       (origin, source_key, reason, now_iso()))
        return last is None or last["reason"] != reason

    def clear_problems(self, origin: str) -> None:
        """Forget the problems of an input that now works, so a later failure is told."""
        with self.transaction() as db:
            db.execute("DELETE FROM problems WHERE origin=?", (origin,))

    def problems(self, source_key: str | None = None) -> list[sqlite3.Row]:
        if source_key is None:
            return self.db.execute("SELECT * FROM problems ORDER BY seen_at").fetchall()
        return self.db.execute("SELECT * FROM problems WHERE source_key=? ORDER BY seen_at",
                               (source_key,)).fetchall()

    def source_state(self, key: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE key=?", (key,)).fetchone()

    def update_source(self, key: str, *, status: str, documents: int = 0, new_articles: int = 0,
                      problems: int = 0, etag: str | None = None,
                      last_modified: str | None = None) -> None:
        """Record one fetch of a source. A fetch that brought no ETag / Last-Modified (a 304,
        an error) keeps the ones stored, so the next fetch is still conditional."""
        with self.transaction() as db:
            old = db.execute("SELECT * FROM sources WHERE key=?", (key,)).fetchone()
            if old:
                etag = etag or old["etag"]
                last_modified = last_modified or old["last_modified"]
            db.execute(
                "INSERT INTO sources (key, last_fetch, status, etag, last_modified, documents, "
                "new_articles, problems) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE "
                "SET last_fetch=excluded.last_fetch, status=excluded.status, etag=excluded.etag,"
                " last_modified=excluded.last_modified, documents=excluded.documents,"
                " new_articles=sources.new_articles + excluded.new_articles,"
                " problems=excluded.problems",
                (key, now_iso(), status, etag, last_modified, documents, new_articles, problems))

    def sources(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM sources ORDER BY key").fetchall()

    # --- feed entries whose linked page failed ---------------------------------------------

    _MAX_RETRY_SECONDS = 86_400  # a page that keeps failing is still tried once a day

    def record_entry_failure(self, entry_key: str, reason: str, first_pause: float) -> None:
        """One more failure of the entry's page: the next try waits ``first_pause`` seconds,
        doubling with each failure in a row (at most a day)."""
        with self.transaction() as db:
            row = db.execute("SELECT failures FROM entry_failures WHERE entry_key=?",
                             (entry_key,)).fetchone()
            failures = (row["failures"] if row else 0) + 1
            pause = min(first_pause * 2 ** min(failures - 1, 20), self._MAX_RETRY_SECONDS)
            at = now()
            db.execute(upsert("entry_failures", ("entry_key", "failures", "last_failure",
                                                 "retry_at", "reason"), ("entry_key",)),
                       (entry_key, failures, iso(at), iso(at + timedelta(seconds=pause)),
                        reason))

    def entry_retry_at(self, entry_key: str) -> datetime | None:
        """When the entry's failed page may be tried again; None if it has not failed."""
        return self.entry_retry_times([entry_key]).get(entry_key)

    def entry_retry_times(self, entry_keys: Iterable[str]) -> dict[str, datetime]:
        """``entry_retry_at`` for the entries of one feed, in one query: entry key -> when
        its failed page may be tried again (entries whose page has not failed are left
        out)."""
        keys = sorted(set(entry_keys))
        times: dict[str, datetime] = {}
        for condition, args in self.dialect.one_of("entry_key", keys):
            for row in self.db.execute(
                    f"SELECT entry_key, retry_at FROM entry_failures WHERE {condition}", args):
                times[row[0]] = datetime.fromisoformat(row[1])
        return times

    def clear_entry_failure(self, entry_key: str) -> None:
        if self.entry_retry_at(entry_key) is not None:  # a write only when there is one
            with self.transaction() as db:
                db.execute("DELETE FROM entry_failures WHERE entry_key=?", (entry_key,))
