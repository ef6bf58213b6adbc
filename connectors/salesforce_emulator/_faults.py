"""Scripted, deterministic fault injection.

A plan is a list of faults. Call-bound faults name an ``operation`` and the
``call`` ordinal (1 = the first call of that operation after the plan was
set) and fire once. Standing faults shape every matching request:
``short_pages``, ``latency``, ``daily_limit``, ``lock_records``,
``delete_before_write`` and ``record_counts``. The last stands in for the
cached figures of Salesforce's record-count resource, which lag the org:
``{"kind": "record_counts", "counts": {"Account": 5, "Lead": null}}`` answers
5 for Account and leaves Lead out, as for an object not counted yet.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import threading
from typing import Any

from connectors.salesforce_emulator._errors import ApiError, EmulatorError

__all__ = ["FaultKind", "FaultPlan", "Injection"]


class FaultKind(enum.StrEnum):
    """Every fault the emulator can script."""

    HTTP_500_JSON = "http_500_json"
    HTTP_502_HTML = "http_502_html"
    HTTP_503_JSON = "http_503_json"
    HTTP_503_HTML = "http_503_html"
    HTTP_414 = "http_414"
    HTTP_431 = "http_431"
    REQUEST_LIMIT = "request_limit"
    EXPIRE_SESSION = "expire_session"
    LOCK_RECORDS = "lock_records"
    DELETE_BEFORE_WRITE = "delete_before_write"
    SHORT_PAGES = "short_pages"
    LATENCY = "latency"
    DAILY_LIMIT = "daily_limit"
    RECORD_COUNTS = "record_counts"


_CALL_BOUND = frozenset(
    {
        FaultKind.HTTP_500_JSON,
        FaultKind.HTTP_502_HTML,
        FaultKind.HTTP_503_JSON,
        FaultKind.HTTP_503_HTML,
        FaultKind.HTTP_414,
        FaultKind.HTTP_431,
        FaultKind.REQUEST_LIMIT,
        FaultKind.EXPIRE_SESSION,
    }
)


@dataclasses.dataclass(frozen=True)
class Injection:
    """What the request pipeline must do for one request."""

    kind: FaultKind | None = None
    delay_seconds: float = 0.0


def _require(fault: dict[str, Any], key: str) -> Any:
    if key not in fault:
        raise EmulatorError(f"fault {fault!r} needs {key!r}")
    return fault[key]


def _counts_valid(counts: object) -> bool:
    return isinstance(counts, dict) and all(
        n is None or (isinstance(n, int) and n >= 0) for n in counts.values()
    )


class FaultPlan:
    """The active fault plan and the per-operation call counters it keys on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.set([])

    def set(self, faults: list[dict[str, Any]]) -> None:
        """Replace the plan and restart the call ordinals."""
        parsed = [self._validate(f) for f in faults]
        with self._lock:
            self._faults = parsed
            self._calls: collections.Counter[str] = collections.Counter()
            self._lock_attempts: collections.Counter[str] = collections.Counter()
            self._deleted: set[str] = set()
            self.limit_after: int | None = None
            for fault in parsed:
                if fault["kind"] == FaultKind.DAILY_LIMIT:
                    self.limit_after = int(_require(fault, "after_calls"))

    def _validate(self, fault: dict[str, Any]) -> dict[str, Any]:
        try:
            kind = FaultKind(_require(fault, "kind"))
        except ValueError:
            raise EmulatorError(f"unknown fault kind in {fault!r}") from None
        if kind in _CALL_BOUND:
            _require(fault, "operation")
            int(_require(fault, "call"))
        if kind is FaultKind.RECORD_COUNTS and not _counts_valid(
            _require(fault, "counts")
        ):
            raise EmulatorError(
                f"fault {fault!r} needs 'counts' mapping names to a count or null"
            )
        if kind in (FaultKind.LOCK_RECORDS, FaultKind.DELETE_BEFORE_WRITE):
            fault = {**fault, "ids": [str(i)[:15] for i in _require(fault, "ids")]}
        return {**fault, "kind": kind}

    def on_request(self, operation: str) -> tuple[Injection, dict[str, Any] | None]:
        """Count one call of an operation and say which fault, if any, fires."""
        with self._lock:
            self._calls[operation] += 1
            ordinal = self._calls[operation]
            delay = sum(
                float(f.get("seconds", 0))
                for f in self._faults
                if f["kind"] == FaultKind.LATENCY
                and f.get("operation", "*") in ("*", operation)
            )
            for fault in self._faults:
                if (
                    fault["kind"] in _CALL_BOUND
                    and fault["operation"] in ("*", operation)
                    and int(fault["call"]) == ordinal
                ):
                    return Injection(fault["kind"], delay), fault
        return Injection(None, delay), None

    def page_cap(self) -> int | None:
        """The page size forced by a short_pages fault, if any."""
        with self._lock:
            sizes = [
                int(f["size"])
                for f in self._faults
                if f["kind"] == FaultKind.SHORT_PAGES
            ]
        return min(sizes) if sizes else None

    def record_counts(self) -> dict[str, int | None]:
        """Record-count figures that replace the live ones, by lower-case
        object name; None leaves the object out of the answer."""
        with self._lock:
            return {
                str(name).lower(): count
                for fault in self._faults
                if fault["kind"] == FaultKind.RECORD_COUNTS
                for name, count in fault["counts"].items()
            }

    def lock_error(self, record_id: str) -> ApiError | None:
        """UNABLE_TO_LOCK_ROW while a locked record still has failed attempts left."""
        key = record_id[:15]
        with self._lock:
            for fault in self._faults:
                if fault["kind"] != FaultKind.LOCK_RECORDS or key not in fault["ids"]:
                    continue
                if self._lock_attempts[key] < int(fault.get("attempts", 1)):
                    self._lock_attempts[key] += 1
                    return ApiError(
                        400,
                        "UNABLE_TO_LOCK_ROW",
                        "unable to obtain exclusive access to this record or 1 "
                        f"records: {record_id}",
                        [],
                    )
        return None

    def take_delete(self, record_id: str) -> bool:
        """True once for a record that must vanish just before it is written."""
        key = record_id[:15]
        with self._lock:
            for fault in self._faults:
                if (
                    fault["kind"] == FaultKind.DELETE_BEFORE_WRITE
                    and key in fault["ids"]
                ):
                    if key in self._deleted:
                        return False
                    self._deleted.add(key)
                    return True
        return False
