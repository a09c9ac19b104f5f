"""The daemon: poll sources and compose, render and email briefings on a cron schedule.

APScheduler (3.x) fires the jobs: a cron job for polling (``schedule.poll``), one for the
briefing (``schedule.briefing``) and an interval job that retries the outbox, all in the
configured time zone. It does no work itself: a small executor hands each due job to one
worker, the thread that called :func:`run_daemon`, so jobs never overlap and one Pipeline
(one loaded model, one database connection) serves the daemon's whole life. While a job is
waiting or running, further firings of the same job are skipped, not stacked.

State that must survive a restart lives in the database, not in APScheduler's memory:

* ``briefing_fire``: the last scheduled briefing time that was handled. At start-up the
  latest firing within ``schedule.grace_seconds`` that is later than it (and later than
  the daemon's first start) is made once: several missed firings give one briefing.
* ``briefing_in_progress``: set while a briefing is made. If the process died before
  mailing it, the next start queues the email of every briefing recorded since.
* the outbox (see ``briefing.deliver.outbox``), which the daemon flushes at start-up and retries.

The poll job stores new articles and analyses them (``Pipeline.prepare``: sentences and
their vectors, into the store's cache), so the briefing job at its slot only composes.

SIGTERM and SIGINT let the job in hand finish, then the daemon exits 0. One daemon per
``state_dir``: ``state_dir/daemon.lock`` is held with ``flock`` for the daemon's life (the
kernel releases it if the process dies, so a stale file never blocks a restart).

On a shared PostgreSQL database (``database_url``) several daemons, each with its own
``state_dir``, run the same schedule; ``briefing.daemon.shared`` splits the work between
them by claims in the database, and the two facts above (``briefing_fire``,
``briefing_in_progress``) give way to the slot's claim row.

Time. The daemon's decisions read the time from ``briefing.clock`` and are plain calls:
what start-up does (:meth:`Daemon.start`: a missed briefing, the outbox), what the schedule
makes due between two moments (:func:`due_jobs`: each job once, at its latest firing,
within the grace, by the rules APScheduler fires by), when an email is retried
(``briefing.deliver.outbox``). In production APScheduler fires the jobs in real time; a
test installs a fake clock, opens :func:`daemon_session`, calls :meth:`Daemon.start`, then
moves the clock on and calls :meth:`Daemon.step` (which asks ``due_jobs``) instead of
waiting for a firing.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from briefing import clock
from briefing.config import Settings
from briefing.daemon.cron import parse_cron
from briefing.errors import BriefingError, ConfigError, LockError
from briefing.locks import file_lock
from briefing.store.base import DEFAULT_DESK

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

    from briefing.daemon.shared import Coordinator

log = logging.getLogger("briefing.daemon")

STATE_LAST_FIRE = "briefing_fire"
STATE_IN_PROGRESS = "briefing_in_progress"
STATE_FIRST_START = "daemon_first_start"
MAX_OUTBOX_INTERVAL = 60  # seconds between outbox checks, at most
# `run --once`'s exit status when the briefing was made but its email did not reach everyone
# (it waits in the outbox): cron can tell it from 1, a job that failed.
EXIT_UNDELIVERED = 3


@dataclass
class Task:
    kind: str  # outbox | poll | briefing | recover
    fire: datetime | None = None  # the scheduled time of a briefing
    done: Callable[[], None] | None = None  # tells the scheduler this job has finished


def run_daemon(settings: Settings, once: bool = False,
               stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop`` is set); with ``once``, poll, compose and
    deliver one time and return. Returns the exit code."""
    stop = stop or threading.Event()
    with daemon_session(settings, stop) as daemon:
        return daemon.run_once() if once else daemon.run_scheduled()


@contextmanager
def daemon_session(settings: Settings, stop: threading.Event) -> Iterator[Daemon]:
    """The daemon as ``run_daemon`` runs it: its lock held, SIGTERM/SIGINT setting ``stop``
    (in the main thread), its Pipeline open and the runs a killed process left closed."""
    desks = None if settings.database_url or settings.desk == DEFAULT_DESK else settings.desk
    with daemon_lock(settings.state_dir, desks), _stop_on_signals(stop):
        daemon = Daemon(settings, stop)
        with daemon.opened():
            yield daemon


# --- one daemon per state_dir ---------------------------------------------------------------


def daemon_lock(state_dir: Path, desk: str | None = None) -> AbstractContextManager[None]:
    """Hold ``state_dir/daemon.lock`` for the daemon's life; a second daemon fails at once
    (waiting would only hide that two were started). ``desk``: this daemon's, when it is
    one of several on an SQLite state_dir, where the refusal names the way out."""

    def held(holder: str) -> LockError:
        way_out = (f" (this is desk {desk}); desks sharing one SQLite state_dir take turns "
                   "(briefing render, run --once), and daemons of several desks at once "
                   "need a database_url (docs/scaling.md)" if desk else
                   "; stop it first, or give this one its own state_dir")
        return LockError(
            f"another briefing daemon{f' (pid {holder})' if holder else ''} is already "
            f"running with state_dir {state_dir}{way_out}")

    return file_lock(state_dir / "daemon.lock", 0, held)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop``; the worker finishes its job and returns."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; the caller stops us through the event
        return

    def handler(signum: int, frame) -> None:
        stop.set()  # only this: the handler may interrupt the worker anywhere

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# --- the scheduler hands jobs to the worker -------------------------------------------------


def _worker_does_it() -> None:
    """Placeholder job function: the hand-off executor never calls it."""


def _handoff_executor(tasks: queue.Queue[Task]):
    from apscheduler.executors.base import BaseExecutor

    class HandOff(BaseExecutor):
        """Queues a due job for the daemon's worker instead of running it in a thread.
        The job counts as running until the worker is done, so with max_instances=1 a
        firing that comes while the same job waits or runs is skipped."""

        def _do_submit_job(self, job, run_times):
            job_id = job.id
            tasks.put(Task(kind=job_id, fire=run_times[-1],
                           done=lambda: self._run_job_success(job_id, [])))

    return HandOff()


def missed_fire(trigger: BaseTrigger, now: datetime, grace_seconds: int,
                after: datetime | None) -> datetime | None:
    """The latest firing of ``trigger`` in [now - grace, now] that is later than ``after``.

    Compared and stepped in UTC: local datetimes of one zone compare by their wall time,
    ignoring ``fold``, and adding a timedelta resets it, so in the hour the clock goes back
    the second 02:00 would count as the first one and a job be offered over and over."""
    now = now.astimezone(UTC)
    floor = now - timedelta(seconds=grace_seconds)
    if after is not None and after.astimezone(UTC) >= floor:
        floor = after.astimezone(UTC) + timedelta(microseconds=1)
    fire = trigger.get_next_fire_time(None, floor)
    if fire is None or fire.astimezone(UTC) > now:
        return None
    for _ in range(100_000):  # cron resolution is one second; the grace bounds the walk
        following = trigger.get_next_fire_time(
            None, fire.astimezone(UTC) + timedelta(microseconds=1))
        if following is None or following.astimezone(UTC) > now:
            break
        fire = following
    return fire


def due_jobs(jobs: dict[str, BaseTrigger], after: datetime | None, now: datetime,
             grace_seconds: int) -> list[Task]:
    """The jobs whose triggers fire later than ``after`` and no later than ``now``, as
    APScheduler runs them: each job once however many of its firings passed (coalesce), at
    the latest one, and only if that is within ``grace_seconds`` of ``now``
    (misfire_grace_time); an older firing is skipped and the job waits for its next."""
    tasks = []
    for kind, trigger in jobs.items():
        fire = missed_fire(trigger, now, grace_seconds, after)
        if fire is not None:
            tasks.append(Task(kind, fire=fire))
    return tasks


def _outbox_trigger(settings: Settings, now: datetime) -> BaseTrigger:
    """Every retry_seconds (at most a minute) from start-up, the first one interval in."""
    from apscheduler.triggers.interval import IntervalTrigger

    every = min(settings.email.retry_seconds, MAX_OUTBOX_INTERVAL)
    # An explicit start, from the clock: APScheduler's default reads the system time.
    return IntervalTrigger(seconds=every, start_date=now + timedelta(seconds=every),
                           timezone=settings.tz)


# --- the daemon -----------------------------------------------------------------------------


class Daemon:
    def __init__(self, settings: Settings, stop: threading.Event):
        self.settings = settings
        self.stop = stop
        self.tasks: queue.Queue[Task] = queue.Queue()
        self.failures = 0
        self.undelivered = False  # an email of this run did not reach everyone (--once)
        schedule = settings.schedule
        try:
            self.poll_trigger = parse_cron(schedule.poll, settings.timezone)
        except ValueError as exc:
            raise ConfigError(f"schedule.poll: {exc}") from None
        try:
            self.briefing_trigger = parse_cron(schedule.briefing, settings.timezone)
        except ValueError as exc:
            raise ConfigError(f"schedule.briefing: {exc}") from None
        if settings.email.enabled:
            from briefing.deliver.smtp import smtp_password

            try:  # a missing password is a setup mistake: say so now, not at 07:00
                smtp_password(settings.email)
            except BriefingError as exc:
                raise ConfigError(str(exc)) from None
        # APScheduler's misfire_grace_time (at least 1 s) and the same for a step (``due``).
        self.grace = max(schedule.grace_seconds, 1)
        self.jobs: dict[str, BaseTrigger] = {}  # job id -> trigger, set by start()
        self.checked: datetime | None = None  # the time due() last looked at

    @contextmanager
    def opened(self) -> Iterator[Daemon]:
        """The Pipeline (one model, one database connection) for the daemon's whole life."""
        from briefing.pipeline import Pipeline

        with Pipeline(self.settings) as pipeline:
            self.pipeline = pipeline
            self.store = pipeline.store
            self.shared: Coordinator | None = None
            if not self.store.shared:
                # Runs of other daemons on a shared database are theirs to close.
                interrupted = self.store.close_unfinished_runs()
                if interrupted:
                    log.warning("%d job(s) of an earlier run were cut off; marked "
                                "interrupted", interrupted)
                yield self
                return
            from briefing.daemon.shared import Coordinator

            self.shared = Coordinator(self.settings, self.store)
            self.shared.start()
            try:
                yield self
            finally:
                self.shared.stop()

    def run_once(self) -> int:
        for task in (Task("recover"), Task("outbox"), Task("poll"), Task("briefing")):
            if self.stop.is_set():
                break
            self._run(task)
        log.info("done (--once)")
        if self.failures:
            return 1
        return EXIT_UNDELIVERED if self.undelivered else 0

    def run_scheduled(self) -> int:
        """Start, then run what APScheduler hands over until asked to stop."""
        from apscheduler.schedulers.background import BackgroundScheduler

        self.start()
        scheduler = BackgroundScheduler(
            timezone=self.settings.tz,
            executors={"default": _handoff_executor(self.tasks)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": self.grace},
        )
        for job_id, trigger in self.jobs.items():
            scheduler.add_job(_worker_does_it, trigger, id=job_id, name=job_id)
        # APScheduler logs every skipped or missed firing at WARNING; ours say it better.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        scheduler.start()
        try:
            self._work(until_idle=False)
        finally:
            scheduler.shutdown(wait=False)
        self._stopped()
        return 0

    def start(self) -> None:
        """Start-up at the clock's time: queue the recovery of a cut-off briefing, the outbox,
        a poll and the briefing missed while the daemon was down (if any); set the jobs."""
        settings, store = self.settings, self.store
        now = clock.now().astimezone(settings.tz)
        if store.get_state(STATE_FIRST_START) is None:
            store.set_state(STATE_FIRST_START, now.astimezone(UTC).isoformat())
        for task in (Task("recover"), Task("outbox"), Task("poll")):
            self.tasks.put(task)
        fire = self._missed_briefing(now)
        if fire is not None:
            log.info("the briefing of %s was missed while the daemon was down; making it now",
                     _local(fire))
            self.tasks.put(Task("briefing", fire=fire))
        self.jobs = {"poll": self.poll_trigger, "briefing": self.briefing_trigger,
                     "outbox": _outbox_trigger(settings, now)}
        self.checked = now
        next_briefing = self.briefing_trigger.get_next_fire_time(None, now)
        log.info("started (pid %d): polling on '%s', briefing on '%s' (%s); next briefing at "
                 "%s; email %s", os.getpid(), settings.schedule.poll, settings.schedule.briefing,
                 settings.timezone, _local(next_briefing),
                 f"to {', '.join(settings.email.to)}" if settings.email.enabled else "off")

    def due(self, now: datetime) -> list[Task]:
        """The jobs due since the last look (or start-up), up to ``now`` (see ``due_jobs``)."""
        tasks = due_jobs(self.jobs, self.checked, now, self.grace)
        # The later moment in real time (in UTC: see ``missed_fire``).
        self.checked = now if self.checked is None else max(
            self.checked, now, key=lambda moment: moment.astimezone(UTC))
        return tasks

    def step(self) -> bool:
        """One look at the clock in place of APScheduler's firings in real time: queue what
        came due (``due``) and run everything queued. False once the daemon was asked to
        stop; what was still queued is dropped, as ``run_scheduled`` drops it."""
        for task in self.due(clock.now().astimezone(self.settings.tz)):
            self.tasks.put(task)
        self._work(until_idle=True)
        if self.stop.is_set():
            self._stopped()
            return False
        return True

    def _work(self, until_idle: bool) -> None:
        """Run queued jobs one after another until asked to stop (or, ``until_idle``, until
        none is left)."""
        while not self.stop.is_set():
            try:
                task = self.tasks.get_nowait() if until_idle else self.tasks.get(timeout=0.2)
            except queue.Empty:
                if until_idle:
                    return
                continue
            self._run(task)

    def _stopped(self) -> None:
        left = self.tasks.qsize()
        log.info("stopping on request%s; stopped",
                 f" ({left} queued job(s) dropped; the schedule brings them back)"
                 if left else "")

    def _missed_briefing(self, now: datetime) -> datetime | None:
        if self.shared is not None:  # whether it was made is the slot claim's to say
            return missed_fire(self.briefing_trigger, now,
                               self.settings.schedule.grace_seconds, None)
        bounds = [_parse(self.store.get_state(key)) for key in (STATE_LAST_FIRE,
                                                                 STATE_FIRST_START)]
        after = max((b for b in bounds if b is not None), default=None)
        return missed_fire(self.briefing_trigger, now, self.settings.schedule.grace_seconds,
                           after)

    # --- the jobs ---------------------------------------------------------------------------

    def _run(self, task: Task) -> None:
        """Run one job; an error is logged and the daemon goes on."""
        try:
            getattr(self, f"_job_{task.kind}")(task)
        except BriefingError as exc:
            self.failures += 1
            log.error("%s: %s", task.kind, exc)
        except Exception:
            self.failures += 1
            log.exception("%s failed", task.kind)
        finally:
            if task.done is not None:
                task.done()

    def _job_poll(self, task: Task) -> None:
        run_id = self.store.start_run("poll")
        status = "error"
        try:
            analysed = 0

            def prepare(articles: list) -> None:
                # The briefing's heavy work, done as articles arrive: at the briefing slot
                # their sentence vectors are in the cache, and composing starts at once.
                nonlocal analysed
                analysed += self.pipeline.prepare(
                    articles, now=clock.now().astimezone(self.settings.tz))

            if self.shared is not None:
                # Batch by batch: while this daemon embeds one, the others poll the next.
                self.shared.doing = "poll"
                result = self.shared.poll(self.pipeline, self._next_poll, prepare,
                                          go_on=self._poll_may_go_on)
            else:
                result = self.pipeline.collect()
                prepare(result.new + result.updated)
            for problem in result.problems:
                log.warning("poll: skipped %s", problem)
            for notice in result.notices:
                log.info("poll: note: %s", notice)
            detail = (f"{len(result.new)} new, {len(result.updated)} updated, {result.known} "
                      f"already known, {len(result.problems)} skipped")
            if analysed:
                detail += f"; {analysed} sentence(s) analysed for the briefing"
                from briefing.render.pdf import preload

                preload()  # the PDF's library too (once per process)
            log.info("poll: %s article(s) picked up (%s)",
                     len(result.new) + len(result.updated), detail)
            status = "ok"
        finally:
            self.store.finish_run(run_id, status, detail if status == "ok" else "")

    def _job_briefing(self, task: Task) -> None:
        if self.shared is not None:
            self._shared_briefing(task)
            return
        store = self.store
        fire = task.fire
        if fire is not None:
            last = _parse(store.get_state(STATE_LAST_FIRE))
            if last is not None and fire <= last:
                log.info("briefing of %s: already made", _local(fire))
                return
        label = f"briefing of {_local(fire)}" if fire else "briefing"
        log.info("%s: composing", label)
        store.set_state(STATE_IN_PROGRESS, json.dumps(
            {"fire": fire.isoformat() if fire else None, "started": clock.now_iso()}))
        run_id = store.start_run("briefing")
        status, detail = "error", ""
        try:
            # fetches the sources once more first; dated by the daemon's clock
            result = self.pipeline.render(now=clock.now().astimezone(self.settings.tz))
            detail = result.message
            fresh = len(result.collected.new) + len(result.collected.updated)
            if fresh:
                log.info("%s: %d new article(s) picked up just before composing", label, fresh)
            if result.rendered:
                log.info("%s: %d article(s), %d item(s), written to %s", label,
                         result.briefing.stats.get("articles_considered", 0),
                         len(result.briefing.items), result.out_dir)
                if self.settings.email.enabled:
                    self._email(result.out_dir)
            else:
                log.info("%s: %s", label, result.message)
            status = "ok"
        finally:
            store.finish_run(run_id, status, detail)
            # Handled, even if it failed: the articles stay uncovered and go into the next
            # briefing; retrying a failing render at every start would not help.
            if fire is not None:
                store.set_state(STATE_LAST_FIRE, fire.astimezone(UTC).isoformat())
            store.set_state(STATE_IN_PROGRESS, None)

    def _shared_briefing(self, task: Task) -> None:
        """The briefing on a shared database: made by the daemon that claims its slot."""
        assert self.shared is not None
        fire = task.fire or clock.now().replace(microsecond=0)
        label = f"briefing of {_local(fire)}"
        claim = self.shared.claim(fire)
        if claim is None:
            log.info("%s: made by another daemon", label)
            return
        log.info("%s: %s the slot; composing", label,
                 "took over" if claim == "taken over" else "claimed")
        self.shared.doing = f"briefing {clock.iso(fire)}"
        run_id = self.store.start_run("briefing")
        status, detail, outcome = "error", "", "failed"
        self.pipeline.on_record = self.shared.fence(fire)
        try:
            # The due shared sources first (claimed like any poll), then this machine's
            # folders with the render: never a feed another daemon polls this interval.
            self.shared.poll(self.pipeline, self._next_poll)
            result = self.pipeline.render(now=clock.now().astimezone(self.settings.tz),
                                          sources=self.shared.local)
            detail = result.message
            if result.rendered:
                outcome = "done"  # ended with the recording (the fence)
                log.info("%s: %d article(s), %d item(s), written to %s", label,
                         result.briefing.stats.get("articles_considered", 0),
                         len(result.briefing.items), result.out_dir)
                if self.shared.message_ids:
                    self._send(self.shared.message_ids)
            else:
                outcome = "nothing"
                log.info("%s: %s", label, result.message)
            status = "ok"
        finally:
            self.pipeline.on_record = None
            self.shared.doing = None
            self.store.finish_run(run_id, status, detail)
            if outcome != "done":
                self.shared.end(fire, outcome)

    def _poll_may_go_on(self) -> bool:
        """Whether a poll on a shared database goes on to its next batch: not when the
        daemon is asked to stop, nor when a briefing waits behind it (jobs run one at a
        time, and with thousands of feeds a poll pass can outlast the poll interval: the
        slot would wait for it)."""
        waiting = list(self.tasks.queue)  # a snapshot: the scheduler thread adds to it
        return not self.stop.is_set() and not any(t.kind == "briefing" for t in waiting)

    def _next_poll(self, now: datetime) -> datetime:
        """The poll schedule's next firing after this one (a firing is never "next" to
        itself: a source polled at 07:00:00 is not due again at 07:00:00)."""
        return self.poll_trigger.get_next_fire_time(
            None, now.astimezone(self.settings.tz) + timedelta(seconds=1))

    def _job_recover(self, task: Task) -> None:
        """Mail the briefings of a briefing job that a crash cut short, if it got that far."""
        if self.shared is not None:
            return  # a briefing and its email are committed together there
        raw = self.store.get_state(STATE_IN_PROGRESS)
        if raw is None:
            return
        started = json.loads(raw)["started"]
        log.warning("the last briefing job was cut short (started %s); finishing it", started)
        if self.settings.email.enabled:
            queued = {row["briefing_dir"] for row in self.store.outbox()}
            for row in self.store.briefings():
                if row["created_at"] >= started and row["out_dir"] not in queued:
                    self._email(Path(row["out_dir"]))
        self.store.set_state(STATE_IN_PROGRESS, None)

    def _job_outbox(self, task: Task) -> None:
        if self.shared is not None:  # also the sweeper: a slot whose daemon died
            for slot in self.shared.expired_slots():
                self._run(Task("briefing", fire=slot))
        self._send(None)

    def _email(self, out_dir: Path) -> None:
        from briefing.deliver.outbox import queue_briefing

        self._send([queue_briefing(self.settings, self.store, out_dir)])

    def _send(self, ids: list[int] | None) -> None:
        """Send the given messages (a briefing's own: whether they went counts for the
        exit status), or every due one."""
        from briefing.deliver.outbox import send_queued

        claimant = self.shared.me if self.shared is not None else None
        attempts = send_queued(self.settings, self.store, ids, claimant=claimant)
        for attempt in attempts:
            self._log_attempt(attempt)
        if ids is not None:
            self.undelivered |= any(a.status != "sent" for a in attempts)
        self._show_sent(attempts)

    def _show_sent(self, attempts) -> None:
        """The archive shows each edition's email state: rebuilt where a send went out."""
        from briefing.editions import refresh_archive

        for root in {Path(a.briefing_dir).parent for a in attempts if a.briefing_dir}:
            refresh_archive(self.settings, self.store, root)

    @staticmethod
    def _log_attempt(attempt) -> None:
        level = logging.INFO if attempt.status == "sent" else logging.WARNING
        log.log(level, "email: %s [%s]", attempt.describe(), attempt.briefing_dir)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _local(moment: datetime | None) -> str:
    return moment.isoformat(sep=" ", timespec="seconds") if moment else "(never)"
