"""Turning Salesforce field text into typed frame columns, column by column.

Both read paths end here with a frame of strings named by neutral column:
REST records (amounts parsed as exact ``Decimal`` and printed back) and Bulk
CSV pages. A value that cannot be parsed becomes null and one issue row
(``mkp_core.ISSUE_SCHEMA``); nothing here raises on bad data.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from connectors.fields import percent_to_ratio
from connectors.salesforce._soql import ReadSpec, ValueKind
from mkp_core import ISSUE_SCHEMA

__all__ = ["csv_page_frame", "issue_rows", "records_frame", "typed_frame"]

# Reason keys shared with the CSV connector, so run reports count alike.
_REASONS: dict[ValueKind, tuple[str, str]] = {
    ValueKind.NUMBER: ("non_numeric_value", "is not a number"),
    ValueKind.MONEY: ("non_numeric_amount", "is not an amount"),
    ValueKind.PERCENT: ("non_numeric_percent", "is not a percentage"),
    ValueKind.SEGMENT: ("invalid_segment", "is not a segment number 1-9"),
    ValueKind.DATETIME: ("unparseable_datetime", "is not a date and time"),
    ValueKind.DATE: ("unparseable_date", "is not a date (YYYY-MM-DD)"),
    ValueKind.BOOLEAN: ("invalid_boolean", "is not true or false"),
}


def records_frame(spec: ReadSpec, records: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """REST query records as a frame of strings, one column per spec column."""
    rows = list(records)
    data = {
        column: [_text(_lookup(record, api)) for record in rows]
        for column, (api, _) in spec.columns.items()
    }
    return pl.DataFrame(data, schema=dict.fromkeys(spec.columns, pl.String()))


def csv_page_frame(spec: ReadSpec, page: str) -> pl.DataFrame:
    """One Bulk API 2.0 result page (CSV with a header row) as strings."""
    names = {api.lower(): column for column, (api, _) in spec.columns.items()}
    if not page.strip():
        return pl.DataFrame(schema=dict.fromkeys(spec.columns, pl.String()))
    raw = pl.read_csv(io.StringIO(page), infer_schema=False)
    frame = raw.rename({name: names.get(name.lower(), name) for name in raw.columns})
    return frame.select(
        pl.col(c) if c in frame.columns else pl.lit(None, pl.String()).alias(c)
        for c in spec.columns
    )


def typed_frame(spec: ReadSpec, raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The frame in the spec's types, plus an issue row for every unparsable value."""
    raw = raw.with_columns(
        pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)).alias(c)
        for c in spec.columns
    )
    typed = raw.with_columns(
        _parse(pl.col(column), kind).alias(column)
        for column, (_, kind) in spec.columns.items()
    )
    issues = [
        _unparsed(spec, raw, typed, column)
        for column, (_, kind) in spec.columns.items()
        if kind in _REASONS
    ]

    return typed, pl.concat([issue_rows([]), *issues])


def issue_rows(rows: Iterable[Mapping[str, str | None]]) -> pl.DataFrame:
    """Issue rows (dicts keyed like ``ISSUE_SCHEMA``) as an issues frame."""
    return pl.DataFrame(list(rows), schema=ISSUE_SCHEMA)


def _parse(value: pl.Expr, kind: ValueKind) -> pl.Expr:
    if kind is ValueKind.TEXT:
        return value
    if kind is ValueKind.BOOLEAN:
        lowered = value.str.to_lowercase()
        return pl.when(lowered.is_in(["true", "false"])).then(lowered == "true")
    if kind is ValueKind.DATE:
        return value.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    if kind is ValueKind.DATETIME:
        return _datetime(value)
    number = _finite(value.str.strip_chars().cast(pl.Float64, strict=False))
    if kind is ValueKind.PERCENT:
        return percent_to_ratio(number)
    if kind is ValueKind.SEGMENT:
        whole = (number == number.floor()) & number.is_between(1, 9)
        return pl.when(whole).then(number).cast(pl.Int8)
    return number


def _finite(number: pl.Expr) -> pl.Expr:
    return pl.when(number.is_finite()).then(number)


def _datetime(value: pl.Expr) -> pl.Expr:
    # Salesforce writes +0000 in JSON and Z in Bulk CSV; chrono's %z wants
    # +hhmm, so both (and +hh:mm) are brought to that form first.
    offset = (
        value.str.strip_chars()
        .str.replace(r"Z$", "+0000")
        .str.replace(r"([+-]\d{2}):(\d{2})$", "${1}${2}")
    )
    return offset.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%z", time_unit="us", time_zone="UTC", strict=False
    )


def _unparsed(
    spec: ReadSpec, raw: pl.DataFrame, typed: pl.DataFrame, column: str
) -> pl.DataFrame:
    api, kind = spec.columns[column]
    reason, why = _REASONS[kind]
    bad = raw[column].is_not_null() & typed[column].is_null()
    ids = raw[spec.id_column].filter(bad)
    values = raw[column].filter(bad)
    return issue_rows(
        {
            "object": spec.sobject,
            "record_id": record_id,
            "field": api,
            "reason": reason,
            "message": f"{spec.sobject} {record_id}: {api} {value[:80]!r} {why}; "
            "the value is left empty",
        }
        for record_id, value in zip(ids, values, strict=True)
    )


def _lookup(record: Mapping[str, Any], api: str) -> Any:
    value: Any = record
    for part in api.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value[part] if part in value else _ignoring_case(value, part)
    return value


def _ignoring_case(record: Mapping[str, Any], name: str) -> Any:
    # Salesforce answers with the field's canonical spelling, whatever the
    # case in the query (and so in the settings).
    wanted = name.lower()
    return next((v for k, v in record.items() if k.lower() == wanted), None)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
