"""The clock: the one place that reads the time of day, so tests can set it.

The daemon (what is due, a briefing missed while it was down), the outbox (when a retry is
due) and the store's timestamps all ask ``now()``. A test installs a ``FakeClock`` with
``use_clock`` and moves it on with ``advance`` instead of sleeping or waiting for a cron
firing::

    with use_clock(FakeClock(datetime(2024, 3, 5, 7, 0, tzinfo=UTC))) as clock:
        ...
        clock.advance(90)

Only wall-clock time goes through here. Waiting for another process (a lock held by another
sender, a slow server) is real time and uses ``time.monotonic`` where it waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

Clock = Callable[[], datetime]  # returns an aware datetime

_ClockT = TypeVar("_ClockT", bound=Clock)


def _system() -> datetime:
    return datetime.now(UTC)


_clock: Clock = _system


def now() -> datetime:
    """The current time, aware (UTC unless the installed clock says otherwise)."""
    return _clock()


def now_iso() -> str:
    """The current time in UTC, to the second: the shape every stored timestamp has, so that
    stored timestamps compare correctly as text."""
    return iso(now())


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@contextmanager
def use_clock(clock: _ClockT) -> Iterator[_ClockT]:
    """Make ``clock`` the time for the block (every thread sees it); the previous one after."""
    global _clock
    previous, _clock = _clock, clock
    try:
        yield clock
    finally:
        _clock = previous


class FakeClock:
    """A clock that stands still until it is moved: ``advance(seconds)`` or ``set(moment)``."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()  # the daemon's threads may read it while a test moves it

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        with self._lock:
            if moment < self._now:
                raise ValueError(f"the clock does not go back ({moment} < {self._now})")
            self._now = moment
            return moment
