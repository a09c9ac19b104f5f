"""What a re-poll asks the store, on SQLite and on a real PostgreSQL server
(tests/fixtures_pg.py): the entries of a feed are checked in one query for the whole feed,
and a daemon's poll pass reads the cleaned documents' digests once, not once per batch.
Counted in statements, not timed: on a shared database each statement is a round trip."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import write_config
from fixtures_http import Response, http_server_fixture  # noqa: F401  (http_server)
from fixtures_pg import postgres_server  # noqa: F401
from fixtures_sql import counting_statements

from briefing import clock
from briefing.config import load_settings
from briefing.daemon import shared
from briefing.pipeline import Pipeline

PLACES = ["Lyon", "Porto", "Gdansk", "Leeds", "Turin", "Ghent", "Malmo", "Brno"]
THINGS = ["tram lines", "flood barriers", "a cancer ward", "school repairs", "a solar park"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request) -> dict:
    """The config keys for a store: none (the SQLite file in state_dir), or a new database
    on the test server."""
    if request.param == "sqlite":
        return {}
    return {"database_url": request.getfixturevalue("postgres_server").new_database()}


def wire_feed(feed: int, entries: int, *, links: str | None = None) -> bytes:
    """RSS of short wire items (a headline and a sentence: no page to fetch unless
    ``links`` gives the server they link to, where their pages are missing, so each entry
    stands on its summary and its page is tried again later)."""
    published = format_datetime(clock.now())
    items = []
    for n in range(entries):
        place, thing = PLACES[n % len(PLACES)], THINGS[n % len(THINGS)]
        link = f"<link>{links}/gone/{feed}/{n}</link>" if links else ""
        items.append(
            f"<item><title>{place} council approves {thing}, item {feed}-{n}</title>"
            f'<guid isPermaLink="false">item-{feed}-{n}</guid>{link}'
            f"<pubDate>{published}</pubDate><description>"
            f"The council in {place} approved {thing} on Monday, officials said in statement "
            f"number {feed * 1000 + n}; work is expected to start within weeks.</description>"
            "</item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire'
            f"</title><link>http://wire.example/</link><description>Wire</description>"
            f"{''.join(items)}</channel></rss>").encode()


def project(tmp_path: Path, http_server, database: dict, sizes: list[int], *,
            links: bool = False) -> Path:
    """Feeds of the given sizes, served without validators (so each poll reads them whole,
    as a feed that ignores conditional requests is read)."""
    sources = []
    pages = http_server.url("") if links else None
    for feed, size in enumerate(sizes):
        http_server.routes[f"/feed{feed}.xml"] = Response(
            200, {"Content-Type": "application/rss+xml"}, wire_feed(feed, size, links=pages))
        sources.append({"feed": http_server.url(f"/feed{feed}.xml")})
    return write_config(tmp_path, sources=sources, **database)


def repoll_statements(pipeline: Pipeline, source) -> list[str]:
    """The statements a collect of one source runs."""
    with counting_statements(pipeline.store) as statements:
        result = pipeline.collect([source])
    assert not result.new and not result.updated and not result.problems
    return statements


@pytest.mark.parametrize("links", [False, True], ids=["whole-summaries", "missing-pages"])
def test_a_repoll_checks_a_feeds_entries_in_one_query_however_many(tmp_path, http_server,
                                                                   database, links):
    config = project(tmp_path, http_server, database, [3, 40], links=links)
    with Pipeline(load_settings(config)) as pipeline:
        first = pipeline.collect()
        assert len(first.new) == 43
        small, big = pipeline.settings.sources
        asked_small = repoll_statements(pipeline, small)
        asked_big = repoll_statements(pipeline, big)
        # A feed of 40 known entries costs what a feed of 3 does (before: a query an entry).
        assert len(asked_big) == len(asked_small)
        entry_checks = [s for s in asked_big if "FROM articles" in s and "entry_key" in s]
        assert len(entry_checks) == 1
        failure_checks = [s for s in asked_big if "FROM entry_failures" in s]
        assert len(failure_checks) == (1 if links else 0)
        # A repeated poll is harmless: every entry is stored once.
        assert pipeline.store.article_count() == 43
        assert len(pipeline.store.known_entries(
            f"{big.target}#item-1-{n}" for n in range(40))) == 40


def test_an_old_entry_key_is_moved_by_the_feeds_one_query(tmp_path, http_server, database):
    """A database from before keys named their feed: the entry's article is found under its
    old key, moved, and not stored again."""
    config = project(tmp_path, http_server, database, [4])
    with Pipeline(load_settings(config)) as pipeline:
        feed = pipeline.settings.sources[0]
        pipeline.collect()
        old = f"{feed.target}#item-0-2"
        with pipeline.store.transaction() as db:  # as Briefing 0.1 keyed it
            db.execute("UPDATE articles SET entry_key=? WHERE entry_key=?",
                       ("item-0-2", old))
        assert not pipeline.store.has_entry(old)
        assert pipeline.store.claim_entries({old: "item-0-2", "x#new": None}) == {old}
        assert pipeline.store.has_entry(old) and not pipeline.store.has_entry("item-0-2")
        repoll_statements(pipeline, feed)
        assert pipeline.store.article_count() == 4


def test_a_poll_pass_reads_the_cleaned_documents_once_not_per_batch(tmp_path, http_server,
                                                                    database, monkeypatch):
    monkeypatch.setattr(shared, "CLAIM_BATCH", 1)  # three feeds, three batches
    config = project(tmp_path, http_server, database, [2, 2, 2])
    with Pipeline(load_settings(config)) as pipeline:
        coordinator = shared.Coordinator(pipeline.settings, pipeline.store)
        pipeline.store.register_sources((s.label, shared.source_host(s))
                                        for s in coordinator.shared.values())
        with counting_statements(pipeline.store) as statements:
            result = coordinator.poll(pipeline, lambda now: now + timedelta(hours=1))
        assert len(result.new) == 6
        inserts = [s for s in statements if s.startswith("INSERT INTO articles")]
        assert len(inserts) == 6
        digests = [s for s in statements if "FROM documents" in s]
        assert len(digests) == 1
        # Each feed is due again in an hour: a second pass now polls nothing.
        assert coordinator.poll(pipeline, lambda now: now).new == []
        assert pipeline.store.article_count() == 6
