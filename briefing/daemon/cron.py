"""Cron expressions: 5 fields (minute first) or 6 (seconds first), in a given time zone."""

from __future__ import annotations


def parse_cron(expression: str, timezone: str):
    """Return an APScheduler CronTrigger; raise ValueError with a readable reason."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) == 5:
        minute, hour, day, month, dow = fields
        second = "0"
    elif len(fields) == 6:
        second, minute, hour, day, month, dow = fields
    else:
        raise ValueError(f"'{expression}' has {len(fields)} fields; "
                         "give 5, or 6 with seconds first")
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_dow(dow), timezone=timezone)
    except ValueError as exc:
        raise ValueError(f"'{expression}' is not a valid cron expression: {exc}") from None


def _dow(field: str) -> str:
    # Cron counts Sunday as 0 (and 7); APScheduler counts Monday as 0. Translate plain numbers.
    names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    out = []
    for part in field.split(","):
        step = ""
        if "/" in part:
            part, step = part.split("/", 1)
            step = "/" + step
        bounds = part.split("-")
        if all(b.isdigit() and int(b) <= 7 for b in bounds):
            part = "-".join(names[int(b)] for b in bounds)
        out.append(part + step)
    return ",".join(out)
