"""The state database: one SQLite file (WAL) in ``state_dir``.

It remembers every article seen (by content hash, so the same text is never stored twice),
which briefing covered which article, sentence embeddings by content, the reasons inputs
were rejected, each source's fetch status (with ETag / Last-Modified), runs, and the outbox.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.models import Article, RawDocument

if TYPE_CHECKING:  # numpy is imported by the calls that need it: a warm run may not
    import numpy as np

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    url TEXT,
    path TEXT,
    published TEXT,
    text TEXT NOT NULL,
    origin TEXT NOT NULL,
    entry_key TEXT,
    title_generated INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    superseded_by TEXT
);
CREATE INDEX IF NOT EXISTS articles_entry ON articles(entry_key);
CREATE TABLE IF NOT EXISTS briefings (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    items INTEGER NOT NULL,
    articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS coverage (
    briefing_id INTEGER NOT NULL REFERENCES briefings(id),
    article_id TEXT NOT NULL REFERENCES articles(id),
    PRIMARY KEY (briefing_id, article_id)
);
CREATE INDEX IF NOT EXISTS coverage_article ON coverage(article_id);
CREATE TABLE IF NOT EXISTS embeddings (
    key TEXT PRIMARY KEY,
    vector BLOB NOT NULL
);
-- Raw documents already cleaned into a stored article (digest of bytes and metadata), so a
-- folder of 10,000 known files is re-read but not re-cleaned on every run.
CREATE TABLE IF NOT EXISTS documents (
    digest TEXT PRIMARY KEY,
    article_id TEXT NOT NULL
);
-- Files whose every document is stored, by absolute path, with a stat signature (see
-- sources.FileDone): a run skips reading an unchanged one at all.
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    documents INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS problems (
    origin TEXT NOT NULL,
    source_key TEXT,
    reason TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (origin, reason)
);
CREATE TABLE IF NOT EXISTS sources (
    key TEXT PRIMARY KEY,
    last_fetch TEXT,
    status TEXT,
    etag TEXT,
    last_modified TEXT,
    documents INTEGER NOT NULL DEFAULT 0,
    new_articles INTEGER NOT NULL DEFAULT 0,
    problems INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    briefing_dir TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    message BLOB NOT NULL,
    status TEXT NOT NULL,          -- pending | sending | sent | failed | unknown
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox(status, next_attempt_at);
-- Small facts the daemon keeps between runs (last scheduled briefing handled, first start).
CREATE TABLE IF NOT EXISTS daemon_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
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
        self.db.executescript(_SCHEMA)
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # --- articles ---------------------------------------------------------------------------

    def add_article(self, article: Article, document: str | None = None) -> str:
        """Store an article; return 'new', 'known' (same text seen before) or 'updated'
        (a feed entry whose text changed: the old version is superseded, not duplicated).
        ``document`` is the digest of the raw document it was cleaned from (see
        ``document_digest``), remembered so that document is not cleaned again."""
        with self.transaction() as db:
            if document is not None:
                db.execute("INSERT OR IGNORE INTO documents VALUES (?, ?)",
                           (document, article.id))
            if db.execute("SELECT 1 FROM articles WHERE id=?", (article.id,)).fetchone():
                return "known"
            status = "new"
            if article.entry_key:
                old = db.execute("SELECT id FROM articles WHERE entry_key=? AND "
                                 "superseded_by IS NULL", (article.entry_key,)).fetchall()
                for row in old:
                    db.execute("UPDATE articles SET superseded_by=? WHERE id=?",
                               (article.id, row["id"]))
                    status = "updated"
            db.execute(
                "INSERT INTO articles (id, title, source, url, path, published, text, origin, "
                "entry_key, title_generated, first_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (article.id, article.title, article.source, article.url, article.path,
                 article.published, article.text, article.origin, article.entry_key,
                 int(article.title_generated), now_iso()),
            )
            return status

    def articles(self, *, uncovered_only: bool, ids: Iterable[str] | None = None
                 ) -> list[Article]:
        """Current (not superseded) articles, oldest first; optionally only those no briefing
        has covered yet, or only the given ids."""
        sql = "SELECT * FROM articles WHERE superseded_by IS NULL"
        args: list = []
        if uncovered_only:
            sql += " AND id NOT IN (SELECT article_id FROM coverage)"
        if ids is not None:
            ids = list(ids)
            sql += f" AND id IN ({','.join('?' * len(ids))})"
            args += ids
        rows = self.db.execute(sql + " ORDER BY first_seen, rowid", args).fetchall()
        return [_article_from_row(r) for r in rows]

    @staticmethod
    def document_digest(doc: RawDocument, language: str) -> str:
        """What cleaning a raw document depends on: its bytes, type, metadata, language."""
        digest = hashlib.sha256()
        for part in (language, doc.media_type, doc.title, doc.url, doc.published,
                     doc.source_name):
            digest.update(f"{part}\x00".encode())
        digest.update(doc.content)
        return digest.hexdigest()

    def known_documents(self) -> set[str]:
        """Digests of raw documents already cleaned into a stored article."""
        return {row[0] for row in self.db.execute(
            "SELECT digest FROM documents JOIN articles ON articles.id = documents.article_id")}

    def known_files(self) -> dict[str, tuple[str, int]]:
        """Files read before whose every document is stored: path -> (signature, documents)."""
        return {row[0]: (row[1], row[2]) for row in
                self.db.execute("SELECT path, signature, documents FROM files")}

    def remember_files(self, files: Iterable[tuple[str, str, int]]) -> None:
        """Record (path, signature, documents) of files whose documents are all stored."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", files)

    def has_entry(self, entry_key: str) -> bool:
        """Whether a current (not superseded) article came from this feed entry."""
        row = self.db.execute("SELECT 1 FROM articles WHERE entry_key=? AND superseded_by IS "
                              "NULL LIMIT 1", (entry_key,)).fetchone()
        return row is not None

    def article_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    # --- briefings --------------------------------------------------------------------------

    def record_briefing(self, date: str, out_dir: Path, article_ids: Iterable[str],
                        items: int) -> int:
        ids = sorted(set(article_ids))
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO briefings (date, created_at, out_dir, items, articles) "
                "VALUES (?,?,?,?,?)", (date, now_iso(), str(out_dir), items, len(ids)))
            briefing_id = cur.lastrowid
            db.executemany("INSERT OR IGNORE INTO coverage VALUES (?, ?)",
                           [(briefing_id, a) for a in ids])
        return int(briefing_id)

    def last_briefing(self) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM briefings ORDER BY id DESC LIMIT 1").fetchone()

    def briefings(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM briefings ORDER BY id").fetchall()

    def covered_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT article_id FROM coverage")}

    # --- embeddings cache -------------------------------------------------------------------

    @staticmethod
    def embedding_key(model_id: str, text: str) -> str:
        return hashlib.sha1(f"{model_id}\x00{text}".encode()).hexdigest()

    def get_embeddings(self, keys: list[str]) -> dict[str, np.ndarray]:
        import numpy as np

        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):  # SQLite caps bound variables
            chunk = keys[start:start + 500]
            rows = self.db.execute(
                f"SELECT key, vector FROM embeddings WHERE key IN ({','.join('?' * len(chunk))})",
                chunk)
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_embeddings(self, pairs: Iterable[tuple[str, np.ndarray]]) -> None:
        import numpy as np

        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?)",
                           [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in pairs])

    # --- problems and source status ---------------------------------------------------------

    def record_problem(self, origin: str, reason: str, source_key: str | None) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO problems VALUES (?,?,?,?)",
                       (origin, source_key, reason, now_iso()))

    def problems(self, source_key: str | None = None) -> list[sqlite3.Row]:
        if source_key is None:
            return self.db.execute("SELECT * FROM problems ORDER BY seen_at").fetchall()
        return self.db.execute("SELECT * FROM problems WHERE source_key=? ORDER BY seen_at",
                               (source_key,)).fetchall()

    def source_state(self, key: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM sources WHERE key=?", (key,)).fetchone()

    def update_source(self, key: str, *, status: str, documents: int = 0, new_articles: int = 0,
                      problems: int = 0, etag: str | None = None,
                      last_modified: str | None = None, keep_validators: bool = True) -> None:
        with self.transaction() as db:
            old = db.execute("SELECT * FROM sources WHERE key=?", (key,)).fetchone()
            if old and keep_validators:
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

    # --- runs -------------------------------------------------------------------------------

    def start_run(self, kind: str) -> int:
        with self.transaction() as db:
            cur = db.execute("INSERT INTO runs (kind, started_at, status) VALUES (?,?,?)",
                             (kind, now_iso(), "running"))
            return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str, detail: str = "") -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=?, status=?, detail=? WHERE id=?",
                       (now_iso(), status, detail, run_id))

    def close_unfinished_runs(self, status: str = "interrupted") -> int:
        """Mark runs a killed process left 'running'; return how many there were."""
        with self.transaction() as db:
            cur = db.execute("UPDATE runs SET finished_at=?, status=? WHERE status='running'",
                             (now_iso(), status))
            return cur.rowcount

    # --- daemon state -----------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM daemon_state WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_state(self, key: str, value: str | None) -> None:
        """Set (or, with None, delete) one daemon fact."""
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM daemon_state WHERE key=?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO daemon_state VALUES (?, ?)", (key, value))

    # --- outbox -----------------------------------------------------------------------------
    # Status moves pending -> sending -> sent; a send that fails goes back to pending (with a
    # later next_attempt_at) or, when the server refused the message itself, to failed. A row
    # still 'sending' after a crash is moved to 'unknown' (see briefing/deliver.py).

    def enqueue_message(self, briefing_dir: Path, recipients: Iterable[str], subject: str,
                        message: bytes) -> int:
        now = now_iso()
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO outbox (briefing_dir, recipients, subject, message, status, "
                "next_attempt_at, created_at) VALUES (?,?,?,?,'pending',?,?)",
                (str(briefing_dir), "\n".join(recipients), subject, message, now, now))
            return int(cur.lastrowid)

    def outbox_message(self, message_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM outbox WHERE id=?", (message_id,)).fetchone()

    def outbox(self, statuses: Iterable[str] | None = None) -> list[sqlite3.Row]:
        """Outbox rows (without the message bytes), oldest first."""
        sql = ("SELECT id, briefing_dir, recipients, subject, status, attempts, "
               "next_attempt_at, last_error, created_at, sent_at FROM outbox")
        args: list = []
        if statuses is not None:
            args = list(statuses)
            sql += f" WHERE status IN ({','.join('?' * len(args))})"
        return self.db.execute(sql + " ORDER BY id", args).fetchall()

    def due_messages(self, now: str | None = None) -> list[int]:
        """Ids of pending messages whose next attempt is due (all pending ones without now)."""
        if now is None:
            rows = self.db.execute("SELECT id FROM outbox WHERE status='pending' ORDER BY id")
        else:
            rows = self.db.execute("SELECT id FROM outbox WHERE status='pending' AND "
                                   "next_attempt_at <= ? ORDER BY id", (now,))
        return [r[0] for r in rows]

    def start_attempt(self, message_id: int) -> bool:
        """Count an attempt on a pending message; False if it is not pending (any more)."""
        with self.transaction() as db:
            cur = db.execute("UPDATE outbox SET attempts=attempts+1 "
                             "WHERE id=? AND status='pending'", (message_id,))
            return cur.rowcount == 1

    def mark_sending(self, message_id: int) -> None:
        """pending -> sending: the message body is about to go to the server."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status='sending' WHERE id=?", (message_id,))

    def release_message(self, message_id: int, error: str, next_attempt_at: str) -> None:
        """back to pending: the server did not take the message; try again later."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status='pending', last_error=?, next_attempt_at=? "
                       "WHERE id=?", (error, next_attempt_at, message_id))

    def finish_message(self, message_id: int, status: str, note: str | None = None) -> None:
        """-> sent | failed."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status=?, last_error=?, sent_at=? WHERE id=?",
                       (status, note, now_iso() if status == "sent" else None, message_id))

    def requeue_failed(self) -> int:
        """failed -> pending, due now (an operator asked to retry)."""
        with self.transaction() as db:
            return db.execute("UPDATE outbox SET status='pending', next_attempt_at=? "
                              "WHERE status='failed'", (now_iso(),)).rowcount

    def mark_interrupted_sends(self) -> list[int]:
        """sending -> unknown for sends a crash cut short; return their ids."""
        with self.transaction() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM outbox WHERE status='sending'")]
            db.execute("UPDATE outbox SET status='unknown', last_error=? WHERE status='sending'",
                       ("interrupted while the server was receiving it; it may have been "
                        "delivered, so it is not sent again automatically",))
            return ids


def _article_from_row(row: sqlite3.Row) -> Article:
    return Article(id=row["id"], title=row["title"], source=row["source"], text=row["text"],
                   url=row["url"], path=row["path"], published=row["published"],
                   title_generated=bool(row["title_generated"]), origin=row["origin"],
                   entry_key=row["entry_key"])
