"""Writing changed fields back: sObject Collections or a Bulk API 2.0 job.

Up to ``bulk_write_threshold`` records go through Collections, 200 a call,
not all-or-none; more go through Bulk ingest jobs cut at
``bulk_job_max_bytes``. Records refused with UNABLE_TO_LOCK_ROW are sent
again, alone and after a jittered, capped pause; records deleted since the
read (ENTITY_IS_DELETED) and every other refusal are reported, not retried.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import math
import random
import time
from collections.abc import Iterator, Sequence

from connectors.base import ApiEvent, ProgressCallback, WriteFailure, WriteResult
from connectors.salesforce._api import SalesforceApi
from connectors.salesforce._bulk import Bulk2
from connectors.salesforce._classify import DELETED_RECORD_CODE
from connectors.salesforce._payloads import (
    Outcome,
    WireRecord,
    bulk_csv_jobs,
    bulk_outcome,
    collection_outcome,
    collections_payload,
)

__all__ = ["COLLECTION_SIZE", "WriteMethod", "WritePlan", "Writer"]

logger = logging.getLogger(__name__)

COLLECTION_SIZE = 200  # sObject Collections' per-request maximum

# Requests one Bulk ingest job makes at the least: create, upload, close,
# one status check. Failed rows add one more, slow jobs more status checks.
BULK_JOB_REQUESTS = 4

# A Bulk CSV row with every MKP field changed, explanation included.
_TYPICAL_BULK_ROW_BYTES = 700


class WriteMethod(enum.StrEnum):
    COLLECTIONS = "collections"
    BULK = "bulk"


@dataclasses.dataclass(frozen=True)
class WritePlan:
    """What a real write of some updates would cost, without sending them."""

    sobject: str
    records: int
    method: WriteMethod
    batches: int  # Collections requests, or Bulk jobs
    api_calls: int  # the least number of API requests the write makes


class Writer:
    """Sends WireRecords to one org and accounts for every record."""

    def __init__(self, api: SalesforceApi) -> None:
        self._api = api
        self._settings = api.settings
        self._bulk = Bulk2(api)

    def plan(self, sobject: str, records: Sequence[WireRecord]) -> WritePlan:
        """The calls ``write`` would make for these records, lock retries aside."""
        if self._method(len(records)) is WriteMethod.COLLECTIONS:
            batches = math.ceil(len(records) / COLLECTION_SIZE)
            return WritePlan(
                sobject, len(records), WriteMethod.COLLECTIONS, batches, batches
            )
        jobs = sum(1 for _ in bulk_csv_jobs(records, self._settings.bulk_job_max_bytes))
        return WritePlan(
            sobject, len(records), WriteMethod.BULK, jobs, jobs * BULK_JOB_REQUESTS
        )

    def planned_calls(self, records: int) -> int:
        """``plan``'s API calls from a record count alone (Bulk job count
        estimated from a typical row size)."""
        if self._method(records) is WriteMethod.COLLECTIONS:
            return math.ceil(records / COLLECTION_SIZE)
        max_bytes = self._settings.bulk_job_max_bytes
        jobs = math.ceil(records * _TYPICAL_BULK_ROW_BYTES / max_bytes)
        return jobs * BULK_JOB_REQUESTS

    def write(
        self,
        sobject: str,
        records: Sequence[WireRecord],
        progress: ProgressCallback | None,
    ) -> WriteResult:
        """Write every record, retrying locked ones, and report each failure."""
        calls_before = sum(self._api.meter.calls.values())
        result = WriteResult(attempted=len(records))
        pending = list(records)
        locked: list[tuple[WireRecord, WriteFailure]] = []
        for attempt in range(self._settings.lock_retry_attempts + 1):
            if attempt:
                self._pause_for_locks(attempt, len(pending))
            locked = self._send(sobject, pending, result, progress)
            pending = [record for record, _ in locked]
            if not pending:
                break
        result.failures.extend(failure for _, failure in locked)
        _report(progress, len(pending))

        deleted = sum(f.code == DELETED_RECORD_CODE for f in result.failures)
        self._api.meter.count_event(ApiEvent.DELETED_RECORD_SKIPPED, deleted)
        result.write_calls = sum(self._api.meter.calls.values()) - calls_before
        return result

    def _send(
        self,
        sobject: str,
        records: list[WireRecord],
        result: WriteResult,
        progress: ProgressCallback | None,
    ) -> list[tuple[WireRecord, WriteFailure]]:
        locked: list[tuple[WireRecord, WriteFailure]] = []
        for outcome in self._batches(sobject, records):
            result.written += outcome.written
            result.failures.extend(outcome.failures)
            locked.extend(outcome.locked)
            _report(progress, outcome.written + len(outcome.failures))
        return locked

    def _batches(self, sobject: str, records: list[WireRecord]) -> Iterator[Outcome]:
        # A generator, so progress is reported as each batch finishes.
        if self._method(len(records)) is WriteMethod.COLLECTIONS:
            for start in range(0, len(records), COLLECTION_SIZE):
                yield self._collection(
                    sobject, records[start : start + COLLECTION_SIZE]
                )
            return
        for body, batch in bulk_csv_jobs(records, self._settings.bulk_job_max_bytes):
            yield self._bulk_job(sobject, body, batch)

    def _collection(self, sobject: str, records: list[WireRecord]) -> Outcome:
        payload = collections_payload(sobject, records)
        results = self._api.call(
            f"update {len(records)} {sobject} records",
            lambda sf: sf.restful("composite/sobjects", method="PATCH", json=payload),
        )
        return collection_outcome(records, results or [])

    def _bulk_job(self, sobject: str, body: str, records: list[WireRecord]) -> Outcome:
        job = self._bulk.ingest(sobject, body, len(records))
        logger.info(
            "Bulk job %s updated %d %s records, %d failed",
            job.job_id,
            job.processed - job.failed,
            sobject,
            job.failed,
        )
        return bulk_outcome(records, job.failed_csv, job.unprocessed_csv)

    def _method(self, records: int) -> WriteMethod:
        if records <= self._settings.bulk_write_threshold:
            return WriteMethod.COLLECTIONS
        return WriteMethod.BULK

    def _pause_for_locks(self, attempt: int, records: int) -> None:
        ceiling = min(
            self._settings.retry_max_seconds,
            self._settings.retry_base_seconds * 2**attempt,
        )
        delay = random.uniform(0, ceiling)  # noqa: S311 - jitter, not security
        self._api.meter.count_event(ApiEvent.LOCKED_RECORD_RETRY, records)
        logger.info(
            "%d records were locked by another process; retry %d in %.1f s",
            records,
            attempt,
            delay,
        )
        time.sleep(delay)


def _report(progress: ProgressCallback | None, records: int) -> None:
    if progress is not None and records:
        progress(records)
