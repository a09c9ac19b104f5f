"""Articles seen (by content hash), the raw documents and files they came from, and which
briefing covered which article.

Articles, documents and files are every desk's; briefings and their coverage are the store's
desk's, so one desk's briefing never uses up another's news."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from briefing.clock import now_iso
from briefing.records import Article, RawDocument
from briefing.store.base import Tables
from briefing.store.dialect import insert_ignore, upsert

_INSERT_ARTICLE = insert_ignore(
    "articles", ("id", "title", "source", "url", "path", "published", "text", "origin",
                 "entry_key", "title_generated", "first_seen"), ("id",))


class ArticleTables(Tables):
    def add_article(self, article: Article, document: str | None = None) -> str:
        """Store an article; return 'new', 'known' (same text seen before) or 'updated'
        (a feed entry whose text changed: the old version is superseded, not duplicated).
        ``document`` is the digest of the raw document it was cleaned from (see
        ``document_digest``), remembered so that document is not cleaned again."""
        with self.transaction() as db:
            # Insert first, on the key: two daemons storing the same text at once then agree
            # (one inserts, the other finds it known) instead of one failing on the key.
            cur = db.execute(_INSERT_ARTICLE, (
                article.id, article.title, article.source, article.url, article.path,
                article.published, article.text, article.origin, article.entry_key,
                int(article.title_generated), now_iso()))
            if document is not None:
                db.execute(insert_ignore("documents", ("digest", "article_id"), ("digest",)),
                           (document, article.id))
            if cur.rowcount != 1:
                return "known"
            status = "new"
            if article.entry_key:
                old = db.execute("SELECT id FROM articles WHERE entry_key=? AND "
                                 "superseded_by IS NULL AND id<>?",
                                 (article.entry_key, article.id)).fetchall()
                for row in old:
                    db.execute("UPDATE articles SET superseded_by=? WHERE id=?",
                               (article.id, row["id"]))
                    status = "updated"
            return status

    def articles(self, *, uncovered_only: bool, ids: Iterable[str] | None = None
                 ) -> list[Article]:
        """Current (not superseded) articles, oldest first; optionally only those no briefing
        of this desk has covered yet, or only the given ids."""
        sql = "SELECT * FROM articles WHERE superseded_by IS NULL"
        args: list = []
        if uncovered_only:
            sql += f" AND id NOT IN ({_COVERED})"
            args.append(self.desk)
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
            db.executemany(upsert("files", ("path", "signature", "documents"), ("path",)),
                           files)

    def first_seen(self) -> dict[str, str]:
        """Current article id -> when it was first stored (``clock.now_iso()`` text)."""
        return {row[0]: row[1] for row in self.db.execute(
            "SELECT id, first_seen FROM articles WHERE superseded_by IS NULL")}

    def has_entry(self, entry_key: str) -> bool:
        """Whether a current (not superseded) article came from this feed entry."""
        return entry_key in self.known_entries([entry_key])

    def known_entries(self, entry_keys: Iterable[str]) -> set[str]:
        """Those of the entry keys a current (not superseded) article came from. One query
        for a whole feed (a statement per chunk of keys on SQLite): a re-poll of a feed
        whose entries are all stored costs one round trip, not one per entry."""
        keys = sorted(set(entry_keys))
        known: set[str] = set()
        for condition, args in self.dialect.one_of("entry_key", keys):
            known.update(row[0] for row in self.db.execute(
                f"SELECT DISTINCT entry_key FROM articles WHERE superseded_by IS NULL AND "
                f"{condition}", args))
        return known

    def claim_entries(self, entries: Mapping[str, str | None]) -> set[str]:
        """Those of a feed's entries (key -> the key Briefing 0.1 gave it, or None) that
        the store holds a current article for, asked in one query for them all.

        Keys name their feed (``feed#guid``). Before they did, a guid that looked like a
        URI was the key on its own, so two feeds could share it; articles stored under
        such an old key are moved to the new one the first time a feed lists the entry.
        Old keys are not rewritten by a migration because the articles table never
        recorded which feed an article came from; a feed that lists the entry is the best
        owner there is, and after the move the old key matches nothing again."""
        legacy = {key: old for key, old in entries.items() if old and old != key}
        known = self.known_entries([*entries, *legacy.values()])
        moved = {key: old for key, old in legacy.items() if key not in known and old in known}
        if moved:
            with self.transaction() as db:
                db.executemany("UPDATE articles SET entry_key=? WHERE entry_key=?",
                               list(moved.items()))
        return {key for key in entries if key in known or key in moved}

    def article_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    # --- briefings --------------------------------------------------------------------------

    def record_briefing(self, date: str, out_dir: Path, article_ids: Iterable[str],
                        items: int) -> int:
        ids = sorted(set(article_ids))
        with self.transaction() as db:
            briefing_id = self.insert_id(
                db, "INSERT INTO briefings (desk, date, created_at, out_dir, items, articles) "
                "VALUES (?,?,?,?,?,?)", (self.desk, date, now_iso(), str(out_dir), items,
                                         len(ids)))
            db.executemany(insert_ignore("coverage", ("briefing_id", "article_id"),
                                         ("briefing_id", "article_id")),
                           [(briefing_id, a) for a in ids])
        return int(briefing_id)

    def last_briefing(self) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM briefings WHERE desk=? ORDER BY id DESC LIMIT 1",
                               (self.desk,)).fetchone()

    def briefings(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM briefings WHERE desk=? ORDER BY id",
                               (self.desk,)).fetchall()

    def covered_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute(_COVERED, (self.desk,))}


# The ids of the articles a desk's briefings covered (one parameter: the desk).
_COVERED = ("SELECT DISTINCT coverage.article_id FROM coverage JOIN briefings ON "
            "briefings.id = coverage.briefing_id WHERE briefings.desk = ?")


def _article_from_row(row: sqlite3.Row) -> Article:
    return Article(id=row["id"], title=row["title"], source=row["source"], text=row["text"],
                   url=row["url"], path=row["path"], published=row["published"],
                   title_generated=bool(row["title_generated"]), origin=row["origin"],
                   entry_key=row["entry_key"])
