"""One task delivery: pin the run, take the org's lock, run the pipeline, record.

The steps, in order:

1. resolve the org's settings (``worker.orgs``) from the org name the task
   carries; an org this deployment does not serve fails the task, and a served
   org whose settings cannot be used ends as a failed run in its history;
2. claim the task's checkpoint (run id, ``now``, ``as_of``) or reuse the one
   an earlier delivery stored, so a resumed run is the same run;
3. take the org's lock under the run id; a run that finds another holder ends
   at once as "skipped: already running" and names it. Backfill and
   resegmentation take the same lock, so an org never runs twice at once,
   while runs of different orgs go on side by side;
4. a nightly resegmentation whose local run date is already done ends as
   "skipped: already done";
5. call ``run_pipeline`` and record the outcome in the history.

A transient CRM fault is retried with backoff under the same task id (and so
the same checkpoint); every other failure ends the run as failed, with the
message in the history.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
from pathlib import Path
from typing import Any, NoReturn, Protocol
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.log import get_task_logger
from pydantic import BaseModel, ConfigDict, Field
from redis import Redis

from connectors import RetriableError
from mkp_core import Policy
from worker._state import Checkpoint, DoneMarkers, state_client
from worker.connect import open_connector
from worker.history import RunHistory
from worker.lock import RunLock
from worker.orgs import Orgs, OrgSettings, OrgsFileError
from worker.pipeline import RunOptions, run_pipeline
from worker.report import RunReport, RunStatus, new_run_id
from worker.schedule import local_run_date
from worker.settings import Settings
from worker.snapshots import default_snapshot_dir

__all__ = [
    "RunKind",
    "TaskOptions",
    "execute",
    "progress_worth_showing",
    "retry_countdown_s",
]

logger = get_task_logger(__name__)

_PROGRESS_INTERVAL_S = 0.5
_FINISHED_OK = (RunStatus.SUCCEEDED, RunStatus.PARTIAL)


def progress_worth_showing(
    phase: str, done: int, total: int, last_phase: str, since_last_s: float
) -> bool:
    """Whether a progress update goes to the result backend.

    Every phase change and phase end is shown; in between, at most two
    updates a second, so a large write or a read of many pages (whose total
    is unknown, 0) does not flood the result backend.
    """
    ended = 0 < total <= done
    return phase != last_phase or ended or since_last_s >= _PROGRESS_INTERVAL_S


class RunKind(enum.StrEnum):
    RESEGMENT = "resegment"
    BACKFILL = "backfill"


class TaskOptions(BaseModel):
    """The ``options`` argument of a task: small JSON, never records or clients."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: dt.date | None = None
    top_n: int | None = Field(default=None, ge=1)
    include_leads: bool = True
    dry_run: bool = False
    csv_profile: Path | None = None


class BoundTask(Protocol):
    """What a run needs from the Celery task executing it."""

    request: Any

    def update_state(self, state: str, meta: dict[str, Any]) -> None: ...

    def retry(self, *, exc: Exception, countdown: float, max_retries: int) -> Any: ...


def retry_countdown_s(settings: Settings, retries: int) -> int:
    """Exponential backoff, kept well below the broker's visibility timeout.

    A countdown longer than the visibility timeout would make Redis hand the
    waiting message to a second worker.
    """
    ceiling = settings.broker_visibility_timeout_s // 2
    return int(min(settings.retry_backoff_s * 2**retries, ceiling))


def execute(
    task: BoundTask,
    kind: RunKind,
    org: str,
    triggered_by: str,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Run one delivery of a task; returns a short summary of the run."""
    settings = Settings()
    served = _org_settings(task, kind, settings, org, triggered_by)
    chosen = TaskOptions.model_validate(options)
    client = state_client(settings)

    fresh = _fresh_checkpoint(served, chosen)
    checkpoint, resumed = Checkpoint.claim(client, task.request.id, fresh)
    run = _TaskRun(
        task, kind, settings, served, client, checkpoint, triggered_by, chosen
    )
    return run.execute(resumed)


def _org_settings(
    task: BoundTask, kind: RunKind, settings: Settings, org: str, triggered_by: str
) -> OrgSettings:
    orgs = Orgs.from_settings(settings)
    try:
        return orgs.settings_for(org)
    except OrgsFileError as exc:
        if org in orgs.names:
            _record_unusable(task, kind, settings, org, triggered_by, exc.message)
        raise


def _record_unusable(
    task: BoundTask,
    kind: RunKind,
    settings: Settings,
    org: str,
    triggered_by: str,
    message: str,
) -> None:
    """A failed run in the org's history, so ``mkp runs`` shows why it cannot run."""
    logger.error("Org %s cannot run: %s", org, message)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report = RunReport(
        run_id=new_run_id(now),
        org=org,
        triggered_by=triggered_by,
        started_at=now.isoformat(timespec="seconds"),
        status=RunStatus.FAILED,
        finished_at=now.isoformat(timespec="seconds"),
        message=message,
    )

    history = RunHistory(state_client(settings), org, size=settings.history_size)
    history.record(report, task=str(kind), task_id=task.request.id, attempts=1)


def _fresh_checkpoint(org: OrgSettings, options: TaskOptions) -> Checkpoint:
    # Whole seconds: the report shows the start to the second, and a resumed
    # run must stamp exactly the same time as the first attempt.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    as_of = (
        options.as_of
        or org.load_policy().as_of
        or local_run_date(now, ZoneInfo(org.schedule_timezone))
    )
    return Checkpoint(run_id=new_run_id(now), org=org.name, now=now, as_of=as_of)


class _TaskRun:
    def __init__(
        self,
        task: BoundTask,
        kind: RunKind,
        settings: Settings,
        org: OrgSettings,
        client: Redis,
        checkpoint: Checkpoint,
        triggered_by: str,
        options: TaskOptions,
    ) -> None:
        self.task = task
        self.kind = kind
        self.settings = settings
        self.org = org
        self.client = client
        self.checkpoint = checkpoint
        self.triggered_by = triggered_by
        self.options = options
        self.history = RunHistory(client, checkpoint.org, size=settings.history_size)
        self._last_progress = ("", 0.0)

    @property
    def run_id(self) -> str:
        return self.checkpoint.run_id

    def execute(self, resumed: bool) -> dict[str, Any]:
        if resumed:
            logger.info("Run %s resumed (task delivered again)", self.run_id)
        lock = RunLock(
            self.client,
            self.checkpoint.org,
            self.run_id,
            ttl_s=self.settings.lock_ttl_s,
        )
        # A resumed run may find its own lock left by a dead worker: wait for
        # it to expire rather than give up the run.
        wait_s = self.settings.lock_ttl_s + 1 if resumed else 0
        if not lock.acquire(wait_s=wait_s):
            return self._skip_locked(lock.holder())

        with lock:
            done_by = self._resegmented_by()
            if done_by is not None:
                return self._skip_done(done_by)
            return self._run_pipeline()

    def _resegmented_by(self) -> str | None:
        if self.kind is not RunKind.RESEGMENT:
            return None
        return DoneMarkers(self.client, self.checkpoint.org).done_by(self._run_date())

    def _run_pipeline(self) -> dict[str, Any]:
        self._record(self._report(RunStatus.RUNNING))
        try:
            policy = self._policy()
            connector = open_connector(
                self.org,
                csv_profile=self.options.csv_profile,
                corporate_currency=policy.corporate_currency,
            )
            result = run_pipeline(
                connector,
                policy,
                self._run_options(),
                now=self.checkpoint.now,
                progress=self._progress,
            )
        except SoftTimeLimitExceeded as exc:
            self._fail(
                f"The run exceeded its time limit of "
                f"{self.settings.run_soft_time_limit_s}s and was stopped"
            )
            raise exc
        except Exception as exc:
            self._fail(str(exc) or type(exc).__name__)
            raise

        if isinstance(result.error, RetriableError):
            self._retry_or_fail(result.error)
        self._finish(result.report)
        if result.error is not None:
            raise result.error
        return _summary(result.report)

    def _finish(self, report: RunReport) -> None:
        self._record(report)
        if self.kind is RunKind.RESEGMENT and report.status in _FINISHED_OK:
            DoneMarkers(self.client, report.org).mark(self._run_date(), self.run_id)
        Checkpoint.drop(self.client, self.task.request.id)

    def _fail(self, message: str) -> None:
        logger.error("Run %s failed: %s", self.run_id, message)
        report = self._report(RunStatus.FAILED, message=message)
        report.finished_at = _now_iso()
        self._finish(report)

    def _retry_or_fail(self, exc: RetriableError) -> NoReturn:
        retries = int(self.task.request.retries or 0)
        if retries >= self.settings.task_max_retries:
            self._fail(f"Gave up after {retries + 1} attempts: {exc.message}")
            raise exc

        countdown = retry_countdown_s(self.settings, retries)
        logger.warning(
            "Run %s attempt %d hit a transient fault (%s); retrying in %ds",
            self.run_id,
            retries + 1,
            exc.message,
            countdown,
        )
        message = (
            f"Attempt {retries + 1} failed ({exc.message}); retrying in {countdown}s"
        )
        self._record(self._report(RunStatus.RUNNING, message=message))
        raise self.task.retry(
            exc=exc, countdown=countdown, max_retries=self.settings.task_max_retries
        )

    def _skip_locked(self, holder: str | None) -> dict[str, Any]:
        if holder == self.run_id:
            # The same run is alive in another worker (a duplicate delivery):
            # it owns the history entry, so this delivery records nothing.
            logger.warning("Run %s is already running elsewhere", self.run_id)
            return {"run_id": self.run_id, "status": str(RunStatus.SKIPPED)}
        org = self.checkpoint.org
        message = f"Run {holder or '(unknown)'} is already running for org {org}"
        return self._skip(RunStatus.SKIPPED, message)

    def _skip_done(self, done_by: str) -> dict[str, Any]:
        message = (
            f"Run {done_by} already resegmented org {self.checkpoint.org} "
            f"for {self._run_date().isoformat()}"
        )
        return self._skip(RunStatus.ALREADY_DONE, message)

    def _skip(self, status: RunStatus, message: str) -> dict[str, Any]:
        logger.info("Run %s %s: %s", self.run_id, status, message)
        report = self._report(status, message=message)
        report.finished_at = _now_iso()
        self._finish(report)
        return _summary(report)

    def _report(self, status: RunStatus, message: str = "") -> RunReport:
        return RunReport(
            run_id=self.run_id,
            org=self.checkpoint.org,
            triggered_by=self.triggered_by,
            started_at=self.checkpoint.now.isoformat(timespec="seconds"),
            status=status,
            as_of=self.checkpoint.as_of.isoformat(),
            dry_run=self.options.dry_run,
            message=message,
        )

    def _record(self, report: RunReport) -> None:
        self.history.record(
            report,
            task=str(self.kind),
            task_id=self.task.request.id,
            attempts=int(self.task.request.retries or 0) + 1,
        )

    def _progress(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        last_phase, last_time = self._last_progress
        if not progress_worth_showing(phase, done, total, last_phase, now - last_time):
            return
        self._last_progress = (phase, now)
        meta = {"run_id": self.run_id, "phase": phase, "done": done, "total": total}
        self.task.update_state(state="PROGRESS", meta=meta)

    def _policy(self) -> Policy:
        policy = self.org.load_policy()
        return policy.updated("run checkpoint", as_of=self.checkpoint.as_of)

    def _run_options(self) -> RunOptions:
        return RunOptions(
            org=self.checkpoint.org,
            triggered_by=self.triggered_by,
            dry_run=self.options.dry_run,
            top_n=self.options.top_n,
            include_leads=self.options.include_leads,
            run_id=self.run_id,
            snapshot_dir=self.settings.snapshot_dir or default_snapshot_dir(),
            snapshot_keep=self.settings.snapshot_keep,
        )

    def _run_date(self) -> dt.date:
        return local_run_date(self.checkpoint.now, ZoneInfo(self.org.schedule_timezone))


def _summary(report: RunReport) -> dict[str, Any]:
    return {
        "run_id": report.run_id,
        "org": report.org,
        "status": str(report.status),
        "message": report.message,
    }


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
