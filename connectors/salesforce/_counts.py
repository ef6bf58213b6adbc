"""Approximate record counts of the objects a run reads, from one API call.

The REST record-count resource (``limits/recordCount?sObjects=…``) answers
``{"sObjects": [{"name": "Account", "count": 3}, …]}`` for every listed
object at once, in no guaranteed order. Salesforce computes these figures
asynchronously and refreshes them at no fixed interval, so they may lag the
org; that is good enough to choose between REST and Bulk, where being off by
a few percent near the threshold costs a call or two, never a record. An
object Salesforce has no figure for is simply absent from the answer.

The figure is for the whole object: recycle-bin records are left out, but an
``account_filter`` (or the lead read's own filter) is not applied.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from connectors.salesforce._api import SalesforceApi

__all__ = ["RecordCounts", "parse_record_counts", "record_count_params"]

logger = logging.getLogger(__name__)

RECORD_COUNT_PATH = "limits/recordCount"


class RecordCounts:
    """The record counts of ``sobjects``, asked for on first use, then kept."""

    def __init__(self, api: SalesforceApi, sobjects: Iterable[str]) -> None:
        self._api = api
        self._sobjects = tuple(sobjects)
        self._counts: dict[str, int] | None = None

    def get(self, sobject: str) -> int | None:
        """Salesforce's approximate count of ``sobject``; None when it has none."""
        if self._counts is None:
            self._counts = self._fetch()
        return self._counts.get(sobject.casefold())

    def _fetch(self) -> dict[str, int]:
        params = record_count_params(self._sobjects)
        answer = self._api.call(
            "count records", lambda sf: sf.restful(RECORD_COUNT_PATH, params=params)
        )
        counts = parse_record_counts(answer)
        logger.debug("Salesforce record counts: %s", counts)
        return {name.casefold(): count for name, count in counts.items()}


def record_count_params(sobjects: Iterable[str]) -> dict[str, str]:
    """The query parameters asking for exactly these objects' counts."""
    return {"sObjects": ",".join(dict.fromkeys(sobjects))}


def parse_record_counts(answer: Any) -> dict[str, int]:
    """``{name: count}`` from the resource's answer; malformed entries skipped."""
    entries = answer.get("sObjects") if isinstance(answer, Mapping) else None
    counts: dict[str, int] = {}
    for entry in entries if isinstance(entries, list) else []:
        name = entry.get("name") if isinstance(entry, Mapping) else None
        count = entry.get("count") if isinstance(entry, Mapping) else None
        if isinstance(name, str) and _is_count(count):
            counts[name] = count

    return counts


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
