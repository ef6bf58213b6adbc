"""Reading one CSV file into a typed frame plus the issues met on the way.

Every cell is read as text, trimmed (a blank cell is null), then cast with
``strict=False``: a cell that held text but cast to null is a bad value, kept
as null in the frame and reported as an issue row. The file is scanned lazily
and only the mapped columns are materialised, so a wide export costs no more
memory than the columns the product uses.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from connectors.base import Extract
from connectors.csv._tables import TableSpec, ValueKind
from connectors.errors import InputFileError
from connectors.fields import percent_to_ratio
from mkp_core import ISSUE_SCHEMA, empty_frame

logger = logging.getLogger(__name__)

ROW_COLUMN = "_row"
# Spreadsheet numbering: the header is row 1, so the first record is row 2.
_FIRST_DATA_ROW = 2
# Files this small are checked for holding nothing but a BOM and blank lines.
_SMALL_FILE_BYTES = 4096
_RAW_VALUE_CHARS = 40

_BOOLEAN_WORDS: dict[str, bool] = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "t": True,
    "f": False,
}

# Salesforce writes "2024-01-31T09:30:00.000+0000"; this product writes "...Z".
_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%.f%z")

_PROBLEMS: dict[ValueKind, str] = {
    ValueKind.AMOUNT: "is not a number",
    ValueKind.NUMBER: "is not a number",
    ValueKind.PERCENT: "is not a number",
    ValueKind.SEGMENT: "is not a segment number 1-9",
    ValueKind.DATE: "does not match the date format",
    ValueKind.DATETIME: "is not an ISO 8601 date-time",
    ValueKind.BOOLEAN: "is not true or false",
}


@dataclasses.dataclass(frozen=True)
class ReadOptions:
    """How to read one file: which header holds each field, and value rules.

    ``sources`` maps each neutral field to read onto its header; a field not
    in it is null. Headers of ``must_exist`` fields are checked first.
    """

    sources: Mapping[str, str]
    must_exist: frozenset[str]
    date_format: str = "%Y-%m-%d"
    delimiter: str = ","
    scales: Mapping[str, float] = dataclasses.field(default_factory=dict)
    value_maps: Mapping[str, Mapping[str, str]] = dataclasses.field(
        default_factory=dict
    )


def read_table(path: Path, spec: TableSpec, options: ReadOptions) -> Extract:
    """The file as a frame in ``spec.schema`` plus one issue per bad cell.

    Raises ``InputFileError`` when the file is missing, unreadable as CSV, or
    lacks a required column.
    """
    if not path.is_file():
        raise InputFileError(f"{path}: input file not found")
    if _holds_nothing(path):
        return Extract(empty_frame(dict(spec.schema)), _empty_file_issue(path, spec))

    scan = pl.scan_csv(
        path, infer_schema=False, separator=options.delimiter, encoding="utf8-lossy"
    )
    headers = _present_headers(path, spec, options, _header(path, scan))
    parsed = _collect(path, _parse(scan, spec, options, headers))

    issues = _bad_value_issues(parsed, path, spec, options, headers)
    parsed, missing_ids = _rows_with_id(parsed, path, spec, headers)
    issues = pl.concat([issues, missing_ids])
    if parsed.height == 0:
        issues = pl.concat([issues, _empty_file_issue(path, spec)])
    logger.debug("Read %d rows from %s (%d issues)", parsed.height, path, issues.height)

    return Extract(_conform(parsed, spec), issues)


def _holds_nothing(path: Path) -> bool:
    if path.stat().st_size > _SMALL_FILE_BYTES:
        return False
    return not path.read_bytes().removeprefix(b"\xef\xbb\xbf").strip()


def _header(path: Path, scan: pl.LazyFrame) -> list[str]:
    try:
        return scan.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise InputFileError(f"{path}: cannot be read as CSV: {exc}") from exc


def _present_headers(
    path: Path, spec: TableSpec, options: ReadOptions, header: Sequence[str]
) -> dict[str, str]:
    """Neutral field -> actual header, for the mapped fields found in the file.

    Headers match after trimming spaces, as spreadsheets often pad them.
    """
    actual = {name.strip(): name for name in header}
    present: dict[str, str] = {}
    for field, source in options.sources.items():
        if source.strip() in actual:
            present[field] = actual[source.strip()]
        elif field in options.must_exist or field in spec.required:
            raise InputFileError(
                f"{path}: required column {source!r} ({field}) is missing; "
                f"the header has {', '.join(repr(h) for h in header)}"
            )

    return present


def _parse(
    scan: pl.LazyFrame,
    spec: TableSpec,
    options: ReadOptions,
    headers: Mapping[str, str],
) -> pl.LazyFrame:
    """Text columns -> typed columns, plus ``_bad_<field>`` holding failed text."""
    texts = [_cleaned(pl.col(header)).alias(field) for field, header in headers.items()]
    typed: list[pl.Expr] = []
    for field in headers:
        kind = spec.kinds[field]
        text = pl.col(field)
        value = _typed(text, kind, options, field)
        typed.append(value.alias(field))
        if kind is not ValueKind.TEXT:
            failed = text.is_not_null() & value.is_null()
            typed.append(pl.when(failed).then(text).alias(f"_bad_{field}"))

    return (
        scan.with_row_index(ROW_COLUMN, offset=_FIRST_DATA_ROW)
        .select(pl.col(ROW_COLUMN), *texts)
        .with_columns(typed)
    )


def _cleaned(text: pl.Expr) -> pl.Expr:
    trimmed = text.str.strip_chars()
    return pl.when(trimmed != "").then(trimmed)


def _typed(text: pl.Expr, kind: ValueKind, options: ReadOptions, field: str) -> pl.Expr:
    if kind is ValueKind.TEXT:
        value_map = options.value_maps.get(field)
        return text.replace(dict(value_map)) if value_map else text
    if kind is ValueKind.DATE:
        return text.str.to_date(options.date_format, strict=False)
    if kind is ValueKind.DATETIME:
        return pl.coalesce(
            [
                text.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False)
                for fmt in _DATETIME_FORMATS
            ]
        )
    if kind is ValueKind.BOOLEAN:
        return text.str.to_lowercase().replace_strict(
            _BOOLEAN_WORDS, default=None, return_dtype=pl.Boolean
        )

    number = text.cast(pl.Float64, strict=False)
    number = pl.when(number.is_finite()).then(number)
    if kind is ValueKind.SEGMENT:
        whole = number.is_between(1, 9) & (number == number.floor())
        return pl.when(whole).then(number).cast(pl.Int8)
    if kind is ValueKind.PERCENT:
        return percent_to_ratio(number)
    return number * options.scales.get(field, 1.0)


def _collect(path: Path, frame: pl.LazyFrame) -> pl.DataFrame:
    try:
        return frame.collect()
    except pl.exceptions.PolarsError as exc:
        raise InputFileError(f"{path}: cannot be read as CSV: {exc}") from exc


def _bad_value_issues(
    parsed: pl.DataFrame,
    path: Path,
    spec: TableSpec,
    options: ReadOptions,
    headers: Mapping[str, str],
) -> pl.DataFrame:
    frames = [empty_frame(ISSUE_SCHEMA)]
    for field, header in headers.items():
        kind = spec.kinds[field]
        if kind is ValueKind.TEXT:
            continue
        problem = _PROBLEMS[kind]
        if kind is ValueKind.DATE:
            problem = f"{problem} {options.date_format}"
        bad = pl.col(f"_bad_{field}")
        rows = parsed.filter(bad.is_not_null())
        frames.append(
            rows.select(
                object=_object(spec),
                record_id=_record_id(spec),
                field=pl.lit(header),
                reason=pl.lit(kind.value),
                message=pl.format(
                    "{} row {}: {} '{}' {}; the value is left empty",
                    pl.lit(path.name),
                    pl.col(ROW_COLUMN),
                    pl.lit(header),
                    bad.str.slice(0, _RAW_VALUE_CHARS),
                    pl.lit(problem),
                ),
            )
        )

    return pl.concat(frames)


def _rows_with_id(
    parsed: pl.DataFrame, path: Path, spec: TableSpec, headers: Mapping[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows that can be matched to a record; the others become issues."""
    if spec.keep_rows_without_id or spec.id_field not in headers:
        return parsed, empty_frame(ISSUE_SCHEMA)

    header = headers[spec.id_field]
    missing = pl.col(spec.id_field).is_null()
    issues = parsed.filter(missing).select(
        object=_object(spec),
        record_id=_record_id(spec),
        field=pl.lit(header),
        reason=pl.lit("missing_id"),
        message=pl.format(
            "{} row {}: {} is blank; the row is skipped",
            pl.lit(path.name),
            pl.col(ROW_COLUMN),
            pl.lit(header),
        ),
    )

    return parsed.filter(~missing), issues


def _object(spec: TableSpec) -> pl.Expr:
    if spec.object_name is None:
        return pl.col("object")
    return pl.lit(spec.object_name)


def _record_id(spec: TableSpec) -> pl.Expr:
    return pl.coalesce(pl.col(spec.id_field), pl.format("row {}", pl.col(ROW_COLUMN)))


def _empty_file_issue(path: Path, spec: TableSpec) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "object": [spec.object_name],
            "record_id": [None],
            "field": [None],
            "reason": ["empty_file"],
            "message": [f"{path}: the file has no rows; nothing was read from it"],
        },
        schema=ISSUE_SCHEMA,
    )


def _conform(parsed: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Exactly the schema's columns, in order; unmapped fields are null."""
    return parsed.select(
        pl.col(field).cast(dtype)
        if field in parsed.columns
        else pl.lit(None, dtype).alias(field)
        for field, dtype in spec.schema.items()
    )
