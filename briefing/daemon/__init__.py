"""The daemon: ``briefing run``, the sources polled and briefings made on a schedule.

``scheduler`` runs the jobs (APScheduler 3, one worker thread); ``cron`` reads the schedule's
cron expressions. See ``scheduler`` for what survives a restart, and for driving the daemon
on a fake clock (``briefing.clock``) in tests.
"""

from briefing.lazy import lazy_exports

_EXPORTS = {
    "due_jobs": "scheduler",
    "missed_fire": "scheduler",
    "parse_cron": "cron",
    "run_daemon": "scheduler",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
