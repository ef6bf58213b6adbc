"""Reading one CSV file into a typed frame plus the issues met on the way.

Every cell is read as text, trimmed (a blank cell is null), then cast with
``strict=False``: a cell that held text but cast to null is a bad value, kept
as null in the frame and reported as an issue row. The file is scanned lazily
and only the mapped columns are materialised, so a wide export costs no more
memory than the columns the product uses.

A file may be read in pages, each the records of a block of about
``page_bytes`` of the file (``read_table_pages``, ``_blocks``), so a file of
ten million deals is never held whole; each page carries the issues of its
own rows, and the last one the issues about the file (not UTF-8, no rows).

A file Polars refuses (a row with extra fields, a quote left open) is read
again record by record (``_rows``) from the row after the last page given:
each malformed row is skipped with a ``malformed_row`` issue and the rest is
read as usual, though whole into memory. Bytes that are not UTF-8 are read
as U+FFFD and reported once per file.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import polars as pl

from connectors.base import Extract, joined_pages
from connectors.csv._blocks import csv_blocks
from connectors.csv._file_issues import (
    REPLACEMENT,
    ROW_COLUMN,
    garbled_cells,
    issue_object,
    issue_record_id,
    malformed_row_issues,
    not_utf8_issue,
    not_utf8_remedy,
)
from connectors.csv._rows import MalformedRow, well_formed_copy
from connectors.csv._tables import TableSpec, ValueKind
from connectors.errors import InputFileError
from connectors.fields import percent_to_ratio
from mkp_core import ISSUE_SCHEMA, empty_frame

logger = logging.getLogger(__name__)

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
    """The file as a frame in ``spec.schema`` plus one issue per bad cell or row.

    Raises ``InputFileError`` when the file is missing, unreadable, or lacks
    a required column. Malformed rows (extra fields, quotes left open) are
    skipped with an issue each; the rest of the file is read.
    """
    return joined_pages(read_table_pages(path, spec, options), dict(spec.schema))


def read_table_pages(
    path: Path, spec: TableSpec, options: ReadOptions, *, page_bytes: int | None = None
) -> Iterator[Extract]:
    """``read_table`` in pages of the records in about ``page_bytes`` of the
    file (None: one page), then a last page of no rows with the issues about
    the whole file.

    ``InputFileError`` for a missing file or column is raised before the
    first page.
    """
    _check_is_file(path)
    if _holds_nothing(path):
        yield Extract(empty_frame(dict(spec.schema)), _empty_file_issue(path, spec))
        return
    headers = _present_headers(path, spec, options, _header(path, _scan(path, options)))
    pages = _Pages(path, spec, options, headers)

    sources = [path] if page_bytes is None else csv_blocks(path, page_bytes)
    for source in sources:
        parsed = pages.parse(source)
        if parsed is None:
            logger.info("%s: reading record by record (%s)", path, pages.refused)
            yield from pages.record_by_record(page_bytes)
            break
        yield pages.page(parsed)

    yield pages.last()


class _Pages:
    """Turns the parsed blocks of one file into pages, and keeps what the
    last page reports about the file as a whole."""

    def __init__(
        self,
        path: Path,
        spec: TableSpec,
        options: ReadOptions,
        headers: Mapping[str, str],
    ) -> None:
        self.path, self.spec, self.options = path, spec, options
        self.headers = headers
        self.refused: pl.exceptions.PolarsError | None = None
        self._rows_read = 0
        self._rows_kept = 0
        self._garbled = [garbled_cells(pl.DataFrame(), {})]

    def parse(self, source: Path | bytes) -> pl.DataFrame | None:
        """The next records typed, numbered after those before; None once
        Polars refused them (``refused`` then says why)."""
        first_row = _FIRST_DATA_ROW + self._rows_read
        rows = _scan(source, self.options).with_row_index(ROW_COLUMN, offset=first_row)
        try:
            parsed = _parse(rows, self.spec, self.options, self.headers).collect()
        except pl.exceptions.PolarsError as exc:
            self.refused = exc
            return None
        self._rows_read += parsed.height

        return parsed

    def page(
        self,
        parsed: pl.DataFrame,
        headers: Mapping[str, str] | None = None,
        malformed: Sequence[MalformedRow] = (),
    ) -> Extract:
        """Parsed records as a page, with their issues."""
        path, spec, headers = self.path, self.spec, headers or self.headers
        self._garbled.append(garbled_cells(parsed, _texts_as_read(spec, headers)))
        bad_values = _bad_value_issues(parsed, path, spec, self.options, headers)
        kept, missing_ids = _rows_with_id(parsed, path, spec, headers)
        self._rows_kept += kept.height
        issues = [malformed_row_issues(path, spec, malformed), bad_values, missing_ids]

        return Extract(_conform(kept, spec), pl.concat(issues))

    def record_by_record(self, page_bytes: int | None) -> Iterator[Extract]:
        """The records after the pages given, read record by record (whole)."""
        parsed, headers, malformed = _read_record_by_record(
            self.path, self.spec, self.options
        )
        last_row = _FIRST_DATA_ROW - 1 + self._rows_read
        rest = parsed.filter(pl.col(ROW_COLUMN) > last_row)
        malformed = [row for row in malformed if row.row > last_row]
        slices = _slices(rest, page_bytes)
        for index, batch in enumerate(slices):
            yield self.page(batch, headers, malformed if index == 0 else ())

    def last(self) -> Extract:
        """No rows; the file's own issues: not UTF-8, or no rows at all."""
        garbled = pl.concat(self._garbled)
        issues = [not_utf8_issue(garbled, self.path, self.spec)]
        if self._rows_kept == 0:
            issues.append(_empty_file_issue(self.path, self.spec))

        return Extract(empty_frame(dict(self.spec.schema)), pl.concat(issues))


def _slices(parsed: pl.DataFrame, page_bytes: int | None) -> list[pl.DataFrame]:
    """At least one slice, each about ``page_bytes`` in memory."""
    if page_bytes is None or parsed.height == 0:
        return [parsed]
    row_bytes = max(int(parsed.estimated_size()) // parsed.height, 1)
    return list(parsed.iter_slices(max(page_bytes // row_bytes, 1)))


def _texts_as_read(spec: TableSpec, headers: Mapping[str, str]) -> dict[str, str]:
    """Columns of the parsed frame holding text as read, with their headers."""
    return {
        field if spec.kinds[field] is ValueKind.TEXT else f"_bad_{field}": header
        for field, header in headers.items()
    }


def _check_is_file(path: Path) -> None:
    if path.is_dir():
        raise InputFileError(f"{path} is a directory, not a CSV file")
    if not path.is_file():
        raise InputFileError(f"{path}: input file not found")


def _read_record_by_record(
    path: Path, spec: TableSpec, options: ReadOptions
) -> tuple[pl.DataFrame, dict[str, str], list[MalformedRow]]:
    """The well-formed rows through a clean copy, and the malformed ones.

    The copy lives in a temporary directory only while Polars reads it.
    """
    with tempfile.TemporaryDirectory(prefix="mkp-csv-") as directory:
        copy = Path(directory) / path.name
        try:
            malformed = well_formed_copy(
                path, copy, delimiter=options.delimiter, row_column=ROW_COLUMN
            )
        except OSError as exc:
            raise InputFileError(f"{path}: cannot be read: {exc.strerror}") from exc
        scan = _scan(copy, options)
        header = [name for name in _header(path, scan) if name != ROW_COLUMN]
        headers = _present_headers(path, spec, options, header)
        rows = scan.with_columns(pl.col(ROW_COLUMN).cast(pl.UInt32))
        parsed = _collect(path, _parse(rows, spec, options, headers))
    if malformed:
        logger.warning("%s: %d malformed rows skipped", path, len(malformed))

    return parsed, headers, malformed


def _scan(source: Path | bytes, options: ReadOptions) -> pl.LazyFrame:
    return pl.scan_csv(
        source, infer_schema=False, separator=options.delimiter, encoding="utf8-lossy"
    )


def _holds_nothing(path: Path) -> bool:
    if path.stat().st_size > _SMALL_FILE_BYTES:
        return False
    return not path.read_bytes().removeprefix(b"\xef\xbb\xbf").strip()


def _header(path: Path, scan: pl.LazyFrame) -> list[str]:
    try:
        return scan.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise InputFileError(f"{path}: cannot be read as CSV: {exc}") from exc
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read: {exc.strerror}") from exc


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
                _missing_column(path, source, field, header, options.delimiter)
            )

    return present


def _missing_column(
    path: Path, source: str, field: str, header: Sequence[str], delimiter: str
) -> str:
    """Why a required column is missing; a header that was not UTF-8, or that
    is one column holding another delimiter, says so."""
    listed = ", ".join(repr(h) for h in header)
    if any(REPLACEMENT in name for name in header):
        return (
            f"{path}: required column {source!r} ({field}) cannot be found "
            f"because the file is not UTF-8 (its header reads {listed}); "
            f"{not_utf8_remedy()}"
        )
    other = _other_delimiter(header, delimiter)
    if other is not None:
        return (
            f"{path}: required column {source!r} ({field}) cannot be found "
            f"because the file looks {other!r}-separated (its header reads "
            f"{listed}); set delimiter = {other!r} in the profile"
        )
    return (
        f"{path}: required column {source!r} ({field}) is missing; "
        f"the header has {listed}"
    )


def _other_delimiter(header: Sequence[str], delimiter: str) -> str | None:
    """The delimiter a one-column header seems to use instead, if any."""
    if len(header) != 1:
        return None
    counts = {d: header[0].count(d) for d in ";\t|," if d != delimiter}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def _parse(
    rows: pl.LazyFrame,
    spec: TableSpec,
    options: ReadOptions,
    headers: Mapping[str, str],
) -> pl.LazyFrame:
    """Text columns -> typed columns, plus ``_bad_<field>`` holding failed text.

    ``rows`` carries each record's row number in ``ROW_COLUMN``.
    """
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

    return rows.select(pl.col(ROW_COLUMN), *texts).with_columns(typed)


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
                object=issue_object(spec),
                record_id=issue_record_id(spec),
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
        object=issue_object(spec),
        record_id=issue_record_id(spec),
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
