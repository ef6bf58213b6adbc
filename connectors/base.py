"""The connector interface the pipeline depends on, and the values it exchanges.

A connector reads the portfolio as frames in the shape of ``mkp_core.frames``
and writes field updates back. It never scores; the scoring model never talks
to a CRM.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

import polars as pl

from mkp_core import ISSUE_SCHEMA, RecordKind

__all__ = [
    "ApiEvent",
    "ApiUsage",
    "CrmConnector",
    "Extract",
    "FieldProblem",
    "WriteFailure",
    "WriteResult",
    "joined_pages",
]


@dataclasses.dataclass(frozen=True)
class Extract:
    """Records read from the CRM plus the input problems met while reading.

    ``issues`` follows ``mkp_core.ISSUE_SCHEMA``: a record whose field could
    not be parsed keeps its row with that value null, and gets an issue row.
    """

    frame: pl.DataFrame
    issues: pl.DataFrame = dataclasses.field(
        default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA)
    )


@dataclasses.dataclass(frozen=True)
class WriteFailure:
    """One record the CRM refused, with the CRM's own error code."""

    record_id: str
    code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclasses.dataclass
class WriteResult:
    """What happened to a batch of updates: counts plus every failure."""

    attempted: int = 0
    written: int = 0
    failures: list[WriteFailure] = dataclasses.field(default_factory=list)
    write_calls: int = 0

    def merge(self, other: WriteResult) -> None:
        """Add another batch's outcome to this one."""
        self.attempted += other.attempted
        self.written += other.written
        self.failures.extend(other.failures)
        self.write_calls += other.write_calls


@dataclasses.dataclass(frozen=True)
class FieldProblem:
    """A target field that is missing or not writable for the integration user."""

    kind: RecordKind
    field: str
    problem: str


class ApiEvent(enum.StrEnum):
    """Things that happened at the CRM boundary which an operator should see.

    Keys of ``ApiUsage.events``; a retry key carries the fault's code after a
    colon (``retry:SERVER_UNAVAILABLE``, ``retry:HTTP_503`` when the answer
    named no code).
    """

    RETRY = "retry"  # a request sent again after a transient fault
    RELOGIN = "relogin"  # a fresh login after the session expired
    LOCKED_RECORD_RETRY = "locked_record_retry"  # a record re-sent after a lock
    DELETED_RECORD_SKIPPED = "deleted_record_skipped"  # deleted since the read
    SHORT_PAGE = "short_page"  # a query page shorter than the batch size asked
    BUDGET_STOP = "budget_stop"  # stopped at the API budget or daily limit

    def keyed(self, detail: str) -> str:
        """The event's key with a detail, e.g. ``retry:SERVER_UNAVAILABLE``."""
        return f"{self.value}:{detail}"


@dataclasses.dataclass(frozen=True)
class ApiUsage:
    """API calls this connector made, and the org's daily usage when known.

    ``events`` counts ``ApiEvent`` keys (retries, re-logins, locked and deleted
    records, short pages, a budget stop); empty when nothing of note happened.
    """

    calls: int
    calls_by_operation: dict[str, int]
    org_used: int | None = None
    org_limit: int | None = None
    events: dict[str, int] = dataclasses.field(default_factory=dict)


@runtime_checkable
class CrmConnector(Protocol):
    """What the pipeline needs from a CRM.

    Updates are frames with ``record_id``, the ``mkp_core.OUTPUT_FIELDS``
    columns and ``changed`` (a list of the output fields to send for that
    record); a connector sends only those fields. ``progress`` callbacks, when
    given, receive the number of records just written.
    """

    name: str

    def read_accounts(self) -> Extract: ...

    def iter_opportunities(self) -> Iterator[Extract]:
        """The opportunities in pages of bounded size, as they are read.

        Deals outnumber accounts ten to one, so they are the one object not
        read whole: a caller folds each page into per-account facts
        (``mkp_core.OpportunityDigest``) and memory follows the accounts.
        """
        ...

    def read_leads(self) -> Extract: ...

    def read_currency_rates(self) -> Extract: ...

    def write_updates(
        self,
        kind: RecordKind,
        updates: pl.DataFrame,
        progress: ProgressCallback | None = None,
    ) -> WriteResult: ...

    def planned_write_calls(self, kind: RecordKind, records: int) -> int:
        """API calls a real write of this many changed records would make."""
        ...

    def check_fields(self) -> list[FieldProblem]: ...

    def api_usage(self) -> ApiUsage: ...


def joined_pages(pages: Iterable[Extract], schema: dict[str, pl.DataType]) -> Extract:
    """All pages as one extract (``schema`` shapes it when there is none)."""
    frames, issues = [], [pl.DataFrame(schema=ISSUE_SCHEMA)]
    for page in pages:
        frames.append(page.frame)
        issues.append(page.issues)
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=schema)

    return Extract(frame, pl.concat(issues))


class ProgressCallback(Protocol):
    def __call__(self, records_done: int) -> None: ...
