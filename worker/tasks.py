"""The Celery tasks: thin shells around one run of the pipeline.

Arguments are small JSON values (org, who triggered the run, options); the
worker resolves the org's settings when the run starts (``worker.orgs``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from pydantic import ValidationError

from connectors import FatalError
from mkp_core import PolicyError
from worker._run import RunKind, execute
from worker.celery_app import app
from worker.orgs import Orgs
from worker.schedule import RESEGMENT_TASK
from worker.settings import Settings

__all__ = ["BACKFILL_TASK", "RESEGMENT_TASK", "announce_orgs", "backfill", "resegment"]

BACKFILL_TASK = "mkp.backfill"

logger = logging.getLogger(__name__)

# Failures an operator must act on, already recorded in the run history: the
# worker logs them in one line, without a traceback.
_EXPECTED = (FatalError, PolicyError, ValidationError, SoftTimeLimitExceeded)


@app.task(bind=True, name=RESEGMENT_TASK, throws=_EXPECTED)  # type: ignore[untyped-decorator]  # celery ships no types
def resegment(
    self: Any,
    org: str,
    triggered_by: str = "schedule",
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Nightly resegmentation; once per org and local run date."""
    return execute(self, RunKind.RESEGMENT, org, triggered_by, options or {})


@app.task(bind=True, name=BACKFILL_TASK, throws=_EXPECTED)  # type: ignore[untyped-decorator]  # celery ships no types
def backfill(
    self: Any,
    org: str,
    triggered_by: str = "admin",
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Full pull, rescore and diff of every record, reporting progress."""
    return execute(self, RunKind.BACKFILL, org, triggered_by, options or {})


def announce_orgs(**_: Any) -> None:
    """One line per org when a worker starts: served, or why it cannot run.

    A worker resolves an org's settings again for every run, so an org shown
    here as unable to run starts working once its settings are mended.
    """
    orgs = Orgs.from_settings(Settings())
    problems = orgs.problems()
    for org, when in orgs.schedules().items():
        if org in problems:
            logger.warning("Org %s cannot run: %s", org, problems[org])
            continue
        logger.info(
            "Serving org %s, nightly at %s %s",
            org,
            when.schedule_time.strftime("%H:%M"),
            when.schedule_timezone,
        )


worker_ready.connect(announce_orgs)
