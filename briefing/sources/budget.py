"""One poll's budget: how many new feed entries each feed may bring, and until when.

A feed of 30,000 entries that each link to a page would otherwise be 30,000 page fetches in
one poll, one after another, while the daemon's only worker can do nothing else. A poll
(``Pipeline.collect``) opens a ``poll_budget``; every feed read inside it takes at most
``fetch.max_entries`` new entries and stops taking any once ``fetch.poll_seconds`` have
passed since the poll began. What is left is read by the next poll: a feed cut short keeps
its old validators, so the next poll reads it in full again and goes on where this one
stopped (entries already stored cost nothing).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from briefing.config import FetchSettings


@dataclass(frozen=True)
class PollBudget:
    deadline: float  # time.monotonic() value after which no new entry is read
    max_entries: int  # new entries per feed

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline


_current: ContextVar[PollBudget | None] = ContextVar("briefing_poll_budget", default=None)


@contextmanager
def poll_budget(limits: FetchSettings) -> Iterator[PollBudget]:
    """The budget of one poll, for every source read inside the block."""
    budget = PollBudget(time.monotonic() + limits.poll_seconds, limits.max_entries)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_budget(limits: FetchSettings) -> PollBudget:
    """The budget of the poll in progress; a feed read outside a poll gets one of its own."""
    budget = _current.get()
    if budget is None:
        budget = PollBudget(time.monotonic() + limits.poll_seconds, limits.max_entries)
    return budget
