"""The store's public methods behave the same on SQLite and on a real PostgreSQL 15 server
(tests/fixtures_pg.py): every test here runs on both backends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from fixtures_pg import postgres_server  # noqa: F401

from briefing.clock import FakeClock, use_clock
from briefing.errors import StoreError
from briefing.records import Article
from briefing.store import SCHEMA_VERSION, Store, StoryRecord, schema
from briefing.store.coordination import LostClaim

START = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Path | str:
    """Where a store opens: an SQLite file, or a new database on the test server."""
    if request.param == "sqlite":
        return tmp_path / "state" / "briefing.sqlite3"
    return request.getfixturevalue("postgres_server").new_database()


def _article(n: int, text: str = "", entry: str | None = None) -> Article:
    return Article(id=f"a{n}", title=f"Title {n}", source="Wire", text=text or f"Text {n}.",
                   entry_key=entry, published="2026-03-05")


def test_a_new_database_gets_every_migration_once(database):
    with Store(database) as store:
        assert store.dialect.schema_version(store.db) == SCHEMA_VERSION
        store.add_article(_article(1))
    with Store(database) as store:  # opening again applies nothing twice, loses nothing
        assert store.dialect.schema_version(store.db) == SCHEMA_VERSION
        assert [a.id for a in store.articles(uncovered_only=False)] == ["a1"]


def test_a_later_migration_is_applied_and_a_newer_database_refused(database, monkeypatch):
    Store(database).close()
    later = (*schema.MIGRATIONS, "CREATE TABLE later_table (x INTEGER, note TEXT);")
    monkeypatch.setattr(schema, "MIGRATIONS", later)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(later))
    with Store(database) as store:
        store.db.execute("INSERT INTO later_table (x, note) VALUES (?, ?)", (1, "one"))
        assert store.db.execute("SELECT x FROM later_table").fetchone()[0] == 1
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(later) - 1)
    with pytest.raises(StoreError, match="newer"):
        Store(database)


def test_articles_are_stored_once_and_a_changed_entry_supersedes_the_old(database):
    with Store(database) as store:
        assert store.add_article(_article(1, entry="feed#1"), document="d1") == "new"
        assert store.add_article(_article(1, entry="feed#1"), document="d1") == "known"
        assert store.add_article(_article(2, "Changed text.", entry="feed#1")) == "updated"
        assert store.add_article(_article(3)) == "new"
        assert [a.id for a in store.articles(uncovered_only=False)] == ["a2", "a3"]
        assert store.article_count() == 3
        assert store.has_entry("feed#1") and not store.has_entry("feed#9")
        assert store.known_documents() == {"d1"}
        briefing_id = store.record_briefing("2026-03-05", Path("/out/2026-03-05"),
                                            ["a2", "a2"], 1)
        assert [a.id for a in store.articles(uncovered_only=True)] == ["a3"]
        assert store.covered_ids() == {"a2"}
        assert store.last_briefing()["id"] == briefing_id
        assert store.last_briefing()["articles"] == 1
        assert dict(store.briefings()[0])["out_dir"] == "/out/2026-03-05"
        store.remember_files([("/f", "sig1", 2)])
        store.remember_files([("/f", "sig2", 3)])
        assert store.known_files() == {"/f": ("sig2", 3)}


def test_an_old_entry_key_moves_to_the_feed_that_lists_it(database):
    with Store(database) as store:
        store.add_article(_article(1, entry="urn:x"))
        store.add_article(_article(2, entry="feed#2"))
        assert store.claim_entries({"feed#urn:x": "urn:x", "feed#2": None,
                                    "feed#urn:y": "urn:y", "feed#3": "feed#3"}) == {
            "feed#urn:x", "feed#2"}
        assert store.has_entry("feed#urn:x") and not store.has_entry("urn:x")


def test_a_feeds_known_entries_are_found_however_many_it_lists(database):
    """More keys than SQLite takes in one statement; superseded articles do not count."""
    with Store(database) as store:
        for n in range(0, 2000, 7):
            store.add_article(_article(n, entry=f"feed#{n}"))
        store.add_article(_article(9999, "Changed text.", entry="feed#14"))  # supersedes a14
        store.add_article(_article(10000, "Other text.", entry="other#1"))
        with store.transaction() as db:  # a14 alone under its key: superseded, not current
            db.execute("UPDATE articles SET entry_key=? WHERE id=?", ("feed#old", "a9999"))
        keys = [f"feed#{n}" for n in range(2000)] + ["feed#old", "other#2"]
        assert store.known_entries(keys) == {f"feed#{n}" for n in range(0, 2000, 7)
                                             if n != 14} | {"feed#old"}
        assert store.known_entries([]) == set()


def test_embeddings_round_trip_and_a_second_writer_keeps_the_first(database):
    with Store(database) as store:
        key = store.embedding_key("m", "text")
        store.put_embeddings([(key, np.arange(4, dtype=np.float32))])
        store.put_embeddings([(key, np.arange(4, dtype=np.float32))])
        found = store.get_embeddings([key, "missing"] + [str(n) for n in range(1200)])
        assert list(found) == [key]
        assert found[key].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_sources_problems_and_entry_failures(database):
    with use_clock(FakeClock(START)) as clock, Store(database) as store:
        store.update_source("feed", status="ok", documents=3, new_articles=2, etag="e1")
        clock.advance(10)
        store.update_source("feed", status="not modified", new_articles=1)
        row = store.source_state("feed")
        assert (row["etag"], row["new_articles"], row["status"]) == ("e1", 3, "not modified")
        assert [r["key"] for r in store.sources()] == ["feed"]
        assert store.record_problem("x.html", "too short", "feed")
        assert not store.record_problem("x.html", "too short", "feed")
        clock.advance(1)
        assert store.record_problem("x.html", "not English", "feed")
        assert [p["reason"] for p in store.problems("feed")] == ["too short", "not English"]
        store.clear_problems("x.html")
        assert store.problems() == []
        store.record_entry_failure("feed#1", "404", 60)
        store.record_entry_failure("feed#1", "404", 60)
        store.record_entry_failure("feed#2", "404", 60)
        assert store.entry_retry_at("feed#1") == datetime(2026, 3, 5, 7, 2, 11, tzinfo=UTC)
        assert store.entry_retry_times(["feed#1", "feed#2", "feed#3"]) == {
            "feed#1": datetime(2026, 3, 5, 7, 2, 11, tzinfo=UTC),
            "feed#2": datetime(2026, 3, 5, 7, 1, 11, tzinfo=UTC)}
        store.clear_entry_failure("feed#1")
        assert store.entry_retry_at("feed#1") is None


def test_runs_and_daemon_state(database):
    with Store(database) as store:
        run = store.start_run("poll")
        store.start_run("briefing")
        store.finish_run(run, "ok", "3 new")
        assert store.close_unfinished_runs() == 1
        store.set_state("k", "v1")
        store.set_state("k", "v2")
        assert store.get_state("k") == "v2"
        store.set_state("k", None)
        assert store.get_state("k") is None


def test_the_outbox_per_recipient(database):
    with use_clock(FakeClock(START)), Store(database) as store:
        message = store.enqueue_message(Path("/out/d"), ["a@x", "b@x", "a@x"], "S", b"bytes")
        assert store.due_messages(None) == [message]
        assert store.start_attempt(message) == ["a@x", "b@x"]
        store.mark_sending(message, ["a@x"])
        assert store.outbox_message(message)["status"] == "sending"
        assert store.mark_interrupted_sends(store.messages_being_sent()) == [message]
        status = store.record_outcomes(message, {"b@x": ("failed", "550 no")})
        assert status == "unknown"
        assert [(r["address"], r["status"]) for r in store.outbox_recipients(message)] == [
            ("a@x", "unknown"), ("b@x", "failed")]
        assert store.requeue_failed() == 1
        assert store.outbox_recipients(statuses=["pending"])[0]["address"] == "b@x"
        assert bytes(store.outbox_message(message)["message"]) == b"bytes"
        assert store.outbox()[0]["recipients"] == "a@x\nb@x"


def test_a_recipient_in_doubt_is_sent_again_only_as_often_as_allowed(database):
    with use_clock(FakeClock(START)), Store(database) as store:
        message = store.enqueue_message(Path("/out/d"), ["a@x", "b@x"], "S", b"bytes")
        store.start_attempt(message)
        store.mark_sending(message, ["a@x", "b@x"])
        store.record_outcomes(message, {"a@x": ("sent", None), "b@x": ("unknown", "cut")},
                              "2026-03-05T07:01:00+00:00", resend_unknown=1)
        [b] = store.outbox_recipients(message, statuses=["pending"])
        assert (b["address"], b["doubts"]) == ("b@x", 1)
        assert "sent again with the same Message-ID (resend 1 of 1" in b["last_error"]
        assert store.due_messages("2026-03-05T07:01:00+00:00") == [message]
        store.start_attempt(message)
        store.mark_sending(message, ["b@x"])
        # Cut off by a crash this time: in doubt twice, more than allowed.
        assert store.mark_interrupted_sends(store.messages_being_sent(), 1) == [message]
        assert store.outbox_message(message)["status"] == "unknown"
        assert store.outbox_recipients(message, statuses=["unknown"])[0]["doubts"] == 2


def test_stories_round_trip(database):
    with Store(database) as store:
        briefing_id = store.record_briefing("2026-03-05", Path("/o"), [], 1)
        story = StoryRecord(date="2026-03-05", thread=0, since="2026-03-05", briefings=1,
                            theme="t", text="Lead.", centroid=np.ones(3, dtype=np.float32),
                            lines=["Lead.", "Fact."], vectors=np.eye(2, 3, dtype=np.float32))
        store.remember_stories(briefing_id, [story])
        assert story.thread == story.id > 0
        [back] = store.recent_stories("2026-03-01")
        assert (back.lines, back.thread) == (["Lead.", "Fact."], story.id)
        assert back.vectors.tolist() == np.eye(2, 3).tolist()
        assert store.recent_stories("2026-03-06") == []


# --- desks ------------------------------------------------------------------------------------


def test_desks_share_the_articles_and_keep_their_own_briefings_outbox_and_state(database):
    story = StoryRecord(date="2026-03-05", thread=0, since="2026-03-05", briefings=1,
                        theme="t", text="Lead.", centroid=np.ones(3, dtype=np.float32),
                        lines=["Lead."], vectors=np.eye(1, 3, dtype=np.float32))
    with Store(database, "ports") as ports, Store(database, "markets") as markets, \
            Store(database) as lone:
        for n in (1, 2):
            ports.add_article(_article(n))
        assert markets.add_article(_article(1)) == "known"  # one ingestion: stored once
        briefing = ports.record_briefing("2026-03-05", Path("/ports/2026-03-05"),
                                         ["a1", "a2"], 2)
        ports.remember_stories(briefing, [story])
        # What ports covered is still new to markets (and to a config naming no desk).
        assert ports.articles(uncovered_only=True) == []
        for other in (markets, lone):
            assert [a.id for a in other.articles(uncovered_only=True)] == ["a1", "a2"]
            assert other.covered_ids() == set()
            assert other.last_briefing() is None and other.briefings() == []
            assert other.recent_stories("2026-03-01") == []
        assert ports.covered_ids() == {"a1", "a2"}
        assert [s.text for s in ports.recent_stories("2026-03-01")] == ["Lead."]
        # Each desk's outbox is its own: its daemons send it, its lists show it.
        message = ports.enqueue_message(Path("/ports/d"), ["p@x"], "Ports", b"p")
        assert markets.due_messages(None) == [] and markets.outbox() == []
        assert markets.outbox_recipients() == [] and markets.sent_to() == {}
        assert ports.due_messages(None) == [message]
        ports.start_attempt(message)
        ports.mark_sending(message, ["p@x"])
        assert markets.messages_being_sent() == []
        assert ports.messages_being_sent() == [message]
        ports.record_outcomes(message, {"p@x": ("failed", "550 no")})
        assert markets.requeue_failed() == 0
        assert ports.outbox_recipients(statuses=["failed"])[0]["address"] == "p@x"
        # The schedule's facts too.
        ports.set_state("briefing_fire", "2026-03-05T07:00:00+00:00")
        assert markets.get_state("briefing_fire") is None
        markets.set_state("briefing_fire", "2026-03-05T08:00:00+00:00")
        assert ports.get_state("briefing_fire") == "2026-03-05T07:00:00+00:00"
        # Daemons say which desk they serve; slots are claimed per desk.
        ports.beat("d1", "host1", 1, lease_seconds=60)
        assert ports.daemons()[0]["desk"] == "ports"
        slot = "2026-03-05T07:00:00+00:00"
        assert ports.claim_slot("ports", slot, "d1", 60) == "won"
        assert markets.claim_slot("markets", slot, "d2", 60) == "won"
        assert [r["desk"] for r in markets.briefing_runs(desk="markets")] == ["markets"]


def test_rows_from_before_desks_belong_to_the_default_desk(database, monkeypatch):
    """Migrating a version-5 database (briefings, outbox, daemon state, no desk columns)
    gives every row to the desk a config without ``desk`` has: it goes on as before."""
    before = schema.MIGRATIONS[:5]
    monkeypatch.setattr(schema, "MIGRATIONS", before)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(before))
    with Store(database) as store, store.transaction() as db:
        db.execute("INSERT INTO articles (id, title, source, text, origin, first_seen) "
                   "VALUES ('a1', 'T', 'S', 'Text.', 'o', '2026-03-05T07:00:00+00:00')")
        briefing = store.insert_id(db, "INSERT INTO briefings (date, created_at, out_dir, "
                                   "items, articles) VALUES ('2026-03-05', 'now', '/o', 1, 1)",
                                   ())
        db.execute("INSERT INTO coverage VALUES (?, 'a1')", (briefing,))
        message = store.insert_id(db, "INSERT INTO outbox (briefing_dir, recipients, subject, "
                                  "message, status, next_attempt_at, created_at) VALUES "
                                  "('/o', 'r@x', 'S', ?, 'pending', 'now', 'now')", (b"m",))
        db.execute("INSERT INTO outbox_recipients (message_id, address, status) VALUES "
                   "(?, 'r@x', 'pending')", (message,))
        db.execute("INSERT INTO daemon_state (key, value) VALUES ('briefing_fire', 'then')")
    monkeypatch.undo()
    with Store(database) as store, Store(database, "ports") as ports:
        assert store.dialect.schema_version(store.db) == SCHEMA_VERSION
        assert store.covered_ids() == {"a1"} and store.articles(uncovered_only=True) == []
        assert store.due_messages(None) == [message]
        assert store.get_state("briefing_fire") == "then"
        assert [a.id for a in ports.articles(uncovered_only=True)] == ["a1"]
        assert ports.due_messages(None) == [] and ports.get_state("briefing_fire") is None


# --- coordination -----------------------------------------------------------------------------


def test_poll_leases_go_to_one_daemon_until_they_expire(database):
    keys = [f"feed{n}" for n in range(6)]
    with use_clock(FakeClock(START)) as clock, Store(database) as store:
        store.register_sources([(k, "a.test" if k < "feed3" else "b.test") for k in keys])
        first = store.claim_sources("d1", keys, lease_seconds=60, per_host=2)
        assert first == ["feed0", "feed1", "feed3", "feed4"]  # two per host
        assert store.claim_sources("d2", keys, lease_seconds=60, per_host=2) == []
        assert store.release_source("d1", "feed0", "2026-03-05T08:00:00+00:00")
        assert store.claim_sources("d2", keys, lease_seconds=60, per_host=2) == ["feed2"]
        clock.advance(61)  # d1 died: its leases lapse, another daemon takes its sources
        assert store.claim_sources("d2", keys, lease_seconds=60, per_host=5) == [
            "feed1", "feed2", "feed3", "feed4", "feed5"]
        assert not store.release_source("d1", "feed1", "2026-03-05T08:00:00+00:00")


def test_a_heartbeat_keeps_leases_and_a_clean_stop_gives_them_back(database):
    with use_clock(FakeClock(START)) as clock, Store(database) as store:
        store.register_sources([("feed", "a.test")])
        assert store.claim_sources("d1", ["feed"], lease_seconds=60, per_host=1)
        for _ in range(3):
            clock.advance(50)
            store.beat("d1", "host1", 1, lease_seconds=60, doing="poll")
        assert store.claim_sources("d2", ["feed"], lease_seconds=60, per_host=1) == []
        assert store.daemons()[0]["doing"] == "poll"
        store.daemon_stopped("d1")
        assert store.claim_sources("d2", ["feed"], lease_seconds=60, per_host=1) == ["feed"]


def test_one_daemon_claims_a_slot_and_an_expired_claim_is_taken_over(database):
    slot = "2026-03-05T07:00:00+00:00"
    with use_clock(FakeClock(START)) as clock, Store(database) as store:
        assert store.claim_slot("main", slot, "d1", 60) == "won"
        assert store.claim_slot("main", slot, "d2", 60) is None
        clock.advance(61)
        assert store.claim_slot("main", slot, "d2", 60) == "taken over"
        # d1 woke up: it records nothing
        with pytest.raises(LostClaim), store.transaction() as db:
            briefing_id = store.record_briefing("2026-03-05", Path("/o"), [], 1)
            store.finish_slot(db, "main", slot, "d1", "done", briefing_id)
        assert store.briefings() == []
        with store.transaction() as db:
            store.finish_slot(db, "main", slot, "d2", "done", None)
        clock.advance(600)
        assert store.claim_slot("main", slot, "d3", 60) is None  # done is done
        [run] = store.briefing_runs()
        assert (run["owner"], run["status"], run["takeovers"]) == ("d2", "done", 1)


def test_a_message_is_claimed_by_one_sender(database):
    with use_clock(FakeClock(START)) as clock, Store(database) as store:
        message = store.enqueue_message(Path("/o"), ["a@x"], "S", b"m")
        assert store.claim_message(message, "d1", 60)
        assert not store.claim_message(message, "d2", 60)
        store.mark_sending(message, ["a@x"])
        assert store.messages_being_sent() == []  # d1 is sending it right now
        clock.advance(61)  # d1 died mid-send: in doubt, and free for another sender
        assert store.messages_being_sent() == [message]
        assert store.mark_interrupted_sends([message]) == [message]
        assert store.claim_message(message, "d2", 60)


def test_concurrent_claimers_never_share_a_source(database):
    keys = [f"feed{n:03}" for n in range(200)]
    with Store(database) as store:
        store.register_sources([(k, f"h{n % 50}.test") for n, k in enumerate(keys)])
    taken: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def claimer(name: str) -> None:
        try:
            with Store(database) as mine:
                got: list[str] = []
                while batch := mine.claim_sources(name, keys, lease_seconds=300,
                                                  per_host=10, limit=7):
                    got += batch
                taken[name] = got
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(f"d{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    every = [k for got in taken.values() for k in got]
    assert sorted(every) == keys  # all claimed, none twice


def test_a_database_address_is_never_shown_with_its_password():
    from briefing.store import store_error

    error = store_error("postgresql://briefing:s3cret@db.example:5433/briefing",
                        Exception("connection to server failed: Connection refused"))
    text = str(error)
    assert "s3cret" not in text and "briefing:***@db.example:5433" in text
    assert "cannot reach the database" in text and "\n" not in text


def test_a_dropped_connection_is_opened_again(postgres_server):  # noqa: F811
    import psycopg

    database = postgres_server.new_database()
    with Store(database) as store:
        store.set_state("k", "before")
        pid = store.db.execute("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(database, autocommit=True) as admin:  # a server restart, say
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):  # the statement it was lost under
            store.get_state("k")
        store.set_state("k", "after")  # the next one reconnects
        assert store.get_state("k") == "after"
        pid_again = store.db.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert pid_again != pid
