"""The daemon, with a real SMTP server (aiosmtpd) and a real HTTP feed server on 127.0.0.1.

Run for real (`python -m briefing run` in a subprocess, APScheduler firing seconds-level
crons), it picks up a new feed entry and mails it in the next briefing. The rest runs the
same daemon in this process on a fake clock (``briefing.clock``), moved on one scheduling
step at a time instead of waiting for firings: a mail server that is down delays delivery
but loses nothing and sends once; SIGTERM lets the job in hand finish; a second daemon on
the same state is refused; a briefing missed while it was down is made once at start-up;
and the schedule arithmetic itself, as plain function calls."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import SEEDS, run_cli, write_config
from fixtures_http import http_server_fixture  # noqa: F401  (http_server)
from fixtures_smtp import ScriptedSMTP, SMTPServer, free_port, smtp_server_fixture  # noqa: F401

from briefing.clock import FakeClock, use_clock
from briefing.config import load_settings
from briefing.daemon.cron import parse_cron
from briefing.daemon.scheduler import Daemon, daemon_session, due_jobs, missed_fire
from briefing.store import Store

SEED = next(SEEDS.glob("004_*"))  # one article keeps each briefing quick
SECOND_SEED = next(SEEDS.glob("000_*"))
NEW_TITLE = "Lithuania opens an air defence training centre near Vilnius"
NEW_BODY = " ".join([
    "Lithuania opened a new air defence training centre near Vilnius on Tuesday, the defence",
    "ministry said in a statement. The centre will train about four hundred soldiers a year",
    "to operate short-range missile systems bought from Norway and the United States.",
    "Defence minister Arvydas Anusauskas told reporters that the first course would begin in",
    "March and that instructors from three allied countries would teach there. He said the",
    "country wanted its own crews ready to protect airports, bridges and power stations. The",
    "ministry said the training grounds cover forty hectares and include a simulator hall.",
    "Officials said the centre was part of a plan to double spending on air defence over the",
    "next four years. Neighbouring Latvia and Estonia have been invited to send their own",
    "crews to the courses from next year, the statement added. Local residents were told that",
    "live firing would take place only on weekdays and never after dark. The mayor of the",
    "nearby town said the project would bring about sixty civilian jobs to the area. Critics",
    "in parliament asked whether the budget for the centre had been checked by auditors",
    "before the contracts were signed, and the ministry promised a report by the summer.",
])


def rss(entries: list[tuple[str, str, str]], *, published: str | None = None,
        links: bool = True) -> bytes:
    """An RSS feed of (guid, title, body) entries. Without ``links`` the description is the
    whole article: no entry links to a page that would be fetched."""
    # Dated now by default: the daemon in a subprocess runs in real time, and an entry older
    # than window_hours would be stored but not briefed.
    published = published or format_datetime(datetime.now(UTC), usegmt=True)
    items = "".join(
        f"<item><title>{title}</title>"
        + (f"<link>https://news.example.org/{guid}</link>" if links else "")
        + f"<guid>{guid}</guid><pubDate>{published}</pubDate>"
        f"<description>{body}</description></item>" for guid, title, body in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Example News</title><link>https://news.example.org/</link>"
            f"<description>Test feed</description>{items}</channel></rss>").encode()


# --- running the daemon ---------------------------------------------------------------------


class DaemonProcess:
    """``briefing --config CONFIG run`` in a subprocess, its log (stderr) in a file."""

    def __init__(self, config: Path, name: str = "daemon"):
        self.log_path = config.parent / f"{name}.log"
        env = dict(os.environ, BRIEFING_THREADS="1", HF_HUB_OFFLINE="1")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "briefing", "--config", str(config), "run"],
                cwd=config.parent, stdout=subprocess.DEVNULL, stderr=log, env=env)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, after: int = 0, timeout: float = 120) -> int:
        """Wait until the log matches ``pattern`` after offset ``after``; return the offset
        just past the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.compile(pattern).search(self.log, after)
            if match:
                return match.end()
            if self.proc.poll() is not None:
                pytest.fail(f"daemon exited ({self.proc.returncode}) before {pattern!r}:\n"
                            f"{self.log}")
            time.sleep(0.1)
        pytest.fail(f"no {pattern!r} within {timeout} s:\n{self.log}")

    def terminate(self, timeout: float = 120) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


@pytest.fixture
def daemons():
    """Start daemons with ``daemons(config)``; any still running at the end are killed."""
    started: list[DaemonProcess] = []

    def start(config: Path, name: str = "daemon") -> DaemonProcess:
        started.append(DaemonProcess(config, name))
        return started[-1]

    yield start
    for daemon in started:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(30)


def wait_until(condition, timeout: float = 120, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def project(tmp_path: Path, *, port: int, email: bool = True, sources=None,
            timezone: str = "Europe/Kyiv", schedule: dict | None = None,
            **email_options) -> Path:
    """A folder source with one seed, seconds-level crons, email to 127.0.0.1:port."""
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    shutil.copy(SEED, inbox / SEED.name)
    crons = {"poll": "* * * * * *", "briefing": "*/5 * * * * *", "grace_seconds": 600}
    return write_config(
        tmp_path, title="Daemon Test", timezone=timezone,
        sources=sources or [{"path": "inbox/"}], schedule={**crons, **(schedule or {})},
        email={"enabled": email, "smtp_host": "127.0.0.1", "smtp_port": port,
               "security": "none", "from": "briefing@example.org",
               "to": ["reader@example.org"], "timeout_seconds": 5, "retry_seconds": 1,
               **email_options})


def outbox(config: Path) -> list:
    with Store(config.parent / "state" / "briefing.sqlite3") as store:
        return store.outbox()


def pdf_of(received) -> bytes:
    return next(received.message.iter_attachments()).get_content()


# --- the daemon in this process, on a fake clock -----------------------------------------


@contextmanager
def daemon_in_process(config: Path) -> Iterator[Daemon]:
    """The daemon as ``briefing run`` runs it (lock, signal handlers, Pipeline), started at the
    installed clock's time and its start-up jobs run; ``tick`` moves it on. Leaving the
    block is the process ending."""
    with daemon_session(load_settings(config), threading.Event()) as daemon:
        daemon.start()
        assert daemon.step()
        yield daemon


def tick(daemon: Daemon, clock: FakeClock, seconds: float = 1, times: int = 1) -> None:
    """Move the clock on and run what that makes due, ``times`` over: the firings APScheduler
    would make, without waiting for them."""
    for _ in range(times):
        clock.advance(seconds)
        assert daemon.step()


class Log:
    """The daemon's log lines (what ``briefing run`` writes to stderr), and places in it."""

    def __init__(self, caplog):
        for name in ("briefing.daemon", "briefing.deliver"):  # as cmd_run sets them
            caplog.set_level(logging.INFO, logger=name)
        self.caplog = caplog
        self.marks: dict[str, int] = {}

    @property
    def text(self) -> str:
        return self.caplog.text

    def mark(self, name: str) -> None:
        self.marks[name] = len(self.caplog.text)

    def since(self, name: str) -> str:
        return self.caplog.text[self.marks[name]:]


# --- the tests ------------------------------------------------------------------------------


def test_a_new_feed_entry_is_polled_and_mailed_in_the_next_briefing(tmp_path, http_server,
                                                                    smtp_server, daemons):
    feed = http_server.url("/feed.xml")
    http_server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss([]))
    config = project(tmp_path, port=smtp_server.port,
                     sources=[{"path": "inbox/"}, {"feed": feed, "name": "Example News"}],
                     schedule={"briefing": "*/6 * * * * *"})
    daemon = daemons(config)
    daemon.wait_for(r"started \(pid \d+\)")
    wait_until(lambda: len(smtp_server.messages) >= 1, what="the first briefing's email")

    offset = len(daemon.log)
    http_server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                       rss([("air-defence-1", NEW_TITLE, NEW_BODY)]))
    # Picked up by a poll, or by the fetch the briefing job makes just before composing.
    daemon.wait_for(r"poll: 1 article\(s\) picked up|1 new article\(s\) picked up just "
                    r"before composing", after=offset)
    wait_until(lambda: len(smtp_server.messages) >= 2, what="the second briefing's email")
    assert daemon.terminate() == 0

    first, second = (Path(row["briefing_dir"]) for row in outbox(config))
    assert [row["status"] for row in outbox(config)] == ["sent", "sent"]
    assert first != second and second.name.startswith(first.name[:10])  # <date>, <date>-2
    assert len(smtp_server.messages) == 2  # no repeats
    for received, folder in zip(smtp_server.messages, (first, second), strict=True):
        assert pdf_of(received) == (folder / "briefing.pdf").read_bytes()
        types = [p.get_content_type() for p in received.message.walk()]
        assert "text/plain" in types and "text/html" in types
    new_mail = smtp_server.messages[1].message
    assert NEW_TITLE in " ".join(new_mail.get_body(("plain",)).get_content().split())
    assert NEW_TITLE in new_mail.get_body(("html",)).get_content()
    assert NEW_TITLE not in smtp_server.messages[0].data.decode("ascii")
    log = daemon.log
    assert f"written to {second}" in log and "email: message 2 sent" in log


def test_mail_server_down_sigterm_mid_job_second_daemon_and_restart(tmp_path, caplog):
    log = Log(caplog)
    port = free_port()  # the mail server is down to begin with
    config = project(tmp_path, port=port)  # polls every second, a briefing every 5 s
    clock = FakeClock(datetime(2024, 3, 5, 4, 59, 59, tzinfo=UTC))
    with use_clock(clock), daemon_in_process(config) as first:
        # Only one daemon per state_dir: the second says why and exits non-zero.
        code, _, err = run_cli("--config", str(config), "run")
        assert code == 1
        assert (f"another briefing daemon (pid {os.getpid()}) is already running with "
                f"state_dir {tmp_path / 'state'}") in err

        # The briefing is rendered even so, and its email waits in the outbox.
        tick(first, clock)  # 05:00:00, a briefing firing
        assert re.search(r"email: message 1 not sent: 127\.0\.0\.1:\d+: Connection refused",
                         log.text)
        [row] = outbox(config)
        assert row["status"] == "pending"
        assert (Path(row["briefing_dir"]) / "briefing.pdf").is_file()

        # The server comes back: the daemon's retry delivers it, once.
        with SMTPServer(port) as server:
            tick(first, clock)  # the retry is due retry_seconds (1 s) after the failure
            assert "email: message 1 sent" in log.text
            tick(first, clock, times=3)  # several more outbox passes
            assert len(server.messages) == 1
            assert pdf_of(server.messages[0]) == \
                (Path(row["briefing_dir"]) / "briefing.pdf").read_bytes()

        # Down again; a new article arrives; SIGTERM while the briefing job is in hand.
        shutil.copy(SECOND_SEED, tmp_path / "inbox" / SECOND_SEED.name)
        render = first.pipeline.render

        def render_and_signal(**options):
            # run_daemon's handler, not the default one that would end this test run
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
            log.mark("signalled")
            signal.raise_signal(signal.SIGTERM)  # the handler run_daemon installs stops us
            return render(**options)

        first.pipeline.render = render_and_signal
        clock.advance(1)  # 05:00:05, the next briefing firing
        assert first.step() is False  # the daemon stops, after the job
    after_signal = log.since("signalled")
    assert re.search(r"written to \S+", after_signal), log.text  # the job was finished
    assert "email: message 2 not sent" in after_signal
    assert "stopping on request" in after_signal

    # Consistent state: nothing half-done, the new briefing complete and its email queued.
    with Store(tmp_path / "state" / "briefing.sqlite3") as store:
        assert not [r for r in store.db.execute("SELECT * FROM runs WHERE status='running'")]
        rows = store.outbox()
        assert [r["status"] for r in rows] == ["sent", "pending"]
        assert store.get_state("briefing_in_progress") is None
    new_dir = Path(rows[1]["briefing_dir"])
    assert sorted(p.name for p in new_dir.iterdir()) == [
        "briefing.html", "briefing.json", "briefing.md", "briefing.pdf"]

    # A restart with the server up continues where the first daemon stopped.
    clock.advance(2)  # the retry is due
    log.mark("third")
    with SMTPServer(port) as server, use_clock(clock), daemon_in_process(config) as third:
        assert "email: message 2 sent" in log.since("third")  # at start-up
        tick(third, clock, times=3)
        assert len(server.messages) == 1
        assert pdf_of(server.messages[0]) == (new_dir / "briefing.pdf").read_bytes()
    assert [r["status"] for r in outbox(config)] == ["sent", "sent"]


def test_a_briefing_missed_while_down_is_made_once_at_start_up(tmp_path, caplog):
    log = Log(caplog)
    tz = ZoneInfo("Asia/Tokyo")  # the schedule is read in the configured time zone
    first_fire = datetime(2024, 3, 5, 7, 0, 10, tzinfo=tz)
    last_fire = first_fire + timedelta(seconds=3)  # two firings, both missed
    cron = f"{first_fire.second},{last_fire.second} {first_fire.minute} {first_fire.hour} * * *"
    config = project(tmp_path, port=free_port(), email=False, timezone="Asia/Tokyo",
                     schedule={"poll": "0 0 1 1 *", "briefing": cron})
    clock = FakeClock(first_fire - timedelta(seconds=12))

    with use_clock(clock):
        with daemon_in_process(config):
            assert f"next briefing at {first_fire.isoformat(sep=' ')}" in log.text
        assert "composing" not in log.text

        clock.set(last_fire + timedelta(seconds=2))  # both firings pass while it is down
        log.mark("second")
        with daemon_in_process(config):
            pass
        second = log.since("second")
        assert second.count("was missed while the daemon was down") == 1
        assert f"the briefing of {last_fire.isoformat(sep=' ')} was missed" in second
        assert second.count("composing") == 1 and "written to " in second
        assert f"next briefing at {(first_fire + timedelta(days=1)).isoformat(sep=' ')}" \
            in second

        # Handled now: a further restart makes nothing. With polls every second (and the
        # briefing not due until tomorrow), a new file is picked up by a poll alone.
        config = project(tmp_path, port=free_port(), email=False, timezone="Asia/Tokyo",
                         schedule={"poll": "* * * * * *", "briefing": cron})
        clock.advance(60)
        log.mark("third")
        with daemon_in_process(config) as third:
            shutil.copy(SECOND_SEED, tmp_path / "inbox" / SECOND_SEED.name)
            tick(third, clock)
    third = log.since("third")
    assert "poll: 1 article(s) picked up (1 new" in third
    assert "missed" not in third and "composing" not in third
    with Store(tmp_path / "state" / "briefing.sqlite3") as store:
        assert len(store.briefings()) == 1


def test_run_once_polls_composes_and_delivers(tmp_path, smtp_server, caplog):
    config = project(tmp_path, port=smtp_server.port)
    code, _, err = run_cli("--config", str(config), "run", "--once")
    assert code == 0, err
    [row] = outbox(config)
    assert row["status"] == "sent"
    assert pdf_of(smtp_server.messages[0]) == \
        (Path(row["briefing_dir"]) / "briefing.pdf").read_bytes()
    assert "poll: 1 article(s) picked up" in caplog.text
    assert "email: message 1 sent" in caplog.text


def test_the_daemon_refuses_to_start_without_the_smtp_password(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFING_TEST_NO_SUCH_PASSWORD", raising=False)
    config = project(tmp_path, port=free_port(), username="briefing",
                     password_env="BRIEFING_TEST_NO_SUCH_PASSWORD")
    code, _, err = run_cli("--config", str(config), "run")
    assert code == 2
    assert "BRIEFING_TEST_NO_SUCH_PASSWORD is not set" in err


# --- the schedule arithmetic ----------------------------------------------------------------


def test_missed_fire_is_the_latest_one_within_the_grace_period():
    kyiv = ZoneInfo("Europe/Kyiv")
    daily = parse_cron("0 7 * * *", "Europe/Kyiv")
    now = datetime(2024, 3, 5, 7, 30, tzinfo=kyiv)
    seven = datetime(2024, 3, 5, 7, 0, tzinfo=kyiv)
    assert missed_fire(daily, now, 3600, None) == seven
    assert missed_fire(daily, now, 3600, seven - timedelta(days=1)) == seven
    assert missed_fire(daily, now, 600, None) is None  # too late: wait for tomorrow
    assert missed_fire(daily, now, 3600, seven) is None  # already made
    assert missed_fire(daily, now, 3600, now - timedelta(minutes=5)) is None  # not running then

    often = parse_cron("*/10 * * * * *", "UTC")
    now = datetime(2024, 1, 1, 12, 0, 35, tzinfo=UTC)
    since = datetime(2024, 1, 1, 11, 58, 0, tzinfo=UTC)
    assert missed_fire(often, now, 3600, since) == datetime(2024, 1, 1, 12, 0, 30, tzinfo=UTC)


def test_due_jobs_fire_once_at_the_latest_firing_within_the_grace():
    jobs = {"poll": parse_cron("*/15 * * * *", "UTC"), "briefing": parse_cron("0 7 * * *", "UTC")}

    def at(hour: int, minute: int, second: int = 0) -> datetime:
        return datetime(2024, 3, 5, hour, minute, second, tzinfo=UTC)

    assert due_jobs(jobs, at(6, 50), at(6, 50, 59), 600) == []
    # Three polls passed since the last look: one poll, at the latest of them (coalesced).
    [poll] = due_jobs(jobs, at(7, 5), at(7, 55), 3600)
    assert (poll.kind, poll.fire) == ("poll", at(7, 45))
    # With both due, each comes once; the poll first, so the briefing sees what it found.
    due = due_jobs(jobs, at(6, 50), at(7, 0, 30), 600)
    assert [(t.kind, t.fire) for t in due] == [("poll", at(7, 0)), ("briefing", at(7, 0))]
    # A firing older than the grace is skipped (APScheduler's misfire_grace_time).
    assert due_jobs(jobs, at(6, 50), at(7, 14), 60) == []
    # Nothing is due twice: the next look starts where this one ended.
    assert due_jobs(jobs, at(7, 0, 30), at(7, 1), 600) == []


def test_the_daemon_says_who_still_waits_and_sends_to_them_alone(tmp_path, caplog):
    reader, desk = "reader@example.org", "desk@example.org"
    with ScriptedSMTP() as server:
        server.rcpt = {desk: "452 4.2.2 mailbox full, try later"}  # the reader's is taken
        config = project(tmp_path, port=server.port, to=[reader, desk])
        code, _, err = run_cli("--config", str(config), "run", "--once")
        assert code == 3, err  # made, but not delivered to everyone: cron can tell
        assert re.search(rf"email: message 1 sent \(to {reader}\); not sent to {desk}: 452 "
                         r"4\.2\.2 mailbox full, try later; it waits in the outbox, next try "
                         r"at \S+", caplog.text), caplog.text
        assert [r["status"] for r in outbox(config)] == ["pending"]

        server.rcpt = {}
        later = FakeClock(datetime.now(UTC) + timedelta(seconds=5))  # the retry is due
        with use_clock(later):
            code, _, err = run_cli("--config", str(config), "run", "--once")
        assert code == 0, err
        assert f"email: message 1 sent (to {desk})" in caplog.text
    assert [t.recipients for t in server.delivered] == [[reader], [desk]]
    assert [r["status"] for r in outbox(config)] == ["sent"]


def test_the_repeated_autumn_hour_offers_each_slot_once(tmp_path):
    """Europe/Berlin sets its clocks back at 03:00 on 25 October 2026: 02:00–03:00 comes
    twice. A poll every half hour runs at each real half hour (02:00 and 02:30 twice, an
    hour apart), once each; the fixed-time briefing at 02:30 runs once. Compared in UTC: the
    wall times of the two passes are equal, and ``fold`` is all that tells them apart."""
    config = project(tmp_path, port=free_port(), email=False, timezone="Europe/Berlin",
                     schedule={"poll": "*/30 * * * *", "briefing": "30 2 * * *",
                               "grace_seconds": 3600})
    start = datetime(2026, 10, 24, 23, 45, tzinfo=UTC)  # 01:45 summer time
    with use_clock(FakeClock(start)) as clock, daemon_in_process(config) as daemon:
        tick(daemon, clock, seconds=300, times=27)  # to 02:00 UTC, 03:00 winter time
    with Store(config.parent / "state" / "briefing.sqlite3") as store:
        runs = store.db.execute("SELECT kind, started_at FROM runs ORDER BY id").fetchall()
    polls = [started for kind, started in runs if kind == "poll"]
    # Start-up's poll, then one per real half hour: 00:00, 00:30, 01:00, 01:30, 02:00 UTC.
    assert len(polls) == 6, polls
    assert len(set(polls)) == 6
    assert [kind for kind, _ in runs].count("briefing") == 1
