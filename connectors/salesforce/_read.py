"""Reading an sObject into typed frames, whole or page by page, by REST or by
Bulk API 2.0.

The object's record count decides the path: below ``bulk_read_threshold``
records the REST query API pages through ``nextRecordsUrl`` (pages may be
shorter than asked for, so only ``done`` ends the loop); at or above it one
Bulk query job streams CSV pages. The counts of every object come from one
record-count call per run (``_counts``), made only when a read first needs
one; a threshold of 0 always uses Bulk and asks for no count. Every page is
typed as it arrives; ``pages`` hands each one on as it comes, and the
pipeline folds it into per-account facts at once, so all pages are still
read before anything is scored and no query cursor idles meanwhile.
A REST page shorter than the batch size asked for, with more to come, is
counted as a ``short_page`` event: harmless, but it costs extra calls.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import polars as pl
from simple_salesforce.api import Salesforce

from connectors.base import ApiEvent
from connectors.salesforce._api import SalesforceApi
from connectors.salesforce._bulk import Bulk2
from connectors.salesforce._convert import (
    csv_page_frame,
    issue_rows,
    records_frame,
    typed_frame,
)
from connectors.salesforce._counts import RecordCounts
from connectors.salesforce._soql import ReadSpec, count_query, select_query

__all__ = ["Reader", "to_schema"]

logger = logging.getLogger(__name__)


class Reader:
    """Reads ReadSpecs through one SalesforceApi; ``counted`` names the
    objects whose record counts are asked for together, on the first read
    that needs one."""

    def __init__(self, api: SalesforceApi, counted: Iterable[str]) -> None:
        self._api = api
        self._settings = api.settings
        self._counts = RecordCounts(api, counted)

    def read(
        self, spec: ReadSpec, *, small: bool = False
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """All records of ``spec`` typed, plus the issues met; ``small`` skips
        the count and reads by REST (reference tables such as CurrencyType)."""
        typed, issues = [], []
        for frame, problems in self.pages(spec, small=small):
            typed.append(frame)
            issues.append(problems)
        frame = (
            pl.concat(typed) if typed else typed_frame(spec, records_frame(spec, []))[0]
        )

        return frame, pl.concat([issue_rows([]), *issues])

    def pages(
        self, spec: ReadSpec, *, small: bool = False
    ) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
        """Each page of ``spec`` typed as it arrives, with its issues."""
        bulk = not small and self._use_bulk(spec)
        pages = self._bulk_pages(spec) if bulk else self._rest_pages(spec)
        records = 0
        for raw in pages:
            frame, problems = typed_frame(spec, raw)
            records += frame.height
            yield frame, problems
        logger.info(
            "Read %d %s records by %s",
            records,
            spec.sobject,
            "Bulk" if bulk else "REST",
        )

    def _use_bulk(self, spec: ReadSpec) -> bool:
        threshold = self._settings.bulk_read_threshold
        if threshold == 0:
            return True
        records = self._counts.get(spec.sobject)
        if records is None:
            records = self._exact_count(spec)

        return records >= threshold

    def _exact_count(self, spec: ReadSpec) -> int:
        """The filtered read's exact size, for an object the record-count
        resource has no figure for (not counted yet, as in a new org, or not
        asked for). One more call, only then: guessing instead would risk
        reading a large object by REST pages, or a tiny one by a Bulk job."""
        soql = count_query(spec)
        answer = self._api.call(f"count {spec.sobject}", lambda sf: sf.query(soql))
        return int(answer["totalSize"])

    def _rest_pages(self, spec: ReadSpec) -> Iterator[pl.DataFrame]:
        batch_size = self._settings.query_batch_size
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
        soql = select_query(spec)
        page = self._api.call(
            f"query {spec.sobject}", lambda sf: sf.query(soql, headers=headers)
        )
        yield records_frame(spec, page["records"])
        while not page["done"]:
            if len(page["records"]) < batch_size:
                self._api.meter.count_event(ApiEvent.SHORT_PAGE)
            more = functools.partial(_query_more, page["nextRecordsUrl"], headers)
            page = self._api.call(f"read the next {spec.sobject} page", more)
            yield records_frame(spec, page["records"])

    def _bulk_pages(self, spec: ReadSpec) -> Iterator[pl.DataFrame]:
        for page in Bulk2(self._api).query_pages(spec.sobject, select_query(spec)):
            yield csv_page_frame(spec, page)


def _query_more(url: str, headers: dict[str, str], sf: Salesforce) -> Any:
    return sf.query_more(url, identifier_is_url=True, headers=headers)


def to_schema(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Exactly the schema's columns, in order and type; absent ones null."""
    return frame.select(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype).alias(c)
        for c, dtype in schema.items()
    )
