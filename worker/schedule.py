"""When beat starts the nightly resegmentation: a wall-clock time in a time zone.

Celery's crontab compares wall times in one zone for the whole app; this
schedule instead resolves the configured local time on each calendar day to an
exact UTC instant, so daylight-saving changes are decided once, here:

- spring forward: a local time that does not exist that day (02:30 in
  Europe/Berlin on the last Sunday of March) fires one gap later (03:30);
- fall back: a local time that happens twice fires at its first occurrence
  only.

Either way the run fires exactly once per local calendar day. The task adds a
second guard: a resegmentation already done for an org and local run date is
skipped, whoever delivers it.

A deployment serving several orgs gets one beat entry per org, each with the
org's own time and zone; the tasks share the deployment's queue, so whichever
worker is free takes the next org.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from celery.schedules import BaseSchedule, schedstate

from worker.orgs import Orgs

if TYPE_CHECKING:
    from worker.settings import Settings

__all__ = [
    "RESEGMENT_TASK",
    "NightlySchedule",
    "beat_schedule",
    "local_run_date",
    "next_run_after",
]

RESEGMENT_TASK = "mkp.resegment"


def next_run_after(moment: dt.datetime, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The first run strictly after ``moment``, as an aware UTC datetime."""
    moment = _as_utc(moment)
    day = moment.astimezone(zone).date()
    while True:
        # fold=0 picks the first of two repeated wall times, and maps a wall
        # time inside a spring-forward gap to the instant one gap later.
        candidate = dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)
        if candidate > moment:
            return candidate
        day += dt.timedelta(days=1)


def local_run_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The calendar day a run started at ``moment`` belongs to, in the schedule zone."""
    return _as_utc(moment).astimezone(zone).date()


class NightlySchedule(BaseSchedule):  # type: ignore[misc]  # celery ships no types
    """A Celery beat schedule that fires once a day at ``at`` in ``timezone``."""

    def __init__(
        self,
        at: dt.time,
        timezone: str,
        nowfun: Callable[[], dt.datetime] | None = None,
        app: Any = None,
    ) -> None:
        super().__init__(nowfun=nowfun, app=app)
        self.at = at
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)

    def now(self) -> dt.datetime:
        return _as_utc(self.nowfun() if self.nowfun else dt.datetime.now(dt.UTC))

    def remaining_estimate(self, last_run_at: dt.datetime) -> dt.timedelta:
        return next_run_after(last_run_at, self.at, self.zone) - self.now()

    def is_due(self, last_run_at: dt.datetime) -> schedstate:
        """Due once the first run after ``last_run_at`` has been reached."""
        now = self.now()
        due_at = next_run_after(last_run_at, self.at, self.zone)
        if now < due_at:
            return schedstate(is_due=False, next=(due_at - now).total_seconds())

        following = next_run_after(now, self.at, self.zone)
        return schedstate(is_due=True, next=(following - now).total_seconds())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NightlySchedule):
            return (self.at, self.timezone) == (other.at, other.timezone)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.at, self.timezone))

    def __reduce__(self) -> tuple[type[NightlySchedule], tuple[dt.time, str]]:
        # Beat keeps its entries in a local shelve file; the clock is not kept.
        return (self.__class__, (self.at, self.timezone))

    def __repr__(self) -> str:
        return f"<nightly at {self.at:%H:%M} {self.timezone}>"


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The beat schedule: one nightly resegmentation per org served.

    The entry of the top-level org (``MKP_ORG``) is ``nightly-resegment``, so
    a single-org deployment keeps its schedule state; an org of the orgs file
    gets ``nightly-resegment:<org>``.
    """
    schedules = Orgs.from_settings(settings).schedules()
    return {
        _entry_name(settings, org): {
            "task": RESEGMENT_TASK,
            "schedule": NightlySchedule(when.schedule_time, when.schedule_timezone),
            "kwargs": {"org": org, "triggered_by": "schedule"},
        }
        for org, when in schedules.items()
    }


def _entry_name(settings: Settings, org: str) -> str:
    return "nightly-resegment" if org == settings.org else f"nightly-resegment:{org}"


def _as_utc(moment: dt.datetime) -> dt.datetime:
    # Beat may hand over naive datetimes from an old schedule file; they are UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
