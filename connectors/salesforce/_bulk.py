"""Bulk API 2.0 query and ingest jobs, one request per step.

The requests go through the simple-salesforce client's session, URLs and
headers, but each step is its own ``SalesforceApi.call``: a 503 on page 7
of a query retries page 7, not the whole job, and an expired session is
renewed between steps. Result pages are decoded as UTF-8 whatever the
``Content-Type`` says.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator
from typing import Any

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.util import call_salesforce

from connectors.errors import ConfigurationError, ConnectorError, FatalError
from connectors.salesforce._api import SalesforceApi

__all__ = ["Bulk2", "IngestOutcome"]

logger = logging.getLogger(__name__)

_JSON = "application/json"
_CSV = "text/csv; charset=UTF-8"
_FINISHED = frozenset({"JobComplete", "Failed", "Aborted"})


@dataclasses.dataclass(frozen=True)
class IngestOutcome:
    """A finished ingest job: its counts and the CSV of the rows it refused."""

    job_id: str
    processed: int
    failed: int
    failed_csv: str
    unprocessed_csv: str


class Bulk2:
    """Bulk API 2.0 jobs driven step by step through ``SalesforceApi``."""

    def __init__(self, api: SalesforceApi) -> None:
        self._api = api
        self._settings = api.settings

    def query_pages(self, sobject: str, soql: str) -> Iterator[str]:
        """Run a query job and yield each result page (CSV with a header row)."""
        job = self._call(
            f"create Bulk query job on {sobject}",
            "POST",
            "query",
            json={"operation": "query", "query": soql, "lineEnding": "LF"},
        ).json()
        self._wait("query", job["id"], sobject)
        locator: str | None = ""
        while locator is not None:
            params = {"maxRecords": str(self._settings.bulk_query_page_records)}
            if locator:
                params["locator"] = locator
            page = self._call(
                f"read Bulk query results of {sobject}",
                "GET",
                f"query/{job['id']}/results",
                params=params,
                accept=_CSV,
            )
            yield page.content.decode("utf-8")
            locator = _next_locator(page)

    def ingest(self, sobject: str, csv_text: str, rows: int) -> IngestOutcome:
        """Run one update job over ``csv_text`` (``rows`` records) and report
        what it refused."""
        job = self._call(
            f"create Bulk update job on {sobject}",
            "POST",
            "ingest",
            json={
                "operation": "update",
                "object": sobject,
                "contentType": "CSV",
                "lineEnding": "CRLF",
                "columnDelimiter": "COMMA",
            },
        ).json()
        job_id = str(job["id"])
        try:
            self._upload_and_close(sobject, job_id, csv_text)
            info = self._wait("ingest", job_id, sobject)
        except ConnectorError:
            self._abort(job_id)
            raise

        return self._outcome(sobject, job_id, info, rows)

    def _upload_and_close(self, sobject: str, job_id: str, csv_text: str) -> None:
        self._call(
            f"upload Bulk data for {sobject}",
            "PUT",
            f"ingest/{job_id}/batches",
            data=csv_text.encode("utf-8"),
            content_type=_CSV,
        )
        self._call(
            f"close Bulk job {job_id}",
            "PATCH",
            f"ingest/{job_id}",
            json={"state": "UploadComplete"},
        )

    def _outcome(
        self, sobject: str, job_id: str, info: dict[str, Any], rows: int
    ) -> IngestOutcome:
        failed = int(info.get("numberRecordsFailed") or 0)
        processed = int(info.get("numberRecordsProcessed") or 0)
        # Failed and unprocessed rows are fetched only when there are any:
        # every other row succeeded, so successfulResults would add a call
        # and tell nothing new.
        failed_csv = self._results(sobject, job_id, "failedResults") if failed else ""
        unprocessed_csv = ""
        if processed < rows:
            unprocessed_csv = self._results(sobject, job_id, "unprocessedRecords")
        return IngestOutcome(job_id, processed, failed, failed_csv, unprocessed_csv)

    def _results(self, sobject: str, job_id: str, which: str) -> str:
        response = self._call(
            f"read Bulk {which} of {sobject}",
            "GET",
            f"ingest/{job_id}/{which}",
            accept=_CSV,
        )
        return response.content.decode("utf-8")

    def _wait(self, kind: str, job_id: str, sobject: str) -> dict[str, Any]:
        deadline = time.monotonic() + self._settings.bulk_timeout_seconds
        while True:
            info: dict[str, Any] = self._call(
                f"check Bulk {kind} job {job_id}", "GET", f"{kind}/{job_id}"
            ).json()
            state = info.get("state")
            if state in _FINISHED:
                return _finished(kind, job_id, sobject, info)
            if time.monotonic() > deadline:
                raise FatalError(
                    f"Bulk {kind} job {job_id} on {sobject} is still {state} after "
                    f"{self._settings.bulk_timeout_seconds:g} s: raise "
                    "bulk_timeout_seconds or look at the job in Salesforce setup"
                )
            time.sleep(self._settings.bulk_poll_seconds)

    def _abort(self, job_id: str) -> None:
        try:
            self._call(
                f"abort Bulk job {job_id}",
                "PATCH",
                f"ingest/{job_id}",
                json={"state": "Aborted"},
            )
        except ConnectorError:
            logger.warning("Could not abort Bulk job %s; it will time out", job_id)

    def _call(
        self,
        action: str,
        method: str,
        path: str,
        *,
        accept: str = _JSON,
        content_type: str = _JSON,
        **kwargs: Any,
    ) -> requests.Response:
        def send(sf: Salesforce) -> requests.Response:
            headers = {**sf.headers, "Content-Type": content_type, "Accept": accept}
            return call_salesforce(
                f"{sf.bulk2_url}{path}", method, sf.session, headers, **kwargs
            )

        return self._api.call(action, send)


def _finished(
    kind: str, job_id: str, sobject: str, info: dict[str, Any]
) -> dict[str, Any]:
    if info.get("state") == "JobComplete":
        return info
    raise ConfigurationError(
        f"Bulk {kind} job {job_id} on {sobject} ended {info.get('state')}: "
        f"{info.get('errorMessage') or 'no reason given'}; check the field names "
        "and the integration user's permissions",
        code=str(info.get("state")),
    )


def _next_locator(page: requests.Response) -> str | None:
    locator = page.headers.get("Sforce-Locator", "")
    return None if locator in ("", "null") else locator
