"""Issue 16: a window for news, the poll job's analysis, and citations that scale.

- A feed whose entries are spread over 90 days, served from 127.0.0.1: its first briefing
  covers only the entries inside ``window_hours`` and says how many it left out (in
  briefing.json's stats, the footers and the CLI message), once.
- The daemon on a fake clock: after a poll job, the briefing at its slot embeds nothing (the
  real Embedder, counted).
- An item citing 30 articles shows three and "+27 more"; briefing.json keeps all 30.
"""

from __future__ import annotations

import html
import json
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import run_cli, write_config
from fixtures_http import Response, http_server_fixture  # noqa: F401  (http_server)

from briefing.analyse.embedder import Embedder
from briefing.clock import FakeClock, use_clock
from briefing.config import load_settings, settings_from_mapping
from briefing.daemon.scheduler import daemon_session
from briefing.pipeline import article_time
from briefing.records import Article, Briefing, Evidence, Item, Section
from briefing.render.html import render_html
from briefing.render.markdown import render_markdown
from briefing.render.templates import CITE_LIMIT
from briefing.render.text import render_text
from briefing.render.writer import render_json

# 07:00 in Kyiv on a Tuesday: the briefing slot of the tests below.
SLOT = datetime(2024, 3, 5, 5, 0, tzinfo=UTC)
PLACES = ["Kyiv", "Kharkiv", "Odesa", "Lviv", "Dnipro", "Warsaw", "Vilnius", "Riga",
          "Tallinn", "Brussels"]
TOPICS = ["new talks on grain exports", "repairs to the power grid", "a loan for rebuilding",
          "the reopening of schools", "aid convoys for the east", "the exchange of prisoners",
          "air defence for the capital", "sanctions on shipping firms", "mine clearing teams"]


def entry_text(n: int) -> tuple[str, str]:
    """A distinct short English article for entry ``n`` (title, HTML body)."""
    place, topic = PLACES[n % len(PLACES)], TOPICS[n // len(PLACES) % len(TOPICS)]
    title = f"Officials in {place} discuss {topic}"
    body = (f"<p>Officials in {place} met on Monday to discuss {topic}, the city council "
            f"said in a statement after the meeting, number {n} this year.</p>"
            f"<p>The council said that the plan for {topic} would be presented to the "
            f"government next week, and that residents of {place} would be asked for "
            "their views before any decision was taken.</p>")
    return title, body


def archive_feed(ages_hours: list[float], now: datetime) -> bytes:
    """RSS 2.0 with one entry per age (hours before ``now``)."""
    items = []
    for n, age in enumerate(ages_hours):
        title, body = entry_text(n)
        when = format_datetime(now - timedelta(hours=age), usegmt=True)
        items.append(f"<item><title>{html.escape(title)}</title>"
                     f"<link>https://wire.example/{n}</link><guid>wire-{n}</guid>"
                     f"<pubDate>{when}</pubDate>"
                     f"<content:encoded><![CDATA[{body}]]></content:encoded></item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            "<title>Kyiv Wire</title><link>https://wire.example/</link>"
            "<description>News</description>" + "".join(items) +
            "</channel></rss>").encode()


def feed_response(body: bytes) -> Response:
    return Response(200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body)


def briefing_json(root: Path) -> dict:
    path = max(root.glob("output/*/briefing.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(path.read_text(encoding="utf-8"))


# --- the window -----------------------------------------------------------------------------


def test_the_first_poll_of_a_90_day_archive_briefs_only_the_window(tmp_path, http_server):
    # One entry a day for 90 days, the newest 2 hours old: 2 entries are inside 36 hours.
    ages = [2 + 24 * day for day in range(90)]
    http_server.routes["/feed"] = feed_response(archive_feed(ages, SLOT))
    config = write_config(tmp_path, sources=[{"feed": http_server.url("/feed")}],
                          timezone="Europe/Kyiv")
    with use_clock(FakeClock(SLOT)) as clock:
        code, out, err = run_cli("--config", str(config), "render", "--format", "json,md")
        assert code == 0, err
        assert "88 article(s) older than the 36-hour window left out" in out
        data = briefing_json(tmp_path)
        assert data["stats"]["articles_considered"] == 2
        assert data["stats"]["left_out_old"] == 88
        assert data["stats"]["window_hours"] == 36
        assert {a["url"] for a in data["articles"]} <= {"https://wire.example/0",
                                                        "https://wire.example/1"}
        md = next(tmp_path.glob("output/*/briefing.md")).read_text(encoding="utf-8")
        assert "88 article(s) older than the 36-hour window left out" in md

        # All 90 are stored; the old ones are told once, not again in the next briefing.
        clock.advance(24 * 3600)
        code, out, err = run_cli("--config", str(config), "render", "--format", "json")
        assert code == 0, err
        assert "No new articles since the last briefing" in out
        assert "left out" not in out

        # --all ignores coverage, not the window: the two of yesterday's window are 26 and
        # 50 hours old now, so one is briefed and the 89 others are left out.
        code, out, err = run_cli("--config", str(config), "render", "--all", "--format",
                                 "json")
        assert code == 0, err
        data = briefing_json(tmp_path)
        assert data["stats"]["articles_considered"] == 1
        assert data["stats"]["left_out_old"] == 89


def test_a_render_at_a_wall_clock_time_reads_it_in_the_briefing_time_zone(tmp_path,
                                                                        http_server):
    # A library caller passing a naive "now" (as the RUWA bench does): the window is taken in
    # the config's time zone instead of failing on naive against aware datetimes.
    from briefing.pipeline import Pipeline

    ages = [2, 24 * 5]
    http_server.routes["/feed"] = feed_response(archive_feed(ages, SLOT))
    config = write_config(tmp_path, sources=[{"feed": http_server.url("/feed")}],
                          timezone="Europe/Kyiv")
    kyiv_wall_clock = (SLOT + timedelta(hours=2)).replace(tzinfo=None)  # UTC+2 in March
    with Pipeline(load_settings(config)) as pipeline:
        result = pipeline.render(formats=("json",), now=kyiv_wall_clock)
    assert result.out_dir is not None, result.message
    data = briefing_json(tmp_path)
    assert data["stats"]["articles_considered"] == 1
    assert data["stats"]["left_out_old"] == 1


def test_window_hours_0_briefs_the_whole_archive(tmp_path, http_server):
    ages = [2, 100, 24 * 60]
    http_server.routes["/feed"] = feed_response(archive_feed(ages, SLOT))
    config = write_config(tmp_path, sources=[{"feed": http_server.url("/feed")}],
                          window_hours=0)
    with use_clock(FakeClock(SLOT)):
        code, out, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0, err
    assert "left out" not in out
    data = briefing_json(tmp_path)
    assert data["stats"]["articles_considered"] == 3
    assert data["stats"]["left_out_old"] == 0


def test_an_archive_older_than_the_window_renders_nothing_and_says_why(tmp_path, http_server):
    http_server.routes["/feed"] = feed_response(archive_feed([24 * 40, 24 * 80], SLOT))
    config = write_config(tmp_path, sources=[{"feed": http_server.url("/feed")}])
    with use_clock(FakeClock(SLOT)):
        code, out, err = run_cli("--config", str(config), "render")
    assert code == 0, err
    assert ("No new articles inside the window; 2 article(s) older than the 36-hour window "
            "left out (`briefing sources` names them); nothing to render.") in out
    assert not list(tmp_path.glob("output/*/briefing.*"))


def test_an_article_is_as_old_as_its_date_else_as_when_it_was_first_seen():
    settings = settings_from_mapping({"timezone": "Europe/Kyiv"})

    def when(published: str | None, first_seen: str | None = "2024-03-05T04:00:00+00:00"):
        return article_time(Article("x", "t", "s", "text", published=published),
                            first_seen, settings)

    assert when("2024-03-04T10:00:00+00:00") == datetime(2024, 3, 4, 10, tzinfo=UTC)
    # A bare date is that whole day, in the briefing's zone: it counts as the day's end.
    assert when("2024-03-04") == datetime(2024, 3, 4, 22, tzinfo=UTC)
    assert when("2024-03-04T10:00:00") == datetime(2024, 3, 4, 8, tzinfo=UTC)  # Kyiv time
    assert when("4 March 2024") == datetime(2024, 3, 5, 4, tzinfo=UTC)  # unreadable: seen
    assert when(None) == datetime(2024, 3, 5, 4, tzinfo=UTC)
    assert when(None, None) is None


def test_window_hours_is_a_checked_config_key():
    from briefing.errors import ConfigError

    assert settings_from_mapping({}).window_hours == 36
    with pytest.raises(ConfigError, match="window_hours"):
        settings_from_mapping({"window_hours": -1})
    with pytest.raises(ConfigError, match="window_hours"):
        settings_from_mapping({"window_hours": "a day"})


# --- the poll job does the analysis ----------------------------------------------------------


def test_after_a_poll_job_the_briefing_slot_embeds_nothing(tmp_path, http_server, monkeypatch,
                                                           caplog):
    caplog.set_level("INFO", logger="briefing.daemon")
    start = SLOT - timedelta(minutes=40)  # 06:20 Kyiv
    # Five entries of the last day and three of last month, on one feed.
    http_server.routes["/feed"] = feed_response(
        archive_feed([1, 3, 5, 8, 20, 24 * 30, 24 * 31, 24 * 32], start))
    config = write_config(tmp_path, timezone="Europe/Kyiv",
                          sources=[{"feed": http_server.url("/feed")}],
                          schedule={"poll": "*/30 * * * *", "briefing": "0 7 * * *"})
    encoded: list[int] = []
    real_encode = Embedder.encode

    def counting(self, texts):
        encoded.append(len(texts))
        return real_encode(self, texts)

    monkeypatch.setattr(Embedder, "encode", counting)
    with use_clock(FakeClock(start)) as clock, \
            daemon_session(load_settings(config), threading.Event()) as daemon:
        daemon.start()
        assert daemon.step()  # start-up: the outbox, then a poll
        assert sum(encoded) > 0, "the poll job analysed the new articles"
        assert "sentence(s) analysed for the briefing" in caplog.text
        encoded.clear()
        clock.set(SLOT)  # 07:00 Kyiv: the briefing slot (and a poll)
        assert daemon.step()
    assert sum(encoded) == 0, f"the briefing embedded {sum(encoded)} text(s)"
    data = briefing_json(tmp_path)
    assert data["stats"]["articles_considered"] == 5
    assert data["stats"]["left_out_old"] == 3
    assert data["sections"]


def test_a_render_from_nothing_still_analyses_everything(tmp_path, http_server):
    http_server.routes["/feed"] = feed_response(archive_feed([1, 2, 3], SLOT))
    config = write_config(tmp_path, sources=[{"feed": http_server.url("/feed")}])
    with use_clock(FakeClock(SLOT)):
        code, out, err = run_cli("--config", str(config), "render", "--format", "json")
    assert code == 0, err
    assert briefing_json(tmp_path)["stats"]["articles_considered"] == 3


# --- citations that scale --------------------------------------------------------------------


def many_sourced_briefing(count: int = 30) -> Briefing:
    articles = [Article(f"a{n:02d}", f"Report {n}", f"Outlet {n}", "text",
                        url=f"https://news.example/{n}") for n in range(count)]
    ids = [a.id for a in articles]
    item = Item("Ministers met in Geneva for talks.", ids,
                [Evidence(a, "Ministers met in Geneva for talks.") for a in ids], "diplomacy")
    other = Item("Aid arrived in Kyiv.", ["a29", "a05"],
                 [Evidence("a29", "Aid arrived in Kyiv.")], "diplomacy")
    return Briefing("Daily", "2024-03-05", "2024-03-05T07:00:00+02:00",
                    [Section("diplomacy", "Diplomacy", [item, other])], articles,
                    stats={"articles_considered": 40, "left_out_old": 7, "window_hours": 36})


def test_an_item_citing_30_articles_shows_three_and_keeps_all_in_json():
    settings = settings_from_mapping({})
    briefing = many_sourced_briefing()
    more = 30 - CITE_LIMIT
    md = render_markdown(briefing, settings)
    assert f"[[1]](#source-1)[[2]](#source-2)[[3]](#source-3) +{more} more" in md
    # The sources list: the three shown for the first item, then the two of the second.
    assert md.count('<a id="source-') == 5
    assert "The 5 articles cited first; `briefing.json` lists all 30." in md
    assert "Report 29" in md and "Report 10" not in md
    assert "7 article(s) older than the 36-hour window left out" in md

    page = render_html(briefing, settings)
    assert page.count('class="chip"') == CITE_LIMIT + 2
    assert f"+{more} more</span>" in page
    assert page.count('<li id="source-') == 5
    assert "7 older than the 36-hour window were left out" in page

    text = render_text(briefing, settings)
    assert f"[1][2][3] +{more} more" in text
    assert "[4][5]" in text  # the second item's two, numbered in the shorter list

    data = json.loads(render_json(briefing))
    assert data["sections"][0]["items"][0]["sources"] == [f"a{n:02d}" for n in range(30)]
    assert len(data["articles"]) == 30
    assert data["stats"]["left_out_old"] == 7


def test_a_short_source_list_shows_in_full():
    settings = settings_from_mapping({})
    briefing = many_sourced_briefing(3)
    briefing.sections[0].items.pop()  # the second item cites articles that are not here
    md = render_markdown(briefing, settings)
    assert " more" not in md.split("## Sources")[0]
    assert "cited first" not in md
    assert md.count('<a id="source-') == 3
