"""The store's schema version is read and acted on: a new database gets every migration, an
old one the missing ones, a newer one is refused with one line, and nothing is lost."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import run_cli, write_config

from briefing.errors import StoreError
from briefing.records import Article
from briefing.store import SCHEMA_VERSION, Store, schema


def _version(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_a_new_database_is_at_the_current_version_with_every_table(tmp_path):
    path = tmp_path / "state" / "briefing.sqlite3"
    Store(path).close()
    assert _version(path) == SCHEMA_VERSION == len(schema.MIGRATIONS)
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "coverage", "embeddings", "sources", "outbox", "daemon_state"} <= tables


def test_a_missing_migration_is_applied_once_and_keeps_the_data(tmp_path, monkeypatch):
    path = tmp_path / "briefing.sqlite3"
    with Store(path) as store:
        store.add_article(Article(id="a1", title="T", source="S", text="Some text."))
    later = (*schema.MIGRATIONS, "CREATE TABLE later_table (x INTEGER);")
    monkeypatch.setattr(schema, "MIGRATIONS", later)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(later))
    with Store(path) as store:
        assert [a.id for a in store.articles(uncovered_only=False)] == ["a1"]
        store.db.execute("INSERT INTO later_table VALUES (1)")
    assert _version(path) == len(later)
    with Store(path) as store:  # opening again applies nothing twice
        assert store.db.execute("SELECT COUNT(*) FROM later_table").fetchone()[0] == 1


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "briefing.sqlite3"
    Store(path).close()
    broken = (*schema.MIGRATIONS, "CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;")
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(broken))
    with pytest.raises(StoreError, match="cannot be used"):  # one line, naming the file
        Store(path)
    assert _version(path) == len(broken) - 1
    with sqlite3.connect(path) as db:
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name='half'").fetchone()


def test_a_database_from_a_newer_briefing_is_refused_with_one_line(tmp_path):
    config = write_config(tmp_path)
    path = tmp_path / "state" / "briefing.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        Store(path)
    code, _, err = run_cli("--config", str(config), "sources")
    assert code == 1
    assert "schema version" in err and "Traceback" not in err
    assert _version(path) == SCHEMA_VERSION + 1  # left as it was
