"""One step run in a forked child process, beside the caller's work: the second core.

The briefing slot is mostly Python (grouping, scoring, wording), so threads would queue on
the interpreter lock. A forked child has the caller's memory as it was (the day's sentences
and vectors, nothing copied up front), computes one pure step, and sends its result back
pickled through a pipe while the caller does other steps. On the 10,000-article day fact
grouping (about 5 s) runs beside story grouping, word support and the listing articles.

Nothing here can change a result: a child that cannot be forked, fails, dies or gives no
answer in CHILD_TIMEOUT_SECONDS (then it is killed) leaves the caller to compute the step
itself, as it would without this module. Where fork is missing
or only one core is usable, or ``BRIEFING_FORK=0``, the step runs in the caller when asked
for. The child shares no open resource with the caller on purpose: the step must not use
the store (its SQLite connection belongs to the caller) nor log (a lock another thread held
at fork time stays held in the child).

While a child runs, it and the caller each use one BLAS thread (``threadpoolctl``): two
processes with two OpenBLAS threads each on two cores spin against each other, and measured
so, both halves took twice as long as they do alone.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Generic, TypeVar

T = TypeVar("T")

FORK_ENV = "BRIEFING_FORK"  # "0": every step runs in the caller (no child process)
_READ = 1 << 20
# A child that has not answered in this long is stopped and the caller computes the step:
# a child stuck on a lock another thread held at fork time would otherwise hold the slot
# for ever. The step takes about 5 s on the 10,000-article day (bench/daily.py).
CHILD_TIMEOUT_SECONDS = 300.0


def can_fork() -> bool:
    """Whether a step may run in a child: fork exists, two cores are ours, not turned off."""
    if os.environ.get(FORK_ENV, "") == "0" or not hasattr(os, "fork"):
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores > 1


def one_blas_thread() -> AbstractContextManager[object]:
    """Numpy's BLAS limited to one thread for the block (nothing if threadpoolctl is
    missing: then only slower, never different)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


class Beside(Generic[T]):
    """``fn(*args)`` started in a child (unless not ``fork``: a step too small to be worth
    a process); ``result()`` waits for it. Use it as a context manager, so a child whose
    result is never asked for is stopped and reaped."""

    def __init__(self, fn: Callable[..., T], *args: object, fork: bool = True) -> None:
        self._fn, self._args = fn, args
        self._pid = 0
        self._fd = -1
        self.forked = False  # whether the result came (or is coming) from a child
        self._limit: AbstractContextManager[object] | None = None
        if fork and can_fork():
            self._start()

    def _start(self) -> None:
        try:
            read, write = os.pipe()
        except OSError:
            return
        # Limited before the fork, so the child imports nothing and inherits the limit.
        self._limit = one_blas_thread()
        self._limit.__enter__()
        try:
            pid = os.fork()
        except OSError:  # no memory or processes left: the caller computes it
            os.close(read)
            os.close(write)
            self._unlimit()
            return
        if pid == 0:  # the child: compute, send, and leave without the caller's exit work
            os.close(read)
            _child(write, self._fn, self._args)
        os.close(write)
        self._pid, self._fd, self.forked = pid, read, True

    def result(self) -> T:
        """The step's result: the child's, or computed here if there is no child or it
        failed (then any error is the step's own, raised here)."""
        if self._pid:
            data = self._collect()
            if data is not None:
                status, value = pickle.loads(data)
                if status == "ok":
                    return value
            self.forked = False
        return self._fn(*self._args)

    def _collect(self) -> bytes | None:
        """Read the child's pickled answer to its end, then reap it; None if it died or
        gave no answer within CHILD_TIMEOUT_SECONDS (then it is killed)."""
        chunks: list[bytes] = []
        deadline = time.monotonic() + CHILD_TIMEOUT_SECONDS
        late = False
        try:
            while True:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([self._fd], [], [], max(left, 0.0))
                if not ready:
                    late = True
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self._pid, signal.SIGKILL)
                    break
                chunk = os.read(self._fd, _READ)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self._fd)
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            self._unlimit()
        if late or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not chunks:
            return None
        return b"".join(chunks)

    def close(self) -> None:
        """Stop and reap a child whose result was not asked for."""
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.close(self._fd)
            os.waitpid(self._pid, 0)
            self._pid = 0
            self._unlimit()

    def _unlimit(self) -> None:
        if self._limit is not None:
            self._limit.__exit__(None, None, None)
            self._limit = None

    def __enter__(self) -> Beside[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _child(fd: int, fn: Callable[..., object], args: tuple[object, ...]) -> None:
    """In the child: the caller's signal handlers are not ours (a daemon's SIGTERM handler
    would act for the daemon); answer ("ok", result), or ("error", text) for the caller to
    compute it again and raise; exit at once (no atexit, no buffers flushed twice)."""
    code = 0
    try:
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        try:
            data = pickle.dumps(("ok", fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - the caller recomputes and raises it
            data = pickle.dumps(("error", repr(exc)))
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:  # noqa: BLE001 - nothing may escape into the caller's code
        code = 1
    finally:
        os._exit(code)
