"""briefing.daemon.cron: standard cron semantics (Sunday is 0 and 7), seconds-first 6-field form,
time zones across DST, readable errors; every fire time computed from a fixed datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger

from briefing.config import load_settings
from briefing.daemon.cron import parse_cron
from briefing.daemon.scheduler import missed_fire
from briefing.errors import ConfigError

KYIV = ZoneInfo("Europe/Kyiv")
MONDAY = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)  # 2024-01-01 was a Monday


def fires(expression: str, start: datetime, count: int, timezone: str = "UTC") -> list[datetime]:
    """The next ``count`` firings after ``start``, the way APScheduler asks for them."""
    trigger = parse_cron(expression, timezone)
    out: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        out.append(fire)
        previous = now = fire
    return out


def weekdays(expression: str, count: int = 7) -> list[str]:
    return [d.strftime("%a") for d in fires(expression, MONDAY, count)]


# --- day of week: cron's numbering, not APScheduler 3's --------------------------------------


@pytest.mark.parametrize(("field", "expected"), [
    ("*/2", ["Tue", "Thu", "Sat", "Sun", "Tue", "Thu", "Sat"]),  # 0,2,4,6 = Sun,Tue,Thu,Sat
    ("0-6", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
    ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue"]),
    ("mon-fri", ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue"]),
    ("2-6/2", ["Tue", "Thu", "Sat", "Tue", "Thu", "Sat", "Tue"]),
    ("0", ["Sun"] * 7),
    ("7", ["Sun"] * 7),
    ("sun", ["Sun"] * 7),
    ("SUN", ["Sun"] * 7),
    ("6,0", ["Sat", "Sun", "Sat", "Sun", "Sat", "Sun", "Sat"]),
    ("5-7", ["Fri", "Sat", "Sun", "Fri", "Sat", "Sun", "Fri"]),
])
def test_day_of_week_follows_cron(field, expected):
    # 09:00 each matching day, counted from Monday 00:00: Monday itself fires if it matches.
    assert weekdays(f"0 9 * * {field}") == expected


def test_sunday_fires_on_the_right_date():
    assert fires("30 8 * * 0", MONDAY, 2) == [datetime(2024, 1, 7, 8, 30, tzinfo=UTC),
                                             datetime(2024, 1, 14, 8, 30, tzinfo=UTC)]


def test_both_day_fields_restricted_means_either():
    # Cron's rule: the 13th of the month OR a Friday (not only Friday the 13th).
    got = fires("0 0 13 * 5", MONDAY, 4)
    assert [d.date().isoformat() for d in got] == ["2024-01-05", "2024-01-12", "2024-01-13",
                                                   "2024-01-19"]


def test_one_day_field_restricted_is_that_field_alone():
    assert [d.day for d in fires("0 0 13 * *", MONDAY, 2)] == [13, 13]
    assert [d.month for d in fires("0 0 13 * *", MONDAY, 2)] == [1, 2]


# --- times --------------------------------------------------------------------------------------


def test_five_fields_fire_on_the_minute():
    start = datetime(2024, 3, 5, 10, 7, 30, tzinfo=UTC)
    assert fires("*/15 * * * *", start, 3) == [datetime(2024, 3, 5, 10, 15, tzinfo=UTC),
                                               datetime(2024, 3, 5, 10, 30, tzinfo=UTC),
                                               datetime(2024, 3, 5, 10, 45, tzinfo=UTC)]


def test_six_fields_have_seconds_first():
    start = datetime(2024, 3, 5, 10, 7, 31, 250000, tzinfo=UTC)
    assert fires("*/20 * * * * *", start, 3) == [datetime(2024, 3, 5, 10, 7, 40, tzinfo=UTC),
                                                 datetime(2024, 3, 5, 10, 8, 0, tzinfo=UTC),
                                                 datetime(2024, 3, 5, 10, 8, 20, tzinfo=UTC)]
    assert fires("15 30 7 * * 1", MONDAY, 1) == [datetime(2024, 1, 1, 7, 30, 15, tzinfo=UTC)]


def test_a_fire_time_equal_to_now_counts():
    trigger = parse_cron("0 7 * * *", "UTC")
    seven = datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, seven) == seven
    # ... but not again once it has fired.
    assert trigger.get_next_fire_time(seven, seven) == seven + timedelta(days=1)


def test_previous_fire_walks_missed_firings_like_apscheduler():
    # APScheduler asks with the previous firing to list what was missed while it was busy.
    trigger = parse_cron("0 * * * *", "UTC")
    previous = datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
    now = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
    assert trigger.get_next_fire_time(previous, now) == datetime(2024, 3, 5, 8, 0, tzinfo=UTC)


def test_time_zone_is_honoured():
    trigger = parse_cron("0 7 * * *", "Europe/Kyiv")
    fire = trigger.get_next_fire_time(None, datetime(2024, 1, 10, 12, 0, tzinfo=UTC))
    assert fire == datetime(2024, 1, 11, 7, 0, tzinfo=KYIV)
    assert fire.astimezone(UTC).hour == 5


def test_a_daily_briefing_stays_at_seven_local_across_dst():
    # Kyiv: UTC+2 to UTC+3 on 2024-03-31, back to UTC+2 on 2024-10-27.
    for start in (datetime(2024, 3, 29, 8, 0, tzinfo=KYIV),
                  datetime(2024, 10, 25, 8, 0, tzinfo=KYIV)):
        got = fires("0 7 * * *", start, 4, "Europe/Kyiv")
        assert [(d.astimezone(KYIV).hour, d.astimezone(KYIV).minute) for d in got] == [(7, 0)] * 4
        assert [d.astimezone(KYIV).date() for d in got] == [(start + timedelta(days=i)).date()
                                                            for i in range(1, 5)]
        assert len({d.utcoffset() for d in got}) == 2  # the change happened in between


def test_a_time_the_spring_change_skips_fires_once_just_after():
    # 03:30 does not exist in Kyiv on 2024-03-31 (03:00 -> 04:00).
    got = fires("30 3 * * *", datetime(2024, 3, 30, 8, 0, tzinfo=KYIV), 2, "Europe/Kyiv")
    assert got[0] == datetime(2024, 3, 31, 1, 0, tzinfo=UTC)  # 04:00 local, the first moment after
    assert got[1].astimezone(KYIV).replace(tzinfo=None) == datetime(2024, 4, 1, 3, 30)


def test_a_fixed_time_in_the_repeated_hour_fires_once():
    # 03:30 happens twice in Kyiv on 2024-10-27 (04:00 -> 03:00); cron runs a fixed-time job once.
    got = fires("30 3 * * *", datetime(2024, 10, 26, 8, 0, tzinfo=KYIV), 2, "Europe/Kyiv")
    # (In UTC: PEP 495 makes a time in the repeated hour unequal to any other zone's.)
    assert [d.astimezone(UTC) for d in got] == [datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
                   datetime(2024, 10, 28, 1, 30, tzinfo=UTC)]


def test_a_frequent_job_runs_through_both_copies_of_the_repeated_hour():
    got = fires("0 */30 * * * *", datetime(2024, 10, 27, 2, 45, tzinfo=KYIV), 5, "Europe/Kyiv")
    assert [d.astimezone(UTC).strftime("%H:%M") for d in got] == ["00:00", "00:30", "01:00",
                                                                  "01:30", "02:00"]


def test_missed_fire_works_with_the_trigger():
    often = parse_cron("*/10 * * * * *", "UTC")
    now = datetime(2024, 1, 1, 12, 0, 35, tzinfo=UTC)
    assert missed_fire(often, now, 60, None) == datetime(2024, 1, 1, 12, 0, 30, tzinfo=UTC)
    sunday = parse_cron("0 7 * * 7", "Europe/Kyiv")
    now = datetime(2024, 1, 7, 7, 20, tzinfo=KYIV)
    assert missed_fire(sunday, now, 3600, None) == datetime(2024, 1, 7, 7, 0, tzinfo=KYIV)
    assert missed_fire(sunday, now + timedelta(days=1), 3600, None) is None


def test_the_trigger_is_an_apscheduler_trigger():
    trigger = parse_cron("0 7 * * mon-fri", "Europe/Kyiv")
    assert isinstance(trigger, BaseTrigger)
    assert "0 7 * * mon-fri" in str(trigger)


# --- bad expressions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "reason"), [
    ("every morning", "2 fields"),
    ("0 7 * *", "4 fields"),
    ("0 0 7 * * * 2024", "7 fields"),
    ("", "0 fields"),
    ("61 * * * *", "not a valid cron expression"),
    ("0 25 * * *", "not a valid cron expression"),
    ("0 7 * * 8", "not a valid cron expression"),
    ("0 7 * * funday", "not a valid cron expression"),
    ("0 7 32 * *", "not a valid cron expression"),
    ("0 7 * 13 *", "not a valid cron expression"),
    ("70 0 7 * * *", "not a valid cron expression"),
    ("H 7 * * *", "not a valid cron expression"),
    ("0 7 30 2 *", "never fires"),
])
def test_bad_expressions_say_why(expression, reason):
    with pytest.raises(ValueError, match=reason):
        parse_cron(expression, "UTC")


def test_an_unknown_time_zone_is_a_value_error():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        parse_cron("0 7 * * *", "Mars/Olympus")


def test_config_names_the_setting(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("schedule:\n  briefing: '0 7 * * 8'\n")
    with pytest.raises(ConfigError, match="schedule.briefing"):
        load_settings(config)
    config.write_text("schedule:\n  briefing: '0 7 * * 0-6'\n  poll: '*/2 * * * 7'\n")
    settings = load_settings(config)
    assert settings.schedule.briefing == "0 7 * * 0-6"
