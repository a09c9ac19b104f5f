"""One process at a time: an exclusive ``flock`` on a file in ``state_dir``.

The kernel releases a ``flock`` when its holder dies, so a file left behind by a killed
process never blocks the next one. The holder writes its pid into the file, for the message
the next one gives.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_SECONDS = 0.1  # how often a waiting process tries the lock again


@contextmanager
def file_lock(path: Path, wait: float, error: Callable[[str], Exception],
              note: str = "") -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block.

    If another process holds it, try again for up to ``wait`` seconds (0: not at all), then
    raise ``error(holder)``, where ``holder`` is what the other process wrote: its pid, then
    its ``note`` if it gave one (say, the command it runs), or "" if it wrote nothing.

    The wait is real time (``time.monotonic``), not the clock of ``briefing.clock``: the
    other process lets go in real time, and a test's stopped clock would make the wait
    endless.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 256, 0).decode("ascii", errors="replace").strip()
                    raise error(holder) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {note}".strip().encode("ascii", "replace") + b"\n", 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
