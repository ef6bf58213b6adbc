"""Run compiled SOQL: match rows once, then serve them page by page.

A query keeps the ordered row ids it matched (a compact array) as its
cursor; pages read the current values of those rows. Each user may hold a
bounded number of open cursors, and idle ones expire, as in Salesforce.
"""

from __future__ import annotations

import array
import dataclasses
import datetime as dt
import secrets
import string
import threading
import time
from collections import OrderedDict
from typing import Any

from connectors.salesforce_emulator._compile import (
    OutField,
    OutParent,
    Plan,
    compile_query,
)
from connectors.salesforce_emulator._errors import ApiError
from connectors.salesforce_emulator._schema import OrgSchema
from connectors.salesforce_emulator._soql import parse
from connectors.salesforce_emulator._store import Store
from connectors.salesforce_emulator._values import to_csv, to_json

__all__ = ["Cursor", "CursorRegistry", "QueryEngine"]

_LOCATOR_CHARS = string.ascii_letters + string.digits
_FETCH_CHUNK = 500  # row ids bound per SELECT, well under SQLite's variable cap


@dataclasses.dataclass
class Cursor:
    """A matched result set: its plan, ordered row ids and how it was opened."""

    plan: Plan
    rowids: array.array[int]
    include_deleted: bool
    batch_size: int
    locator: str = ""
    owner: str = ""
    last_used: float = 0.0

    @property
    def total(self) -> int:
        return len(self.rowids)


class QueryEngine:
    """Parses, compiles and executes SOQL against the store."""

    def __init__(self, store: Store, schema: OrgSchema) -> None:
        self.store = store
        self.schema = schema

    def plan(self, soql: str, *, include_deleted: bool) -> Plan:
        """Parse and compile, raising the QueryError Salesforce would send."""
        today = dt.datetime.now(dt.UTC).date()
        return compile_query(
            parse(soql), self.schema, include_deleted=include_deleted, today=today
        )

    def execute(self, plan: Plan, *, include_deleted: bool, batch_size: int) -> Cursor:
        """Find the matching rows, in order, and hold them as a cursor."""
        limit = -1 if plan.limit is None else plan.limit
        rows = self.store.execute(
            f"SELECT t0.rowid {plan.from_sql} WHERE {plan.where_sql} "
            f"ORDER BY {plan.order_sql} LIMIT ? OFFSET ?",
            [*plan.params, limit, plan.offset],
        )
        rowids = array.array("q", (r[0] for r in rows))
        return Cursor(plan, rowids, include_deleted, batch_size)

    def fetch(self, cursor: Cursor, start: int, size: int) -> list[tuple[Any, ...]]:
        """The result rows at positions [start, start + size) of a cursor."""
        wanted = cursor.rowids[start : start + size]
        plan = cursor.plan
        found: dict[int, tuple[Any, ...]] = {}
        for chunk_start in range(0, len(wanted), _FETCH_CHUNK):
            chunk = wanted[chunk_start : chunk_start + _FETCH_CHUNK]
            marks = ", ".join("?" * len(chunk))
            for row in self.store.execute(
                f"SELECT t0.rowid, {', '.join(plan.columns)} {plan.from_sql} "
                f"WHERE t0.rowid IN ({marks})",
                list(chunk),
            ):
                found[row[0]] = row[1:]
        return [found[r] for r in wanted if r in found]

    def rates(self) -> dict[str, float]:
        """Static conversion rates per currency, relative to the corporate one."""
        if not self.schema.multi_currency:
            return {}
        rows = self.store.execute(
            'SELECT "IsoCode", "ConversionRate" FROM "CurrencyType" '
            'WHERE "IsDeleted" = 0 AND "IsActive" = 1'
        )
        return {code.upper(): rate for code, rate in rows if rate}

    def records(
        self, plan: Plan, rows: list[tuple[Any, ...]], version: str
    ) -> list[dict[str, Any]]:
        """Rows as REST JSON records, parents nested under relationship names."""
        rates = self.rates()
        return [
            _record(
                plan.tree, row, plan.sobject.name, row[plan.id_column], version, rates
            )
            for row in rows
        ]

    def csv_rows(self, plan: Plan, rows: list[tuple[Any, ...]]) -> list[list[str]]:
        """Rows as Bulk API 2.0 CSV cells, in SELECT order."""
        rates = self.rates()
        return [
            [to_csv(f.field, _value(f, row, rates)) for f in plan.fields]
            for row in rows
        ]


def _value(node: OutField, row: tuple[Any, ...], rates: dict[str, float]) -> Any:
    value = row[node.column]
    if node.currency_column is None or value is None:
        return value
    code = str(row[node.currency_column] or "").upper()
    # convertCurrency answers in the running user's currency, which for the
    # integration user is the corporate currency (rate 1).
    return round(value / rates.get(code, 1.0), 2)


def _record(
    nodes: list[OutField | OutParent],
    row: tuple[Any, ...],
    sobject: str,
    record_id: str,
    version: str,
    rates: dict[str, float],
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "attributes": {
            "type": sobject,
            "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}",
        }
    }
    for node in nodes:
        if isinstance(node, OutField):
            record[node.key] = to_json(node.field, _value(node, row, rates))
            continue
        parent_id = row[node.id_column]
        record[node.key] = (
            None
            if parent_id is None
            else _record(node.children, row, node.sobject, parent_id, version, rates)
        )
    return record


class CursorRegistry:
    """Open query cursors by locator, bounded per user and expiring when idle."""

    def __init__(self, max_per_user: int, idle_seconds: int) -> None:
        self.max_per_user = max_per_user
        self.idle_seconds = idle_seconds
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, cursor: Cursor, owner: str) -> str:
        """Register a cursor that has more pages and return its locator."""
        cursor.locator = "01g" + "".join(
            secrets.choice(_LOCATOR_CHARS) for _ in range(15)
        )
        cursor.owner = owner
        cursor.last_used = time.monotonic()
        with self._lock:
            self._cursors[cursor.locator] = cursor
            owned = [c for c in self._cursors.values() if c.owner == owner]
            for stale in owned[: max(0, len(owned) - self.max_per_user)]:
                del self._cursors[stale.locator]
        return cursor.locator

    def get(self, locator: str) -> Cursor:
        """The live cursor of that locator, or INVALID_QUERY_LOCATOR."""
        now = time.monotonic()
        with self._lock:
            cursor = self._cursors.get(locator)
            if cursor is None or now - cursor.last_used > self.idle_seconds:
                self._cursors.pop(locator, None)
                raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            cursor.last_used = now
            self._cursors.move_to_end(locator)
        return cursor

    def close(self, locator: str) -> None:
        """Forget a cursor whose last page was served."""
        with self._lock:
            self._cursors.pop(locator, None)

    def clear(self) -> None:
        """Forget every cursor."""
        with self._lock:
            self._cursors.clear()
