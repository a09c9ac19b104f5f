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

import numpy as np

from briefing.models import Article

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
    status TEXT NOT NULL,          -- pending | sending | sent | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
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

    def add_article(self, article: Article) -> str:
        """Store an article; return 'new', 'known' (same text seen before) or 'updated'
        (a feed entry whose text changed: the old version is superseded, not duplicated)."""
        with self.transaction() as db:
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


def _article_from_row(row: sqlite3.Row) -> Article:
    return Article(id=row["id"], title=row["title"], source=row["source"], text=row["text"],
                   url=row["url"], path=row["path"], published=row["published"],
                   title_generated=bool(row["title_generated"]), origin=row["origin"],
                   entry_key=row["entry_key"])
