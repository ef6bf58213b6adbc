"""Counters the tests and benchmarks read: calls, logins, records written."""

from __future__ import annotations

import collections
import threading
from typing import Any

__all__ = ["Stats"]


class Stats:
    """Thread-safe usage counters of one emulated org."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._calls: collections.Counter[str] = collections.Counter()
            self._logins: collections.Counter[str] = collections.Counter()
            self._written: collections.Counter[str] = collections.Counter()
            self._writes_by_id: collections.Counter[str] = collections.Counter()
            self._faults: list[dict[str, Any]] = []
            self._api_calls = 0

    def count_call(self, operation: str) -> None:
        """One request received for an operation, whatever its outcome."""
        with self._lock:
            self._calls[operation] += 1

    def count_api_call(self) -> None:
        """One request charged against the daily API allowance."""
        with self._lock:
            self._api_calls += 1

    def count_login(self, flow: str) -> None:
        """One successful login through a flow (soap, password, jwt…)."""
        with self._lock:
            self._logins[flow] += 1

    def count_write(self, sobject: str, record_id: str) -> None:
        """One record successfully created or changed."""
        with self._lock:
            self._written[sobject] += 1
            self._writes_by_id[record_id] += 1

    def count_fault(self, fault: dict[str, Any]) -> None:
        """A scripted fault that fired."""
        with self._lock:
            self._faults.append(fault)

    def snapshot(self, api_usage: dict[str, int]) -> dict[str, Any]:
        """Everything counted, as plain JSON-ready values."""
        with self._lock:
            return {
                "calls": dict(self._calls),
                "total_calls": sum(self._calls.values()),
                "api_calls": self._api_calls,
                "api_usage": api_usage,
                "logins": sum(self._logins.values()),
                "logins_by_flow": dict(self._logins),
                "records_written": dict(self._written),
                "writes_by_id": dict(self._writes_by_id),
                "written_more_than_once": sorted(
                    i for i, n in self._writes_by_id.items() if n > 1
                ),
                "faults_fired": list(self._faults),
            }
