"""The clock: the one place that reads the time, so tests can set it.

The daemon and the outbox ask ``now()``; a test installs a ``FrozenClock`` (or any callable
returning an aware datetime) with ``use_clock`` and moves it on instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def now_iso() -> str:
    return now().isoformat(timespec="seconds")
