"""The daemon: ``briefing run``, the sources polled and briefings made on a schedule.

``scheduler`` runs the jobs (APScheduler 3, one worker thread); ``cron`` reads the schedule's
cron expressions. See ``scheduler`` for what survives a restart, and for driving the daemon
on a fake clock (``briefing.clock``) in tests.
"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "scheduler": "due_jobs missed_fire run_daemon",
    "cron": "parse_cron",
})
