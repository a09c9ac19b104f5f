"""Stories across days (compose.memory): a real feed on 127.0.0.1 read by the daemon on a fake
clock, one briefing a day. The second day's articles retell the first day's meeting, add one
fact to it and bring one new story: the retold story is marked developing since the first
day, the fact it repeats (in other words, from other articles) is left out, the added fact
is new, and the new story is new."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from conftest import write_config
from fixtures_http import http_server_fixture  # noqa: F401  (http_server)
from test_daemon import rss

from briefing.clock import FakeClock, use_clock
from briefing.compose.memory import recall
from briefing.config import load_settings
from briefing.daemon.scheduler import Daemon, daemon_session
from briefing.records import Evidence, Fact, Item
from briefing.store import SCHEMA_VERSION, Store, StoryRecord

TZ = ZoneInfo("Europe/Kyiv")
DAY_ONE = datetime(2022, 1, 21, 7, 0, tzinfo=TZ)

GENEVA_ONE = [
    ("geneva-a", "Blinken and Lavrov meet in Geneva over Ukraine",
     "US Secretary of State Antony Blinken met Russian Foreign Minister Sergei Lavrov in "
     "Geneva on Friday for talks on the crisis over Ukraine. Blinken said the United States "
     "would send Russia written answers to its security demands next week. The two ministers "
     "spoke for ninety minutes at a hotel beside the lake."),
    ("geneva-b", "Geneva talks between Blinken and Lavrov end without a breakthrough",
     "Antony Blinken and Sergei Lavrov held talks in Geneva on Friday about the crisis over "
     "Ukraine. Blinken said Washington would give Russia written answers to its security "
     "demands next week. Lavrov said Moscow had no plans to attack Ukraine."),
]
# The same meeting retold by other outlets the next day, one fact repeated in other words,
# one fact added; and a story nobody reported before.
REPEATED = ("Blinken said the United States would send Moscow written replies to its security "
            "demands next week")
ADDED = ("On Saturday the Kremlin said President Vladimir Putin was ready to meet President "
         "Joe Biden")
GENEVA_TWO = [
    ("geneva-c", "After Geneva, the Kremlin says Putin is ready to meet Biden",
     "Antony Blinken and Sergei Lavrov met in Geneva on Friday for talks on the crisis over "
     f"Ukraine. {REPEATED}. {ADDED} if the American answers were serious."),
    ("snow-a", "Heavy snow closes Istanbul airport",
     "Heavy snow closed Istanbul Airport on Saturday and hundreds of flights were cancelled, "
     "the Turkish transport ministry said. Thousands of passengers spent the night in the "
     "terminal as snow ploughs worked to clear the runways. The airport said it hoped to "
     "reopen one runway by Sunday morning."),
]


def feed(entries: list[tuple[str, str, str]], day: datetime) -> bytes:
    # No links: the description is the article (a teaser's page is not fetched).
    return rss(entries, published=day.strftime("%a, %d %b %Y 06:00:00 +0200"), links=False)


@contextmanager
def daemon_at(config: Path) -> Iterator[Daemon]:
    """The daemon in this process at the installed clock's time, its start-up jobs run."""
    with daemon_session(load_settings(config), threading.Event()) as daemon:
        daemon.start()
        assert daemon.step()
        yield daemon


def briefing_on(config: Path, clock: FakeClock, fire: datetime) -> dict:
    """Run the daemon across the morning briefing at ``fire``; return its briefing.json."""
    clock.set(fire - timedelta(seconds=1))
    with daemon_at(config) as daemon:
        clock.set(fire + timedelta(seconds=1))
        assert daemon.step()
    folder = config.parent / "output" / fire.date().isoformat()
    return json.loads((folder / "briefing.json").read_text(encoding="utf-8"))


def items_of(data: dict) -> list[dict]:
    return [i for s in data["sections"] for i in s["items"]]


def lines_of(item: dict) -> list[str]:
    return [item["text"], *(f["text"] for f in item["facts"])]


def test_second_day_marks_the_continuing_story_and_omits_the_repeated_fact(tmp_path,
                                                                           http_server):
    http_server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                       feed(GENEVA_ONE, DAY_ONE))
    config = write_config(
        tmp_path, title="Days Test", timezone="Europe/Kyiv",
        sources=[{"feed": http_server.url("/feed.xml"), "name": "Example News"}],
        schedule={"poll": "0 0 1 1 *", "briefing": "0 7 * * *", "grace_seconds": 600},
        email={"enabled": False})
    clock = FakeClock(DAY_ONE - timedelta(seconds=1))
    with use_clock(clock):
        first = briefing_on(config, clock, DAY_ONE)
        day_one = items_of(first)
        assert all("new" not in i and "developing" not in i for i in day_one)  # nothing before
        assert "written answers" in " ".join(line for i in day_one for line in lines_of(i))

        http_server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                           feed(GENEVA_TWO, DAY_ONE + timedelta(days=1)))
        second = briefing_on(config, clock, DAY_ONE + timedelta(days=1))

    items = items_of(second)
    [kremlin] = [i for i in items if "Putin" in " ".join(lines_of(i))]
    assert kremlin["new"] is False
    assert kremlin["developing"] == {"since": "2022-01-21", "briefings": 2}
    text = " ".join(lines_of(kremlin))
    assert "written replies" not in text  # reported yesterday, in other words
    # The retold lead is not presented again: the added fact, new, leads the story now.
    assert "Geneva" not in text and "Putin was ready to meet" in kremlin["text"]
    assert all(f["new"] is True for f in kremlin["facts"])
    assert not any("written replies" in " ".join(lines_of(i)) for i in items)
    # The new story (filed under two themes here: two items) is new.
    snow = [i for i in items if "snow" in " ".join(lines_of(i)).lower()]
    assert snow and all(i["new"] is True and "developing" not in i for i in snow)
    assert second["stats"]["developing_items"] >= 1
    html = (tmp_path / "output" / "2022-01-22" / "briefing.html").read_text(encoding="utf-8")
    assert "Developing since Friday, 21 January 2022" in html
    md = (tmp_path / "output" / "2022-01-22" / "briefing.md").read_text(encoding="utf-8")
    assert "*Developing since Friday, 21 January 2022 (2 briefings):*" in md
    from briefing.records import Briefing
    from briefing.render.text import render_text

    text_part = render_text(Briefing.from_json(second), load_settings(config))
    assert "[Developing since Friday, 21 January 2022, 2 briefings]" in " ".join(
        text_part.split())
    with Store(tmp_path / "state" / "briefing.sqlite3") as store:
        threads = {s.thread for s in store.recent_stories("2022-01-01")
                   if "Geneva" in " ".join(s.lines) or "Putin" in " ".join(s.lines)}
        assert len(threads) == 1  # one thread across both days


# --- the matching, on vectors made by hand ---------------------------------------------------


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_recall_matches_by_meaning_and_marks_facts():
    lead, old_fact, new_fact = unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0)
    earlier = StoryRecord(date="2022-01-21", thread=7, since="2022-01-20", briefings=2,
                          theme="t", text="Talks in Geneva.", centroid=unit(1, 1, 0, 0),
                          lines=["Talks in Geneva.", "Answers next week."],
                          vectors=np.stack([lead, old_fact]), id=7)
    vectors = {"lead": lead, "old": unit(0, 1, 0.1, 0), "new": new_fact}
    item = Item("Talks in Geneva went on.", ["x"], [Evidence("x", "lead")], "t",
                facts=[Fact("Replies next week.", ["x"], [Evidence("x", "old")]),
                       Fact("Putin ready to meet.", ["x"], [Evidence("x", "new")])])
    other = Item("Snow in Istanbul.", ["y"], [Evidence("y", "snow")], "t")
    vectors["snow"] = unit(0, 0, 0, 1)
    records = recall([item, other], "2022-01-22", lambda e: vectors[e.text], [earlier], 0.78)
    assert item.new is False and item.developing == {"since": "2022-01-20", "briefings": 3}
    assert [f.new for f in item.facts] == [False, True]
    assert other.new is True and other.developing is None
    assert [(r.thread, r.briefings) for r in records] == [(7, 3), (0, 1)]
    # Nothing to compare with: neither new nor old.
    fresh = Item("Snow in Istanbul.", ["y"], [Evidence("y", "snow")], "t")
    recall([fresh], "2022-01-22", lambda e: vectors[e.text], [], 0.78)
    assert fresh.new is None and fresh.to_json().get("new") is None


def test_stories_survive_the_store_and_briefing_json(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        bid = store.record_briefing("2022-01-21", tmp_path, [], 1)
        record = StoryRecord(date="2022-01-21", thread=0, since="2022-01-21", briefings=1,
                             theme="t", text="Lead.", centroid=unit(1, 1),
                             lines=["Lead.", "Fact."], vectors=np.stack([unit(1, 0),
                                                                          unit(0, 1)]))
        store.remember_stories(bid, [record])
        [back] = store.recent_stories("2022-01-15")
        assert back.thread == back.id == record.id and back.lines == ["Lead.", "Fact."]
        assert np.allclose(back.vectors, record.vectors)
        assert store.recent_stories("2022-01-22") == []
    item = Item("Lead.", ["a"], [Evidence("a", "Lead.")], "t", new=False,
                developing={"since": "2022-01-20", "briefings": 2},
                facts=[Fact("Fact.", ["a"], [Evidence("a", "Fact.")], new=True)])
    data = item.to_json()
    assert data["new"] is False and data["developing"]["since"] == "2022-01-20"
    assert data["facts"][0]["new"] is True
    from briefing.records import Briefing, Section

    again = Briefing.from_json(Briefing("T", "d", "g", [Section("t", "T", [item])],
                                        []).to_json()).items[0]
    assert (again.new, again.developing, again.facts[0].new) == (False, item.developing, True)


@pytest.mark.parametrize("day", ["2022-01-29"])
def test_a_story_unreported_for_a_week_is_not_recent(day):
    from briefing.compose.memory import recent_since

    assert recent_since(day) == "2022-01-22"
