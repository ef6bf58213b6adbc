"""Bulk API 2.0 jobs: their state machines and the CSV they read and write.

Ingest: Open -> (upload) -> UploadComplete -> InProgress -> JobComplete or
Failed; Aborted from any state before completion. Query: UploadComplete ->
InProgress -> JobComplete. Both run synchronously when they reach
UploadComplete, so a poll already sees the final state.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import threading
from typing import Any

from connectors.salesforce_emulator._errors import ApiError, RecordError
from connectors.salesforce_emulator._org import Org
from connectors.salesforce_emulator._query import Cursor
from connectors.salesforce_emulator._schema import SObjectDef
from connectors.salesforce_emulator._values import format_datetime, utc_now

__all__ = ["IngestJob", "JobState", "Jobs", "QueryJob", "write_csv"]

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete")


class JobState(enum.StrEnum):
    OPEN = "Open"
    UPLOAD_COMPLETE = "UploadComplete"
    IN_PROGRESS = "InProgress"
    JOB_COMPLETE = "JobComplete"
    FAILED = "Failed"
    ABORTED = "Aborted"


@dataclasses.dataclass(kw_only=True)
class _Job:
    id: str
    operation: str
    version: str
    delimiter: str
    line_ending: str
    state: JobState
    created: str = dataclasses.field(default_factory=lambda: format_datetime(utc_now()))
    error_message: str = ""

    def base_info(self, user_id: str) -> dict[str, Any]:
        delimiter = next(k for k, v in DELIMITERS.items() if v == self.delimiter)
        ending = next(k for k, v in LINE_ENDINGS.items() if v == self.line_ending)
        return {
            "id": self.id,
            "operation": self.operation,
            "createdById": user_id,
            "createdDate": self.created,
            "systemModstamp": format_datetime(utc_now()),
            "state": str(self.state),
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version),
            "lineEnding": ending,
            "columnDelimiter": delimiter,
        }


@dataclasses.dataclass(kw_only=True)
class IngestJob(_Job):
    """An ingest job, its uploaded CSV and per-row outcomes."""

    sobject: SObjectDef
    external_id: str | None = None
    uploads: list[str] = dataclasses.field(default_factory=list)
    header: list[str] = dataclasses.field(default_factory=list)
    successful: list[list[str]] = dataclasses.field(default_factory=list)
    failed: list[list[str]] = dataclasses.field(default_factory=list)
    unprocessed: list[list[str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(kw_only=True)
class QueryJob(_Job):
    """A query job and the cursor over its matched rows."""

    query: str = ""
    sobject_name: str = ""
    cursor: Cursor | None = None


def write_csv(header: list[str], rows: list[list[str]], job: _Job) -> str:
    """CSV text in the job's delimiter and line ending, every value quoted."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=job.delimiter,
        lineterminator=job.line_ending,
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _error_cell(error: RecordError) -> str:
    fields = ",".join(error.fields) or "--"
    return f"{error.code}:{error.message}:{fields}"


class Jobs:
    """Every Bulk API 2.0 job of the org, ingest and query alike."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self._jobs: dict[str, IngestJob | QueryJob] = {}
        self._lock = threading.Lock()

    def add(self, job: IngestJob | QueryJob) -> None:
        with self._lock:
            self._jobs[job.id] = job

    def get_ingest(self, job_id: str) -> IngestJob:
        job = self._jobs.get(job_id)
        if not isinstance(job, IngestJob):
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def get_query(self, job_id: str) -> QueryJob:
        job = self._jobs.get(job_id)
        if not isinstance(job, QueryJob):
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def process(self, job: IngestJob) -> None:
        """Apply an uploaded ingest job row by row, as the integration user."""
        job.state = JobState.IN_PROGRESS
        rows: list[list[str]] = []
        for text in job.uploads:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=job.delimiter)
            header, *body = list(reader) or [[]]
            if job.header and header != job.header:
                self._fail(job, "InvalidBatch : all uploads must share one header")
                return
            job.header = header
            rows += [r for r in body if r]
        unknown = [c for c in job.header if job.sobject.field(c) is None]
        if unknown or not job.header:
            self._fail(
                job, f"InvalidBatch : Field name not found : {(unknown or [''])[0]}"
            )
            return
        written: list[str] = []
        for row in rows:
            self._process_row(job, row, written)
        self.org.count_writes(job.sobject, written)
        job.state = JobState.JOB_COMPLETE

    def _fail(self, job: IngestJob, message: str) -> None:
        job.state = JobState.FAILED
        job.error_message = message

    def _process_row(self, job: IngestJob, row: list[str], written: list[str]) -> None:
        cells = dict(zip(job.header, row, strict=False))
        record_id = next((v for k, v in cells.items() if k.lower() == "id"), "")
        try:
            created, record_id = self._apply(job, job.sobject, cells, record_id)
        except RecordError as error:
            job.failed.append([record_id, _error_cell(error), *row])
            return
        written.append(record_id)
        job.successful.append([record_id, "true" if created else "false", *row])

    def _apply(
        self, job: IngestJob, sobject: SObjectDef, cells: dict[str, str], record_id: str
    ) -> tuple[bool, str]:
        # An empty cell leaves the field as it is; "#N/A" sets it to null.
        values: dict[str, Any] = {
            k: (None if v == "#N/A" else v)
            for k, v in cells.items()
            if v != "" and k.lower() != "id"
        }
        operation = job.operation
        if operation == "upsert":
            operation = "update" if record_id else "insert"
        if operation == "insert":
            return True, self.org.api_create(sobject, values)
        if not record_id:
            raise RecordError(
                "MISSING_ARGUMENT", f"Id not specified in an {operation} call"
            )
        if operation == "delete":
            return False, self.org.api_delete(sobject, record_id)
        return False, self.org.api_update(sobject, record_id, values)
