"""What a write sends and how its answers are read — pure, no network.

Values leave the frames in Salesforce's own forms: picklist segments as
"1".."9", currency rounded to cents, wallet share as a 0-100 percent,
datetimes as ``2017-12-31T00:00:00.000+0000``; never a ``Decimal`` (JSON
cannot carry one) and never NaN. Collections answers are matched to the
records sent by position; Bulk failures by ``sf__Id``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import polars as pl

from connectors.base import WriteFailure
from connectors.fields import CURRENCY_DECIMALS, PERCENT_DECIMALS, ratio_to_percent
from connectors.salesforce._classify import RETRIABLE_RECORD_CODES, error_code
from mkp_core import OUTPUT_FIELDS

__all__ = [
    "BULK_LINE_ENDING",
    "BULK_NULL",
    "Outcome",
    "WireRecord",
    "bulk_csv_jobs",
    "bulk_outcome",
    "collection_outcome",
    "collections_payload",
    "wire_records",
]

BULK_NULL = "#N/A"  # Bulk API 2.0: an empty cell means "leave unchanged"
BULK_LINE_ENDING = "\r\n"  # declared to the ingest job as lineEnding CRLF


@dataclasses.dataclass(frozen=True)
class WireRecord:
    """One record's changed fields, by API name, in JSON-ready values."""

    record_id: str
    values: Mapping[str, str | float | None]


@dataclasses.dataclass
class Outcome:
    """What happened to some records: written, refused, or locked (retry)."""

    written: int = 0
    failures: list[WriteFailure] = dataclasses.field(default_factory=list)
    locked: list[tuple[WireRecord, WriteFailure]] = dataclasses.field(
        default_factory=list
    )


_WIRE_EXPRESSIONS: dict[str, pl.Expr] = {
    "segment": pl.col("segment").cast(pl.String),
    "previous_segment": pl.col("previous_segment").cast(pl.String),
    "potential": pl.col("potential").round(CURRENCY_DECIMALS),
    "wallet_share": ratio_to_percent(pl.col("wallet_share")).round(PERCENT_DECIMALS),
    "segment_changed_at": pl.col("segment_changed_at").dt.strftime(
        "%Y-%m-%dT%H:%M:%S.%3f+0000"
    ),
}


def wire_records(updates: pl.DataFrame, fields: Mapping[str, str]) -> list[WireRecord]:
    """One WireRecord per update row with at least one changed field."""
    wire = updates.select(
        "record_id",
        "changed",
        *(_WIRE_EXPRESSIONS.get(f, pl.col(f)).alias(f) for f in OUTPUT_FIELDS),
    )
    records = []
    for row in wire.iter_rows(named=True):
        wanted = set(row["changed"] or ())
        changed = [f for f in OUTPUT_FIELDS if f in wanted]
        if changed:
            values = {fields[f]: _json_value(row[f]) for f in changed}
            records.append(WireRecord(row["record_id"], values))
    return records


def collections_payload(sobject: str, records: Sequence[WireRecord]) -> dict[str, Any]:
    """The sObject Collections PATCH body; a bad record never sinks the rest."""
    return {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": sobject}, "id": r.record_id, **r.values}
            for r in records
        ],
    }


def collection_outcome(
    records: Sequence[WireRecord], results: Sequence[Any]
) -> Outcome:
    """Match Collections results to the records sent, by position."""
    outcome = Outcome()
    for record, result in zip(records, results, strict=True):
        if result.get("success"):
            outcome.written += 1
            continue
        errors = result.get("errors") or [{}]
        failure = WriteFailure(
            record.record_id,
            error_code(errors) or "UNKNOWN_ERROR",
            str(errors[0].get("message", "")),
            tuple(errors[0].get("fields") or ()),
        )
        _add_failure(outcome, record, failure)
    return outcome


def bulk_csv_jobs(
    records: Sequence[WireRecord], max_bytes: int
) -> Iterator[tuple[str, list[WireRecord]]]:
    """CSV bodies of at most ``max_bytes`` each, with the records each holds."""
    columns = _columns(records)
    line_of = _CsvLines()
    header = line_of(["Id", *columns])
    body, size = [header], len(header.encode())
    batch: list[WireRecord] = []
    for record in records:
        line = line_of([record.record_id, *(_cell(record, c) for c in columns)])
        if batch and size + len(line.encode()) > max_bytes:
            yield "".join(body), batch
            body, size, batch = [header], len(header.encode()), []
        body.append(line)
        size += len(line.encode())
        batch.append(record)
    if batch:
        yield "".join(body), batch


def bulk_outcome(
    records: Sequence[WireRecord], failed_csv: str, unprocessed_csv: str
) -> Outcome:
    """Match a finished ingest job's failed and unprocessed rows by record id."""
    by_id = {r.record_id: r for r in records}
    outcome = Outcome()
    for row in _csv_rows(failed_csv):
        record_id = row.get("sf__Id") or row.get("Id") or ""
        failure = _bulk_failure(record_id, row.get("sf__Error") or "")
        _add_failure(outcome, by_id.get(record_id), failure)
    for row in _csv_rows(unprocessed_csv):
        outcome.failures.append(
            WriteFailure(
                row.get("Id") or "",
                "BULK_UNPROCESSED",
                "the Bulk job stopped before this record",
            )
        )
    outcome.written = len(records) - len(outcome.failures) - len(outcome.locked)
    return outcome


def _add_failure(
    outcome: Outcome, record: WireRecord | None, failure: WriteFailure
) -> None:
    if record is not None and failure.code in RETRIABLE_RECORD_CODES:
        outcome.locked.append((record, failure))
    else:
        outcome.failures.append(failure)


def _bulk_failure(record_id: str, error: str) -> WriteFailure:
    # sf__Error reads CODE:message:fields, with "--" for no fields; the
    # message itself may contain colons.
    code, _, rest = error.partition(":")
    message, _, fields = rest.rpartition(":") if rest.count(":") else (rest, "", "")
    names = tuple(f for f in fields.split(",") if f and f != "--")
    return WriteFailure(record_id, code.strip() or "UNKNOWN_ERROR", message, names)


def _columns(records: Sequence[WireRecord]) -> list[str]:
    seen = dict.fromkeys(api for r in records for api in r.values)
    return list(seen)


def _cell(record: WireRecord, api: str) -> str:
    if api not in record.values:
        return ""
    value = record.values[api]
    return BULK_NULL if value is None else str(value)


class _CsvLines:
    """One CSV line at a time, so a job body can be cut at a byte limit
    between records.

    Lines end in CRLF because the csv module quotes only the characters of
    its line terminator: with LF alone, a value holding a bare CR would go
    out unquoted and split its row."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator=BULK_LINE_ENDING)

    def __call__(self, cells: list[str]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue()


def _csv_rows(text: str) -> Iterator[dict[str, str]]:
    if text.strip():
        yield from csv.DictReader(io.StringIO(text, newline=""))


def _json_value(value: Any) -> str | float | None:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)
