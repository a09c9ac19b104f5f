"""Cron expressions: 5 fields (minute first) or 6 (seconds first), in a given time zone.

The arithmetic is croniter's; :class:`CronTrigger` wraps it as an APScheduler trigger. Why not
APScheduler 3's own ``CronTrigger.from_crontab``: it hands the day-of-week field over as it is,
in APScheduler's numbering (0 = Monday, documented as "a historical mistake" kept for 3.x's
compatibility), so cron's ``0`` (Sunday) would fire on Monday and ``7`` would be rejected, and it
ANDs day-of-month with day-of-week where cron ORs them. croniter follows cron: 0 and 7 are
Sunday, ``*/2`` is Sun, Tue, Thu, Sat, names (``mon-fri``) work, and when both day fields are
restricted a day matching either one fires (POSIX; ``0 9 13 * 5`` is every 13th and every
Friday). A field given as ``*/n`` counts as restricted, as POSIX has it; old Vixie cron's quirk
of treating any field starting with ``*`` as unrestricted is not copied.

Daylight saving time is counted in wall-clock time in the configured zone: a 07:00 briefing
stays at 07:00 local across the change. A time that the spring change skips fires at the first
moment after it (02:30 on a 02:00→03:00 night fires at 03:00). When the clock goes back, a
job at a fixed time (neither minute nor hour starting with ``*``) fires once, at the first of
the two identical wall-clock times, as cron does; a job that runs every few minutes goes on
running through both copies of the hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from croniter import CroniterError, croniter

from briefing.errors import clipped, shown

_TICK = timedelta(microseconds=1)


class CronTrigger(BaseTrigger):
    """An APScheduler 3 trigger firing on a cron expression, computed by croniter."""

    __slots__ = ("expression", "timezone", "_fields", "_seconds_first", "_fixed_time")

    def __init__(self, expression: str, timezone: tzinfo, fields: list[str],
                 seconds_first: bool):
        self.expression = expression
        self.timezone = timezone
        self._fields = fields
        self._seconds_first = seconds_first
        minute, hour = (fields[1], fields[2]) if seconds_first else (fields[0], fields[1])
        self._fixed_time = not (minute.startswith("*") or hour.startswith("*"))

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        """The first firing at or after ``now``, or, given the previous firing, the first one
        after it even if that is already past (APScheduler walks missed firings this way, as
        its own CronTrigger does); None if the expression never fires again."""
        # Arithmetic and comparisons in UTC: on local datetimes, adding a timedelta resets
        # ``fold`` and same-zone comparisons ignore it, which in the hour the clock goes back
        # would step from the second 03:00 back to the first.
        start = now.astimezone(UTC)
        if previous_fire_time is not None and previous_fire_time.astimezone(UTC) <= start:
            start = previous_fire_time.astimezone(UTC) + _TICK
        # croniter gives the first firing strictly after its start: step back a microsecond
        # so that a firing exactly at ``start`` counts.
        itr = croniter(" ".join(self._fields), (start - _TICK).astimezone(self.timezone),
                       second_at_beginning=self._seconds_first)
        try:
            fire: datetime = itr.get_next(datetime)
            # The clock went back: a fixed-time job has fired at these wall times already.
            # (At most an hour of once-a-second firings to step over.)
            while self._fixed_time and _repeated_wall_time(fire):
                fire = itr.get_next(datetime)
        except CroniterError:  # CroniterBadDateError: no such date within croniter's horizon
            return None
        return fire

    def __str__(self) -> str:
        return f"cron[{self.expression}]"

    def __repr__(self) -> str:
        return f"<CronTrigger ({self.expression!r}, timezone={self.timezone!s})>"


def _repeated_wall_time(moment: datetime) -> bool:
    """True for the second of two moments that share a wall-clock time (clock set back)."""
    if not moment.fold:
        return False
    return moment.replace(fold=0).utcoffset() != moment.utcoffset()


def parse_cron(expression: str, timezone: str | tzinfo) -> CronTrigger:
    """Return an APScheduler trigger for ``expression``; raise ValueError with a readable
    reason (the caller prefixes the setting's name, e.g. ``schedule.briefing``)."""
    fields = expression.split()
    if len(fields) not in (5, 6):
        raise ValueError(f"{shown(expression)} has {len(fields)} fields; "
                         "give 5, or 6 with seconds first")
    try:
        zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
        raise ValueError(f"unknown time zone {shown(timezone)}") from None
    seconds_first = len(fields) == 6  # croniter's own 6-field form has seconds last
    try:
        # Parse now, so a mistake is reported at start-up rather than at the first firing;
        # hashed ('H') fields need an id we do not give, so croniter rejects them too.
        croniter(" ".join(fields), datetime.now(zone), second_at_beginning=seconds_first)
    except (CroniterError, ValueError, KeyError) as exc:
        raise ValueError(f"{shown(expression)} is not a valid cron expression: "
                         f"{clipped(str(exc))}") from None
    trigger = CronTrigger(expression, zone, fields, seconds_first)
    if trigger.get_next_fire_time(None, datetime.now(zone)) is None:
        raise ValueError(f"{shown(expression)} never fires (no such date)")
    return trigger
