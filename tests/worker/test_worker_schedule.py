"""The nightly schedule fires once per local day, daylight saving included."""

from __future__ import annotations

import datetime as dt
import pickle
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from worker.schedule import NightlySchedule, local_run_date, next_run_after

BERLIN = ZoneInfo("Europe/Berlin")
AT = dt.time(2, 30)


def _fires_on(day: dt.date, schedule: NightlySchedule) -> list[dt.datetime]:
    """Drive ``is_due`` minute by minute through one local day, as beat would."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=schedule.zone)
    clock = [start.astimezone(dt.UTC)]
    ticking = NightlySchedule(AT, schedule.timezone, nowfun=lambda: clock[0])
    last_run_at = clock[0]
    fires = []
    end = (start + dt.timedelta(days=1)).astimezone(dt.UTC)
    while clock[0] < end:
        if ticking.is_due(last_run_at).is_due:
            fires.append(clock[0])
            last_run_at = clock[0]
        clock[0] += dt.timedelta(minutes=1)
    return fires


def test_spring_forward_day_in_berlin_fires_exactly_once_one_gap_later() -> None:
    schedule = NightlySchedule(AT, "Europe/Berlin")

    fires = _fires_on(dt.date(2026, 3, 29), schedule)

    assert [f.astimezone(BERLIN).strftime("%H:%M %Z") for f in fires] == ["03:30 CEST"]


def test_fall_back_day_in_berlin_fires_exactly_once_at_the_first_0230() -> None:
    schedule = NightlySchedule(AT, "Europe/Berlin")

    fires = _fires_on(dt.date(2026, 10, 25), schedule)

    assert fires == [dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)]


def test_an_ordinary_day_fires_at_the_configured_local_time() -> None:
    schedule = NightlySchedule(AT, "Europe/Berlin")

    fires = _fires_on(dt.date(2026, 6, 10), schedule)

    assert [f.astimezone(BERLIN).time() for f in fires] == [AT]


def test_every_local_day_of_2026_in_berlin_gets_exactly_one_run() -> None:
    moment = dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC)
    days = []
    while moment.year < 2027:
        moment = next_run_after(moment, AT, BERLIN)
        days.append(local_run_date(moment, BERLIN))

    in_2026 = [day for day in days if day.year == 2026]
    assert len(in_2026) == 365
    assert len(set(in_2026)) == 365


@given(
    moment=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2099, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    zone=st.sampled_from(
        ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]
    ),
    at=st.times(),
)
def test_next_run_is_later_and_on_the_next_local_day_after_a_run(
    moment: dt.datetime, zone: str, at: dt.time
) -> None:
    tz = ZoneInfo(zone)

    first = next_run_after(moment, at, tz)
    second = next_run_after(first, at, tz)

    assert moment < first < second
    days = local_run_date(second, tz) - local_run_date(first, tz)
    assert days == dt.timedelta(days=1)


def test_is_due_reports_seconds_until_the_next_run() -> None:
    now = dt.datetime(2026, 6, 10, 0, 0, tzinfo=dt.UTC)
    schedule = NightlySchedule(AT, "Europe/Berlin", nowfun=lambda: now)

    state = schedule.is_due(now - dt.timedelta(hours=1))

    assert not state.is_due
    assert state.next == 30 * 60  # 02:30 CEST is 00:30 UTC


def test_naive_last_run_times_from_an_old_schedule_file_count_as_utc() -> None:
    now = dt.datetime(2026, 6, 10, 0, 40, tzinfo=dt.UTC)
    schedule = NightlySchedule(AT, "Europe/Berlin", nowfun=lambda: now)

    state = schedule.is_due(dt.datetime(2026, 6, 9, 23, 0))

    assert state.is_due


def test_schedule_survives_beats_schedule_file_round_trip() -> None:
    schedule = NightlySchedule(AT, "Europe/Berlin")

    restored = pickle.loads(pickle.dumps(schedule))  # noqa: S301 - our own object

    assert restored == schedule
    assert restored.zone == BERLIN
