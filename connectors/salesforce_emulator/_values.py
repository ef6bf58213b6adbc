"""Check and convert field values between the wire, SQLite and CSV.

SQLite holds text types as TEXT, numbers as REAL or INTEGER, booleans as
0/1, dates as ``YYYY-MM-DD`` and datetimes as fixed-width UTC text
(``2024-03-10T08:15:00.000+0000``), so text order is time order.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from connectors.salesforce_emulator._errors import RecordError
from connectors.salesforce_emulator._ids import normalize_id
from connectors.salesforce_emulator._schema import FieldDef, FieldType

__all__ = [
    "format_datetime",
    "parse_datetime",
    "to_csv",
    "to_json",
    "to_storage",
    "utc_now",
]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$"
)


def utc_now() -> dt.datetime:
    """The current time in UTC, at Salesforce's millisecond precision."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_datetime(value: dt.datetime) -> str:
    """Salesforce's JSON datetime form: UTC, milliseconds, offset without colon."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> dt.datetime | None:
    """An aware datetime from ISO-8601 text (no offset means UTC); None if invalid."""
    match = _DATETIME.match(text.strip())
    if match is None:
        return None
    date, time, fraction, offset = match.groups()
    fraction = (fraction or ".0")[1:7].ljust(6, "0")
    zone = "+0000" if offset in (None, "Z") else offset.replace(":", "")
    try:
        return dt.datetime.strptime(
            f"{date}T{time}.{fraction}{zone}", "%Y-%m-%dT%H:%M:%S.%f%z"
        )
    except ValueError:
        return None


def _bad_type(field: FieldDef, value: object) -> RecordError:
    return RecordError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{field.label or field.name}: value not of required type: {value}",
        [field.name],
    )


def _text(field: FieldDef, value: object) -> str:
    if not isinstance(value, str):
        raise _bad_type(field, value)
    if field.type is FieldType.REFERENCE:
        normalized = normalize_id(value)
        if normalized is None:
            raise RecordError(
                "MALFORMED_ID",
                f"{field.label or field.name}: id value of incorrect type: {value}",
                [field.name],
            )
        return normalized
    if field.length and len(value) > field.length:
        raise RecordError(
            "STRING_TOO_LONG",
            f"{field.label or field.name}: data value too large: "
            f"{value[:80]} (max length={field.length})",
            [field.name],
        )
    if field.restricted and value not in field.picklist:
        raise RecordError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{field.label or field.name}: bad value for restricted picklist "
            f"field: {value}",
            [field.name],
        )
    return value


def _number(field: FieldDef, value: object) -> float | int:
    if isinstance(value, bool):
        raise _bad_type(field, value)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise _bad_type(field, value) from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad_type(field, value)
    if field.type is FieldType.INT:
        if value != int(value):
            raise _bad_type(field, value)
        number: float | int = int(value)
    else:
        number = round(float(value), field.scale)
    integer_digits = (field.precision or 18) - field.scale
    if abs(number) >= 10**integer_digits:
        raise RecordError(
            "NUMBER_OUTSIDE_VALID_RANGE",
            f"{field.label or field.name}: value outside of valid range on numeric "
            f"field: {value}",
            [field.name],
        )
    return number


def _boolean(field: FieldDef, value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return int(value.lower() == "true")
    raise _bad_type(field, value)


def _date(field: FieldDef, value: object) -> str:
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise _bad_type(field, value)


def _datetime(field: FieldDef, value: object) -> str:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise _bad_type(field, value)
    return format_datetime(parsed)


def to_storage(field: FieldDef, value: object) -> object:
    """The SQLite value for an incoming one; raises RecordError like Salesforce."""
    if value is None:
        if not field.nillable:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{field.name}]",
                [field.name],
            )
        return None
    if field.type.is_text:
        return _text(field, value)
    if field.type.is_number or field.type is FieldType.INT:
        return _number(field, value)
    if field.type is FieldType.BOOLEAN:
        return _boolean(field, value)
    if field.type is FieldType.DATE:
        return _date(field, value)
    return _datetime(field, value)


def to_json(field: FieldDef, value: object) -> Any:
    """The JSON value Salesforce sends for a stored one."""
    if value is None:
        return None
    if field.type is FieldType.BOOLEAN:
        return bool(value)
    if field.type.is_number:
        return float(value)  # type: ignore[arg-type]
    return value


def to_csv(field: FieldDef, value: object) -> str:
    """The Bulk API 2.0 CSV cell for a stored value (empty for null)."""
    if value is None:
        return ""
    if field.type is FieldType.BOOLEAN:
        return "true" if value else "false"
    if field.type is FieldType.DATETIME:
        # Bulk results write datetimes with a "Z" suffix, unlike REST JSON.
        return str(value).replace("+0000", "Z")
    if field.type.is_number:
        return repr(float(value))  # type: ignore[arg-type]
    return str(value)
