"""The Celery tasks: thin shells around one run of the pipeline.

Arguments are small JSON values (org, who triggered the run, options); the
worker reads everything else from its own settings.
"""

from __future__ import annotations

from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from pydantic import ValidationError

from connectors import FatalError
from mkp_core import PolicyError
from worker._run import RunKind, execute
from worker.celery_app import app
from worker.schedule import RESEGMENT_TASK

__all__ = ["BACKFILL_TASK", "RESEGMENT_TASK", "backfill", "resegment"]

BACKFILL_TASK = "mkp.backfill"

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
