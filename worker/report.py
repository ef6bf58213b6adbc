"""The run report: what one pipeline run did, in a JSON-friendly shape."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import secrets
from typing import Any

__all__ = ["RunReport", "RunStatus", "new_run_id"]


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, but the CRM refused some records
    BUDGET_EXHAUSTED = "budget exhausted"
    FAILED = "failed"
    SKIPPED = "skipped: already running"
    ALREADY_DONE = "skipped: already done"  # that day's resegmentation finished


def new_run_id(now: dt.datetime) -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclasses.dataclass
class RunReport:
    """Counts, failures and API usage of one run.

    ``skipped`` maps a bad-input reason (e.g. ``orphan_opportunity``) to how many
    records it kept out of scoring; ``issues`` holds the first messages of each
    reason so an operator can find the records; ``write_failures`` every record
    the CRM refused, with its own error code; ``events`` what happened at the
    CRM boundary, by ``connectors.ApiEvent`` key (``retry:SERVER_UNAVAILABLE``,
    ``relogin``, ``locked_record_retry``, ``budget_stop``…).
    """

    run_id: str
    org: str
    triggered_by: str
    started_at: str
    status: RunStatus = RunStatus.RUNNING
    as_of: str | None = None
    dry_run: bool = False
    finished_at: str | None = None
    accounts_scored: int = 0
    leads_scored: int = 0
    segment_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    lead_segment_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    records_changed: int = 0
    records_written: int = 0
    planned_write_calls: int = 0
    write_failures: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    skipped: dict[str, int] = dataclasses.field(default_factory=dict)
    issues: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    api_calls: int = 0
    api_calls_by_operation: dict[str, int] = dataclasses.field(default_factory=dict)
    events: dict[str, int] = dataclasses.field(default_factory=dict)
    duration_s: float = 0.0
    message: str = ""
    # Hold-out test of the potential estimate (``mkp_core.calibration``).
    calibration: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Path of the snapshot this run saved, empty when none was saved.
    snapshot: str = ""
    snapshot_failures: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = RunStatus(values.get("status", RunStatus.FAILED))
        return cls(**values)

    @property
    def write_failure_count(self) -> int:
        return len(self.write_failures)
