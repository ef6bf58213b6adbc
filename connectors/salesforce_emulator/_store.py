"""SQLite storage: one table per sObject, typed columns, one lock for all.

Every write goes through ``insert`` or ``update`` so type checks, derived
fields (stage flags, full names) and the modification stamps are applied the
same way whichever API the record came through.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from connectors.salesforce_emulator._errors import RecordError
from connectors.salesforce_emulator._ids import IdFactory, normalize_id
from connectors.salesforce_emulator._schema import (
    BOOLEAN_DEFAULTS,
    FORECAST_CATEGORY_NAMES,
    STAGES,
    FieldDef,
    FieldType,
    OrgSchema,
    SObjectDef,
)
from connectors.salesforce_emulator._values import (
    format_datetime,
    to_storage,
    utc_now,
)

__all__ = ["Row", "Store", "quote"]

Row = dict[str, Any]

# Fields the org computes itself; nobody, not even a seed file, sets them.
_DERIVED = frozenset(
    {"IsClosed", "IsWon", "ForecastCategory", "Name@Lead", "Name@User", "NextStartDate"}
)
# Audit fields a seed file may set (Salesforce allows it on create with the
# "Set Audit Fields upon Record Creation" permission); the API may not.
_AUDIT = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


def quote(name: str) -> str:
    """A SQL identifier; names come from the schema, never from a request."""
    return '"' + name.replace('"', '""') + '"'


def _column_type(field: FieldDef) -> str:
    if field.type.is_text or field.type in (FieldType.DATE, FieldType.DATETIME):
        return "TEXT COLLATE NOCASE"
    if field.type in (FieldType.INT, FieldType.BOOLEAN):
        return "INTEGER"
    return "REAL"


def _is_derived(sobject: SObjectDef, field: FieldDef) -> bool:
    return field.name in _DERIVED or f"{field.name}@{sobject.name}" in _DERIVED


class Store:
    """The org's records. Thread-safe; ``lock`` also guards multi-step changes."""

    def __init__(
        self, schema: OrgSchema, db_path: Path | None, corporate_currency: str
    ) -> None:
        self.schema = schema
        self.corporate_currency = corporate_currency
        self.lock = threading.RLock()
        self.ids = IdFactory()
        target = str(db_path) if db_path is not None else ":memory:"
        self._db = sqlite3.connect(
            target, check_same_thread=False, isolation_level=None
        )
        self._create_tables()

    def _create_tables(self) -> None:
        with self.lock:
            for sobject in self.schema.objects():
                columns = ", ".join(
                    f"{quote(f.name)} {_column_type(f)}" for f in sobject.fields
                )
                table = quote(sobject.name)
                self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
                self._db.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {quote(sobject.name + '_id')} "
                    f'ON {table} ("Id")'
                )

    def close(self) -> None:
        """Release the database."""
        with self.lock:
            self._db.close()

    def clear(self) -> None:
        """Delete every record of every sObject."""
        with self.lock:
            for sobject in self.schema.objects():
                self._db.execute(f"DELETE FROM {quote(sobject.name)}")  # noqa: S608 - names come from the schema

    def begin(self) -> None:
        """Open a nested transaction; call with ``lock`` held."""
        self._db.execute("SAVEPOINT emulator_tx")

    def commit(self) -> None:
        """Keep the writes since the matching ``begin``."""
        self._db.execute("RELEASE emulator_tx")

    def rollback(self) -> None:
        """Undo the writes since the matching ``begin``."""
        self._db.execute("ROLLBACK TO emulator_tx")
        self._db.execute("RELEASE emulator_tx")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or, on an exception, not at all."""
        with self.lock:
            self.begin()
            try:
                yield
            except BaseException:
                self.rollback()
                raise
            self.commit()

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one read statement and return all rows."""
        with self.lock:
            return self._db.execute(sql, params).fetchall()

    def get(self, sobject: SObjectDef, record_id: str) -> Row | None:
        """The stored row of that id, deleted or not."""
        names = [f.name for f in sobject.fields]
        rows = self.execute(
            f"SELECT {', '.join(map(quote, names))} FROM {quote(sobject.name)} "  # noqa: S608 - names come from the schema
            'WHERE "Id" = ?',
            (record_id,),
        )
        return dict(zip(names, rows[0], strict=True)) if rows else None

    def all_rows(self, sobject: SObjectDef) -> list[Row]:
        """Every row of an sObject, deleted ones included, in insertion order."""
        names = [f.name for f in sobject.fields]
        rows = self.execute(
            f"SELECT {', '.join(map(quote, names))} FROM {quote(sobject.name)} "  # noqa: S608 - names come from the schema
            "ORDER BY rowid"
        )
        return [dict(zip(names, row, strict=True)) for row in rows]

    def count_live(self, sobject: SObjectDef) -> int:
        """Records of an sObject outside the recycle bin."""
        rows = self.execute(
            f'SELECT COUNT(*) FROM {quote(sobject.name)} WHERE NOT "IsDeleted"'  # noqa: S608 - names come from the schema
        )
        return int(rows[0][0])

    def _convert(
        self, sobject: SObjectDef, values: Row, *, api: bool, creating: bool
    ) -> Row:
        converted: Row = {}
        for name, value in values.items():
            field = sobject.field(name)
            if field is None or field.name == "Id":
                raise RecordError(
                    "INVALID_FIELD",
                    f"No such column '{name}' on sobject of type {sobject.name}",
                    [name],
                )
            if api:
                allowed = field.createable if creating else field.updateable
            else:
                allowed = not _is_derived(sobject, field) and (
                    creating or field.name not in _AUDIT
                )
            if not allowed:
                raise RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {field.name}. Please check the "
                    "security settings of this field and verify that it is "
                    "read/write for your profile or permission set.",
                    [field.name],
                )
            converted[field.name] = to_storage(field, value)
        return converted

    def _check_references(self, sobject: SObjectDef, row: Row) -> None:
        for field in sobject.fields:
            value = row.get(field.name)
            if field.reference_to is None or value is None:
                continue
            target = self.schema.require(field.reference_to)
            exists = self.execute(
                f'SELECT 1 FROM {quote(target.name)} WHERE "Id" = ?',  # noqa: S608
                (value,),
            )
            if not exists:
                raise RecordError(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"{field.label}: id value of incorrect type: {value}",
                    [field.name],
                )

    def _derive(self, sobject: SObjectDef, row: Row, explicit: Row) -> None:
        if sobject.name == "Opportunity" and "StageName" in explicit:
            stage = STAGES[row["StageName"]]
            row["IsClosed"] = int(stage.is_closed)
            row["IsWon"] = int(stage.is_won)
            row["ForecastCategory"] = stage.forecast_category
            row["ForecastCategoryName"] = FORECAST_CATEGORY_NAMES[
                stage.forecast_category
            ]
            if "Probability" not in explicit:
                row["Probability"] = stage.probability
        if sobject.name in ("Lead", "User"):
            parts = (row.get("FirstName"), row.get("LastName"))
            row["Name"] = " ".join(p for p in parts if p)

    def _defaults(self, sobject: SObjectDef, owner_id: str) -> Row:
        now = format_datetime(utc_now())
        row: Row = {"CreatedDate": now, "LastModifiedDate": now, "SystemModstamp": now}
        for field in sobject.fields:
            if field.name in BOOLEAN_DEFAULTS:
                row[field.name] = int(BOOLEAN_DEFAULTS[field.name])
        if sobject.field("OwnerId") is not None:
            row["OwnerId"] = owner_id
        if sobject.field("Status") is not None and sobject.name == "Lead":
            row["Status"] = "Open - Not Contacted"
        return row

    def _check_required(self, sobject: SObjectDef, row: Row) -> None:
        missing = [
            f.name
            for f in sobject.fields
            if not f.nillable and row.get(f.name) is None and f.name != "Id"
        ]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )

    def insert(
        self, sobject: SObjectDef, values: Row, *, api: bool, owner_id: str
    ) -> str:
        """Create one record and return its new id."""
        with self.lock:
            explicit = self._convert(sobject, values, api=api, creating=True)
            row = self._defaults(sobject, owner_id) | explicit
            if sobject.field("CurrencyIsoCode") is not None:
                row.setdefault("CurrencyIsoCode", None)
            self._derive(sobject, row, explicit)
            self._fill_currency(sobject, row)
            self._check_required(sobject, row)
            self._check_references(sobject, row)
            row["Id"] = self.ids.new(sobject.key_prefix)
            names = list(row)
            self._db.execute(
                f"INSERT INTO {quote(sobject.name)} ({', '.join(map(quote, names))}) "  # noqa: S608 - names come from the schema
                f"VALUES ({', '.join('?' * len(names))})",
                [row[n] for n in names],
            )
            if sobject.name == "DatedConversionRate":
                self._chain_dated_rates()
        return str(row["Id"])

    def _fill_currency(self, sobject: SObjectDef, row: Row) -> None:
        if "CurrencyIsoCode" in row and row["CurrencyIsoCode"] is None:
            row["CurrencyIsoCode"] = self.corporate_currency

    def locate(self, sobject: SObjectDef, record_id: str) -> tuple[str, Row]:
        """The 18-character id and live row, or NOT_FOUND / ENTITY_IS_DELETED."""
        normalized = normalize_id(record_id)
        if normalized is None:
            raise RecordError(
                "MALFORMED_ID", f"{sobject.name} ID: id value of incorrect type: "
                f"{record_id}", ["Id"]
            )  # fmt: skip
        row = self.get(sobject, normalized)
        if row is None or not normalized.startswith(sobject.key_prefix):
            raise RecordError("NOT_FOUND", "The requested resource does not exist")
        if row["IsDeleted"]:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
        return normalized, row

    def update(
        self, sobject: SObjectDef, record_id: str, values: Row, *, api: bool
    ) -> str:
        """Change fields of one live record; returns its 18-character id."""
        with self.lock:
            normalized, row = self.locate(sobject, record_id)
            explicit = self._convert(sobject, values, api=api, creating=False)
            row.update(explicit)
            self._derive(sobject, row, explicit)
            self._check_required(sobject, row)
            self._check_references(sobject, {k: row[k] for k in explicit})
            now = format_datetime(utc_now())
            row["LastModifiedDate"] = row["SystemModstamp"] = now
            self._write_row(sobject, normalized, row)
        return normalized

    def set_deleted(self, sobject: SObjectDef, record_id: str) -> str:
        """Move a live record to the recycle bin (IsDeleted = true)."""
        with self.lock:
            normalized, row = self.locate(sobject, record_id)
            row["IsDeleted"] = 1
            row["LastModifiedDate"] = row["SystemModstamp"] = format_datetime(utc_now())
            self._write_row(sobject, normalized, row)
        return normalized

    def _write_row(self, sobject: SObjectDef, record_id: str, row: Row) -> None:
        names = [n for n in row if n != "Id"]
        assignments = ", ".join(f"{quote(n)} = ?" for n in names)
        self._db.execute(
            f'UPDATE {quote(sobject.name)} SET {assignments} WHERE "Id" = ?',  # noqa: S608 - names come from the schema
            [*(row[n] for n in names), record_id],
        )

    def _chain_dated_rates(self) -> None:
        rows = self._db.execute(
            'SELECT "Id", "IsoCode", "StartDate" FROM "DatedConversionRate" '
            'WHERE "IsDeleted" = 0 ORDER BY "IsoCode", "StartDate"'
        ).fetchall()
        for current, following in zip(rows, [*rows[1:], None], strict=True):
            same_code = following is not None and following[1] == current[1]
            self._db.execute(
                'UPDATE "DatedConversionRate" SET "NextStartDate" = ? WHERE "Id" = ?',
                (following[2] if same_code and following else None, current[0]),
            )
