"""Three real daemon processes on one real PostgreSQL database (tests/fixtures_pg.py), with a
feed server that records who asked for what and when, and an SMTP sink, all on 127.0.0.1.

They share the work through the database alone: every feed is fetched by one daemon per
poll interval, every entry stored once, each briefing slot gives one briefing and one email
per recipient, also when a daemon is killed with ``kill -9`` while it holds poll leases,
and when the slot's winner is killed while it composes (another takes the slot over once
the lease runs out). Against SQLite a second daemon on the same state is refused, with one
line."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import write_config
from fixtures_http import Response, http_server_fixture  # noqa: F401  (http_server)
from fixtures_pg import postgres_server  # noqa: F401
from fixtures_smtp import smtp_server_fixture  # noqa: F401  (smtp_server)
from test_daemon import NEW_BODY, daemons, rss, wait_until  # noqa: F401  (daemons)

from briefing.store import Store

FEEDS = 9
POLL_EVERY = 10  # seconds between poll firings
LEASE = 4  # schedule.lease_seconds: a dead daemon's claims lapse this soon
RECIPIENTS = ["one@example.org", "two@example.org"]
# The first briefing's news, and later news of another story: a briefing leaves out what
# an earlier one reported, so the second slot needs facts of its own.
FIRST_NEWS = NEW_BODY.split(". ")
LATER_NEWS = [
    "Dock workers in the port of Gdansk began a two-day strike on Thursday over pay, the "
    "union said",
    "About nine hundred workers walked out at six in the morning and container traffic "
    "stopped within an hour",
    "The port authority said forty ships were waiting at anchor outside the harbour",
    "The union is asking for a twelve percent rise after two years without one",
    "Managers offered five percent and a bonus paid in March, which the union refused",
    "Transport minister Dariusz Klimczak called both sides to talks in Warsaw on Friday",
    "Shipping companies warned that deliveries of grain and coal could be delayed by a week",
    "Police said the picket lines at the main gates were peaceful",
]


def _entry_text(feed: int, entry: int) -> str:
    # Different text for every entry (articles are stored by content), all of it news.
    pool = FIRST_NEWS if entry < 2 else LATER_NEWS
    start = (feed * 3 + entry) % len(pool)
    picked = (pool[start:] + pool[:start])[:6]
    return f"Report {feed}-{entry}: " + ". ".join(picked) + "."


class FeedSite:
    """FEEDS feeds on the test server; each fetch is timed, and ``slow`` delays answers."""

    def __init__(self, server):
        self.server = server
        self.fetches: dict[str, list[float]] = {}
        self.entries: dict[str, list[tuple[str, str, str]]] = {}
        self.slow = 0.0
        for n in range(FEEDS):
            path = f"/feed{n}.xml"
            self.entries[path] = [(f"g{n}-{e}", f"Story {n}-{e}", _entry_text(n, e))
                                  for e in range(2)]
            server.routes[path] = self._answer(path)

    def _answer(self, path: str):
        def answer(request) -> Response:
            self.fetches.setdefault(path, []).append(time.time())
            return Response(200, {"Content-Type": "application/rss+xml"},
                            rss(self.entries[path], links=False), delay=self.slow)
        return answer

    def add_entry(self, n: int, entry: int) -> None:
        self.entries[f"/feed{n}.xml"].append(
            (f"g{n}-{entry}", f"Story {n}-{entry}", _entry_text(n, entry)))

    def served(self) -> int:
        return sum(len(e) for e in self.entries.values())


def _slot_cron(slots: list[datetime]) -> str:
    """A seconds cron firing at these slots, whole minutes apart (its other combinations of
    minutes and hours are an hour away, far outside the test)."""
    assert len({s.second for s in slots}) == 1
    minutes = ",".join(str(m) for m in sorted({s.minute for s in slots}))
    hours = ",".join(str(h) for h in sorted({s.hour for s in slots}))
    return f"{slots[0].second} {minutes} {hours} * * *"


def _configs(tmp_path: Path, database: str, site: FeedSite, smtp_port: int, slots: list[datetime]
             ) -> list[Path]:
    configs = []
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        folder.mkdir()
        configs.append(write_config(
            folder, title="Shared Desk", timezone="UTC", database_url=database,
            sources=[{"feed": site.server.url(f"/feed{n}.xml")} for n in range(FEEDS)],
            schedule={"poll": f"*/{POLL_EVERY} * * * * *", "briefing": _slot_cron(slots),
                      "grace_seconds": 600, "lease_seconds": LEASE},
            fetch={"allow_private": True, "per_host": 3},
            email={"enabled": True, "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
                   "security": "none", "from": "briefing@example.org", "to": RECIPIENTS,
                   "timeout_seconds": 5, "retry_seconds": 1}))
    return configs


def _rows(database: str, sql: str, args: tuple = ()) -> list:
    with Store(database) as store:
        return store.db.execute(sql, args).fetchall()


def _assert_fetched_once_per_interval(site: FeedSite) -> None:
    # The poll fires every POLL_EVERY seconds of the clock (a seconds cron): a feed's fetches
    # fall into different intervals between two firings, however late each one ran.
    for path, times in site.fetches.items():
        intervals = [int(t // POLL_EVERY) for t in times]
        assert intervals == sorted(set(intervals)), (path, times)


def _kill_when_seen(database: str, procs: list, sql: str, args: tuple, timeout: float,
                    what: str):
    """``kill -9`` the daemon whose pid ``sql`` first returns; return its process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = _rows(database, sql, args)
        if rows:
            os.kill(rows[0][0], signal.SIGKILL)
            victim = next(p for p in procs if p.proc.pid == rows[0][0])
            victim.proc.wait(10)
            return victim
        time.sleep(0.02)
    pytest.fail(f"no daemon was seen {what}")


def _assert_one_email_per_recipient(messages) -> None:
    """One message to each recipient (its own, with a Message-ID fixed by slot and address)."""
    assert sorted(r for m in messages for r in m.recipients) == RECIPIENTS
    assert all(len(m.recipients) == 1 for m in messages)
    ids = [m.message["Message-ID"] for m in messages]
    assert len(set(ids)) == len(RECIPIENTS)
    assert all(i.startswith("<briefing.default.") for i in ids), ids


def _assert_every_entry_stored_once(database: str, site: FeedSite) -> None:
    keys = [r[0] for r in _rows(database, "SELECT entry_key FROM articles")]
    assert len(keys) == len(set(keys)) == site.served()


def test_three_daemons_share_one_database(tmp_path, postgres_server, http_server,  # noqa: F811
                                          smtp_server, daemons):  # noqa: F811
    database = postgres_server.new_database()
    site = FeedSite(http_server)
    # Two slots: the first made normally, the second's winner killed while composing.
    # Slot times leave the daemons (three models loading on two cores) time to start.
    start = datetime.now(UTC).replace(microsecond=0)
    first = start + timedelta(seconds=75)
    second = first + timedelta(seconds=120)
    configs = _configs(tmp_path, database, site, smtp_server.port, [first, second])
    procs = [daemons(config, name=config.parent.name) for config in configs]
    for proc in procs:
        proc.wait_for("on a shared database as", timeout=180)

    # --- slot one: one briefing, one email to each recipient, every entry once -------------
    wait_until(lambda: len(smtp_server.messages) >= 2, timeout=240, what="the first emails")
    time.sleep(3)  # a repeat, if there were one, would be on its way by now
    runs = _rows(database, "SELECT owner, status FROM briefing_runs")
    assert [r[1] for r in runs] == ["done"]
    assert len(_rows(database, "SELECT id FROM briefings")) == 1
    _assert_one_email_per_recipient(smtp_server.messages)
    _assert_every_entry_stored_once(database, site)
    _assert_fetched_once_per_interval(site)

    # --- kill -9 a daemon while it holds poll leases ----------------------------------------
    for n in range(FEEDS):
        site.add_entry(n, 2)
    site.slow = 2.0  # each fetch now takes 2 s: a batch's leases are held for a while
    victim = _kill_when_seen(
        database, procs, "SELECT DISTINCT d.pid FROM sources s JOIN daemons d ON "
        "d.id=s.leased_by WHERE s.lease_until IS NOT NULL", (), 60, "holding a poll lease")
    site.slow = 0.0
    survivors = [p for p in procs if p is not victim]
    # Its feeds are taken by the others once its leases lapse: every new entry arrives.
    wait_until(lambda: len(_rows(database, "SELECT id FROM articles")) == site.served(),
               timeout=120, what="the killed daemon's feeds polled by the others")
    _assert_every_entry_stored_once(database, site)
    _assert_fetched_once_per_interval(site)

    # --- slot two: kill the winner while it composes ---------------------------------------
    slot_two = second.isoformat()
    winner = _kill_when_seen(
        database, survivors, "SELECT d.pid FROM briefing_runs r JOIN daemons d ON "
        "d.id=r.owner WHERE r.slot=? AND r.status='composing'", (slot_two,), 180,
        "composing the second slot")
    wait_until(lambda: len(smtp_server.messages) >= 4, timeout=240,
               what="the second emails, after the takeover")
    time.sleep(3)
    [run] = _rows(database, "SELECT status, takeovers FROM briefing_runs WHERE slot=?",
                  (slot_two,))
    assert (run[0], run[1]) == ("done", 1)
    assert len(_rows(database, "SELECT id FROM briefings")) == 2
    _assert_one_email_per_recipient(smtp_server.messages[2:])
    assert len({m.message["Message-ID"] for m in smtp_server.messages}) == 4
    _assert_every_entry_stored_once(database, site)
    last = next(p for p in survivors if p is not winner)
    assert last.terminate() == 0


def test_a_poll_gives_way_to_a_waiting_briefing_and_to_a_stop(tmp_path, postgres_server,  # noqa: F811
                                                              http_server, monkeypatch):  # noqa: F811
    """Jobs run one at a time: a poll of thousands of feeds can outlast the poll interval,
    and the slot would wait for it (the 2,000-feed benchmark's briefing started 4 minutes
    late). Between batches the poll gives way to a queued briefing and to a stop; the
    sources it did not reach stay due and the next poll takes them."""
    import threading

    from briefing.config import load_settings
    from briefing.daemon import shared
    from briefing.daemon.scheduler import Daemon, Task

    monkeypatch.setattr(shared, "CLAIM_BATCH", 2)  # 9 feeds: five batches
    database = postgres_server.new_database()
    site = FeedSite(http_server)
    config = write_config(tmp_path, database_url=database, timezone="UTC",
                          sources=[{"feed": site.server.url(f"/feed{n}.xml")}
                                   for n in range(FEEDS)],
                          fetch={"allow_private": True, "per_host": 10})
    stop = threading.Event()
    daemon = Daemon(load_settings(config), stop)
    with daemon.opened():
        daemon.tasks.put(Task("briefing"))
        daemon._run(Task("poll"))
        assert site.fetches == {}  # the briefing goes first
        daemon.tasks.get_nowait()
        daemon._run(Task("poll"))
        assert sorted(len(t) for t in site.fetches.values()) == [1] * FEEDS
        with Store(database) as store, store.transaction() as db:
            db.execute("UPDATE sources SET next_poll_at='2000-01-01T00:00:00+00:00'")
        stop.set()
        daemon._run(Task("poll"))
        assert sum(len(t) for t in site.fetches.values()) == FEEDS  # nothing more
        due = _rows(database, "SELECT COUNT(*) FROM sources WHERE next_poll_at<=?",
                    ("2000-01-01T00:00:00+00:00",))
        assert due[0][0] == FEEDS  # left due for the next daemon or start


def test_a_second_daemon_on_sqlite_is_refused_with_one_line(tmp_path, daemons):  # noqa: F811
    config = write_config(tmp_path, sources=[], schedule={"poll": "0 0 1 1 *",
                                                          "briefing": "0 0 1 1 *"})
    first = daemons(config, name="first")
    first.wait_for("started")
    second = daemons(config, name="second")
    assert second.proc.wait(120) == 1
    lines = [line for line in second.log.splitlines() if line.strip()]
    assert len(lines) == 1 and "another briefing daemon" in lines[0], lines
    assert "Traceback" not in second.log
    assert first.proc.poll() is None


@pytest.mark.parametrize("bad", ["mysql://x/y", "postgresql://nobody@/nodb?host=/nonexistent"])
def test_a_bad_database_url_is_one_line(tmp_path, bad):
    from conftest import run_cli

    config = write_config(tmp_path, sources=[], database_url=bad)
    code, _, err = run_cli("--config", str(config), "status")
    assert code in (1, 2)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "database_url" in err


def test_a_preview_on_a_shared_database_reads_it_and_records_nothing_there(
        tmp_path, postgres_server):  # noqa: F811
    """``render --preview`` with database_url composes from an SQLite copy of the server's
    database (its articles and what this desk covered) and records nothing on the server."""
    from conftest import run_cli

    database = postgres_server.new_database()
    config = _sqlite_desk(tmp_path, "ports", database_url=database)
    code, out, err = run_cli("--config", str(config), "render", "--preview", "--format", "md")
    assert code == 0 and "Preview (nothing recorded): Briefing of 3 article(s)" in out, err
    assert _rows(database, "SELECT id FROM articles") == []
    code, out, err = run_cli("--config", str(config), "render", "--format", "md")
    assert code == 0 and "Briefing of 3 article(s)" in out, err
    before = _rows(database, "SELECT id, first_seen FROM articles ORDER BY id")
    code, out, err = run_cli("--config", str(config), "render", "--explain", "--format", "md")
    assert code == 0 and "nothing to render" in out, out  # the copy knows what was covered
    assert _rows(database, "SELECT id, first_seen FROM articles ORDER BY id") == before
    assert len(_rows(database, "SELECT id FROM briefings")) == 1


def test_status_lists_daemons_leases_sources_slots_and_outbox(tmp_path,
                                                              postgres_server):  # noqa: F811
    from conftest import run_cli

    database = postgres_server.new_database()
    config = write_config(tmp_path, sources=[], database_url=database,
                          schedule={"lease_seconds": 30})
    with Store(database) as store:
        store.register_sources([("feed: a", "a.test"), ("feed: b", "b.test")])
        store.beat("host1:1:aa", "host1", 1, 30, doing="poll")
        store.beat("host2:2:bb", "host2", 2, 30)
        store.daemon_stopped("host2:2:bb")
        assert store.claim_sources("host1:1:aa", ["feed: a"], lease_seconds=30, per_host=1)
        store.claim_slot("default", "2026-03-05T07:00:00+00:00", "host1:1:aa", 30)
        store.enqueue_message(tmp_path, ["r@example.org"], "S", b"m")
    code, out, err = run_cli("--config", str(config), "status")
    assert code == 0, err
    assert "daemons: 1 alive" in out
    assert "host1:1:aa: alive" in out and ", poll; 1 source lease(s)" in out
    assert "host2:2:bb: stopped" in out
    assert "sources: 2 shared, 1 leased now, 1 due, 0 overdue" in out
    assert "2026-03-05T07:00:00+00:00 [default]: composing by host1:1:aa" in out
    assert "outbox (recipients): 1 pending" in out
    assert "***" not in database and "password" not in out


def test_status_on_sqlite_names_the_daemon_holding_the_lock(tmp_path, daemons):  # noqa: F811
    from conftest import run_cli

    config = write_config(tmp_path, sources=[], schedule={"poll": "0 0 1 1 *",
                                                          "briefing": "0 0 1 1 *"})
    code, out, _ = run_cli("--config", str(config), "status")
    assert code == 0 and "daemon: none running" in out and "outbox: empty" in out
    first = daemons(config, name="first")
    first.wait_for("started")
    code, out, _ = run_cli("--config", str(config), "status")
    assert f"daemon: pid {first.proc.pid}" in out


# --- desks: several configs, one ingestion --------------------------------------------------

DESKS = {  # desk -> (title, recipients, theme)
    "ports": ("Ports Desk", ["ports@example.org"],
              {"id": "ports", "title": "Ports and shipping",
               "description": "Ports, ships, dock workers, strikes and cargo"}),
    "markets": ("Markets Desk", ["m1@example.org", "m2@example.org"],
                {"id": "markets", "title": "Markets and prices",
                 "description": "Prices, companies, wages, grain and coal trade"}),
}


def _desk_config(folder: Path, desk: str, database: str, site: FeedSite, smtp_port: int,
                 slot: datetime) -> Path:
    title, recipients, theme = DESKS[desk]
    folder.mkdir()
    return write_config(
        folder, title=title, desk=desk, timezone="UTC", database_url=database,
        themes=[theme], sources=[{"feed": site.server.url(f"/feed{n}.xml")}
                                 for n in range(FEEDS)],
        schedule={"poll": f"*/{POLL_EVERY} * * * * *", "briefing": _slot_cron([slot]),
                  "grace_seconds": 600, "lease_seconds": LEASE},
        fetch={"allow_private": True, "per_host": 3},
        email={"enabled": True, "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
               "security": "none", "from": "briefing@example.org", "to": recipients,
               "timeout_seconds": 5, "retry_seconds": 1})


def test_two_desks_share_one_ingestion_and_brief_their_own_recipients(
        tmp_path, postgres_server, http_server, smtp_server, daemons):  # noqa: F811
    """Two configs (desks) with their own themes, recipients and slots on one PostgreSQL:
    each feed is fetched once per interval and each entry stored once for both; each desk
    makes one briefing for its slot, mailed once to each of its own recipients; and the
    markets desk, briefing after the ports desk, still gets every article the ports desk
    briefed (one desk does not use up another's news)."""
    from conftest import run_cli

    database = postgres_server.new_database()
    site = FeedSite(http_server)
    start = datetime.now(UTC).replace(microsecond=0)
    slots = {"ports": start + timedelta(seconds=75), "markets": start + timedelta(seconds=95)}
    configs = {desk: _desk_config(tmp_path / desk, desk, database, site, smtp_server.port,
                                  slots[desk]) for desk in DESKS}
    procs = [daemons(configs[desk], name=desk) for desk in DESKS]
    for proc in procs:
        proc.wait_for("on a shared database as", timeout=180)

    wait_until(lambda: len(smtp_server.messages) >= 3, timeout=300, what="both desks' emails")
    time.sleep(3)  # a repeat, if there were one, would be on its way by now
    runs = _rows(database, "SELECT desk, status FROM briefing_runs ORDER BY desk")
    assert [tuple(r) for r in runs] == [("markets", "done"), ("ports", "done")]
    for desk, (title, recipients, _) in DESKS.items():
        mails = [m for m in smtp_server.messages if m.message["Subject"].startswith(title)]
        assert sorted(r for m in mails for r in m.recipients) == recipients, desk
        assert all(m.message["Message-ID"].startswith(f"<briefing.{desk}.") for m in mails)
    assert len(smtp_server.messages) == 3
    _assert_every_entry_stored_once(database, site)
    _assert_fetched_once_per_interval(site)
    stored = {r[0] for r in _rows(database, "SELECT id FROM articles")}
    for desk in DESKS:
        covered = {r[0] for r in _rows(
            database, "SELECT c.article_id FROM coverage c JOIN briefings b ON "
            "b.id=c.briefing_id WHERE b.desk=?", (desk,))}
        assert covered == stored, desk  # every article briefed by both desks
        folders = [p for p in (tmp_path / desk / "output").iterdir() if p.is_dir()]
        assert len(folders) == 1
        assert DESKS[desk][0] in (folders[0] / "briefing.md").read_text(encoding="utf-8")

    code, out, err = run_cli("--config", str(configs["ports"]), "status")
    assert code == 0, err
    assert "desks: 2" in out
    assert "ports (this config): 1 briefing(s)" in out and "1 daemon(s) alive" in out
    assert "markets: 1 briefing(s)" in out and "outbox 2 sent" in out
    for proc in procs:
        assert proc.terminate() == 0


def _sqlite_desk(root: Path, desk: str, **overrides) -> Path:
    folder = root / desk
    folder.mkdir()
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    return write_config(folder, title=f"{desk.capitalize()} Desk", desk=desk,
                        state_dir=str(root / "shared-state"),
                        sources=[{"path": str(p)} for p in sorted(seeds.glob("*.txt"))[:3]],
                        **overrides)


def test_desks_on_one_sqlite_state_dir_take_turns(tmp_path):
    """On SQLite two desks may share a state_dir: renders take turns, and each desk briefs
    the articles its own briefings have not covered, whatever the other desk did."""
    from conftest import run_cli

    ports, markets = (_sqlite_desk(tmp_path, d) for d in ("ports", "markets"))
    code, out, err = run_cli("--config", str(ports), "render", "--format", "md")
    assert code == 0 and "Briefing of 3 article(s)" in out, err
    code, out, err = run_cli("--config", str(markets), "render", "--format", "md")
    assert code == 0 and "Briefing of 3 article(s)" in out, err  # not "nothing new"
    code, again, err = run_cli("--config", str(ports), "render", "--format", "md")
    assert code == 0 and "nothing to render" in again, again
    for config, title in ((ports, "Ports Desk"), (markets, "Markets Desk")):
        [folder] = [p for p in (config.parent / "output").iterdir() if p.is_dir()]
        assert title in (folder / "briefing.md").read_text(encoding="utf-8")
    with Store(tmp_path / "shared-state" / "briefing.sqlite3", "ports") as store:
        assert len(store.briefings()) == 1 and store.article_count() == 3
        assert len(store.covered_ids()) == 3
    code, out, _ = run_cli("--config", str(markets), "status")
    assert "desks: 2" in out and "markets (this config): 1 briefing(s)" in out


def test_a_second_desks_daemon_on_one_sqlite_state_dir_is_refused_with_one_line(
        tmp_path, daemons):  # noqa: F811
    never = {"poll": "0 0 1 1 *", "briefing": "0 0 1 1 *"}
    first = daemons(_sqlite_desk(tmp_path, "ports", schedule=never), name="ports")
    first.wait_for("started")
    second = daemons(_sqlite_desk(tmp_path, "markets", schedule=never), name="markets")
    assert second.proc.wait(120) == 1
    lines = [line for line in second.log.splitlines() if line.strip()]
    assert len(lines) == 1 and "desk markets" in lines[0] and "database_url" in lines[0], lines
    assert first.proc.poll() is None
