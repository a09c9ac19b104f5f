"""The small pieces the stages share: the clock tests can set, the lock files that keep one
daemon and one sender per state_dir, and the write that leaves whole files or none."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from briefing import clock
from briefing.atomic import write_atomic
from briefing.clock import FakeClock, use_clock
from briefing.daemon.scheduler import daemon_lock
from briefing.deliver.outbox import outbox_lock
from briefing.errors import DeliveryError, LockError
from briefing.store import Store

START = datetime(2024, 3, 5, 7, 0, tzinfo=UTC)


def test_a_fake_clock_is_the_time_until_the_block_ends(tmp_path):
    with use_clock(FakeClock(START)) as fake, Store(tmp_path / "db.sqlite3") as store:
        assert clock.now() == START and clock.now_iso() == "2024-03-05T07:00:00+00:00"
        run_id = store.start_run("poll")
        fake.advance(90)
        store.finish_run(run_id, "ok")
        [run] = store.db.execute("SELECT started_at, finished_at FROM runs").fetchall()
        assert tuple(run) == ("2024-03-05T07:00:00+00:00", "2024-03-05T07:01:30+00:00")
        with pytest.raises(ValueError, match="does not go back"):
            fake.set(START)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)  # the system clock


def test_a_second_daemon_is_refused_at_once(tmp_path):
    with daemon_lock(tmp_path):
        started = time.monotonic()
        refused = rf"another briefing daemon \(pid {os.getpid()}\)"
        with pytest.raises(LockError, match=refused), daemon_lock(tmp_path):
            pass
        assert time.monotonic() - started < 1  # no waiting
    with daemon_lock(tmp_path):  # free again once its holder let go
        pass


def test_a_second_sender_waits_for_the_first_then_gives_up(tmp_path):
    release = threading.Event()
    holding = threading.Event()

    def first_sender() -> None:
        with outbox_lock(tmp_path):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first_sender)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        busy = "has been sending the outbox"
        with pytest.raises(DeliveryError, match=busy), outbox_lock(tmp_path, wait=0.3):
            pass
        assert time.monotonic() - started >= 0.3  # it waited

        threading.Timer(0.2, release.set).start()
        with outbox_lock(tmp_path, wait=10):  # the first sender finishes: the second goes on
            assert release.is_set()
    finally:
        release.set()
        thread.join(10)


def test_atomic_writes_replace_whole_files_and_leave_nothing_else(tmp_path):
    target = tmp_path / "briefing.md"
    write_atomic(target, "first\n")
    assert write_atomic(target, "zweite Fassung — ü\n") == target
    assert target.read_text(encoding="utf-8") == "zweite Fassung — ü\n"
    write_atomic(tmp_path / "briefing.pdf", b"%PDF-1.7\x00\xff")
    assert (tmp_path / "briefing.pdf").read_bytes() == b"%PDF-1.7\x00\xff"
    with pytest.raises(OSError):
        write_atomic(tmp_path / "missing" / "index.html", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["briefing.md", "briefing.pdf"]
