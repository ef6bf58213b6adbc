"""The results file, which plays the CRM's part between runs.

Salesforce keeps the values written last night on the records; with CSV
exports this file does. It is read back as the ``crm_*`` columns, and each
batch of updates is merged into it: rows of other records are kept, a
record's unchanged fields keep their stored values, and the file is replaced
atomically (temporary file, then rename) so a run killed mid-write leaves the
previous file whole.

Values are compared and stored at the CRM's scale: currency to cents, wallet
share as a Percent with two decimals, date-times to the millisecond.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from connectors.base import Extract, WriteFailure, WriteResult
from connectors.csv._parse import ReadOptions, read_table
from connectors.csv._tables import OUTPUT_SCHEMA, output_spec
from connectors.errors import ConfigurationError
from connectors.fields import (
    CURRENCY_DECIMALS,
    OBJECT_NAMES,
    PERCENT_DECIMALS,
    PERCENT_FIELDS,
    percent_to_ratio,
    ratio_to_percent,
)
from mkp_core import ISSUE_SCHEMA, OUTPUT_FIELDS, RecordKind, crm_column, empty_frame

logger = logging.getLogger(__name__)

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.3fZ"
_KEY = ["object", "record_id"]


class OutputFile:
    """Reads and merges the results CSV for one profile."""

    def __init__(
        self,
        path: Path,
        field_names: Mapping[str, str],
        *,
        delimiter: str = ",",
        bom: bool = False,
    ) -> None:
        self.path = path
        self._spec = output_spec(field_names)
        self._delimiter = delimiter
        self._bom = bom

    def read(self) -> Extract:
        """Every stored row (accounts and leads), last row winning per record.

        Raises ``ConfigurationError`` when the results path is a directory.
        """
        if self.path.is_dir():
            raise ConfigurationError(
                f"The results path {self.path} is a directory; name a file, "
                f"e.g. {self.path / 'mkp-scored.csv'}"
            )
        if not self.path.exists():
            return Extract(empty_frame(OUTPUT_SCHEMA))
        options = ReadOptions(
            sources=self._spec.headers,
            must_exist=frozenset(),
            delimiter=self._delimiter,
        )
        extract = read_table(self.path, self._spec, options)
        frame = extract.frame.unique(subset=_KEY, keep="last", maintain_order=True)
        issues = extract.issues.filter(pl.col("reason") != "empty_file")
        if frame.height:
            issues = pl.concat([issues, self._missing_column_issues()])

        return Extract(frame, issues)

    def _missing_column_issues(self) -> pl.DataFrame:
        """One issue per output column the file lacks (removed by hand, say).

        Its stored values then read as empty and every record is written
        again, which restarts the segment history: that must not pass unseen.
        """
        with self.path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            header = next(csv.reader(f, delimiter=self._delimiter), [])
        present = {name.strip() for name in header}
        missing = [self._spec.headers[f] for f in OUTPUT_FIELDS]
        missing = [name for name in missing if name not in present]
        rows = [
            {
                "object": None,
                "record_id": None,
                "field": name,
                "reason": "missing_column",
                "message": (
                    f"{self.path.name} has no column {name}; its stored values "
                    "are taken as empty and every record's is written again"
                ),
            }
            for name in missing
        ]

        return pl.DataFrame(rows, schema=ISSUE_SCHEMA)

    def state(self, kind: RecordKind) -> Extract:
        """The stored values of one object as ``record_id`` plus ``crm_*`` columns.

        Issues about the file rather than an object's record (a malformed
        row, text that is not UTF-8) come with the accounts, read every run.
        """
        stored = self.read()
        object_name = OBJECT_NAMES[kind]
        frame = stored.frame.filter(pl.col("object") == object_name).select(
            "record_id", *(pl.col(f).alias(crm_column(f)) for f in OUTPUT_FIELDS)
        )
        mine = pl.col("object") == object_name
        if kind is RecordKind.ACCOUNT:
            mine = mine | pl.col("object").is_null()
        issues = stored.issues.filter(mine)

        return Extract(frame, issues)

    def write(
        self, kind: RecordKind, updates: pl.DataFrame, names: pl.DataFrame
    ) -> WriteResult:
        """Merge a batch of updates into the file; ``written`` counts real changes.

        ``names`` (``record_id``, ``name``) fills the Name column when the
        updates carry no names of their own.
        """
        valid = updates.filter(pl.col("record_id").is_not_null())
        failures = [
            WriteFailure("", "MISSING_ID", "an update without a record id was skipped")
        ] * (updates.height - valid.height)
        batch = _batch(valid, names)

        stored = self.read().frame
        merged, written = _merge(stored, batch, OBJECT_NAMES[kind])
        if written:
            self._replace(merged)
        logger.info("Wrote %d changed %s records to %s", written, kind, self.path)

        return WriteResult(attempted=updates.height, written=written, failures=failures)

    def _replace(self, merged: pl.DataFrame) -> None:
        """Write to a temporary file beside the target, then rename over it.

        Raises ``ConfigurationError`` naming the path and the system's reason
        when the file cannot be written there.
        """
        try:
            self._write_then_rename(merged)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigurationError(
                f"Cannot write the results file {self.path}: {reason}; "
                "choose a writable location with --output or the profile's output"
            ) from exc

    def _write_then_rename(self, merged: pl.DataFrame) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        os.close(handle)
        try:
            _as_written(merged, self._spec.headers).write_csv(
                temporary,
                separator=self._delimiter,
                include_bom=self._bom,
                datetime_format=_DATETIME_FORMAT,
            )
            os.chmod(temporary, 0o644)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


def _batch(updates: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """The updates as ``record_id``, ``name``, output fields and ``changed``.

    A batch without ``changed`` sends every field. The first row per record
    is used, for updates and names alike, as the scoring model keeps the
    first of duplicate records.
    """
    fields = [
        pl.col(f).cast(OUTPUT_SCHEMA[f]) if f in updates.columns else _null(f)
        for f in OUTPUT_FIELDS
    ]
    changed = (
        pl.col("changed")
        if "changed" in updates.columns
        else pl.lit(list(OUTPUT_FIELDS), pl.List(pl.String()))
    )
    own_name = pl.col("name") if "name" in updates.columns else _null("name")
    batch = updates.select(
        "record_id", own_name.alias("own_name"), *fields, changed.alias("changed")
    ).unique(subset="record_id", keep="first", maintain_order=True)
    known = names.select("record_id", pl.col("name").alias("known_name")).unique(
        subset="record_id", keep="first", maintain_order=True
    )

    return (
        batch.join(known, on="record_id", how="left", maintain_order="left")
        .with_columns(name=pl.coalesce("own_name", "known_name"))
        .drop("own_name", "known_name")
        .with_columns(_canonical(f) for f in OUTPUT_FIELDS)
    )


def _merge(
    stored: pl.DataFrame, batch: pl.DataFrame, object_name: str
) -> tuple[pl.DataFrame, int]:
    """The stored rows with the batch applied, and how many records changed.

    Stored rows keep their place in the file; new records follow in batch order.
    """
    positioned = stored.with_row_index("_position")
    previous = positioned.filter(pl.col("object") == object_name).select(
        "_position",
        "record_id",
        pl.col("name").alias("name_old"),
        *(_canonical(f).alias(f"{f}_old") for f in OUTPUT_FIELDS),
        _stored=pl.lit(True),
    )
    joined = batch.join(previous, on="record_id", how="left", maintain_order="left")
    rows = _applied(joined, first_new_position=stored.height).with_columns(
        object=pl.lit(object_name)
    )

    written = int(rows["_differs"].sum())
    untouched = positioned.join(rows.select(_KEY), on=_KEY, how="anti")
    merged = pl.concat([untouched, rows.select("_position", *OUTPUT_SCHEMA)])

    return merged.sort("_position").drop("_position"), written


def _applied(joined: pl.DataFrame, first_new_position: int) -> pl.DataFrame:
    """Each batch row's final values and whether they differ from the stored ones.

    A stored record takes only its ``changed`` fields from the batch, as a CRM
    update would; a new record takes them all.
    """
    stored = pl.col("_stored").fill_null(False)
    final = [
        pl.when(stored & ~pl.col("changed").list.contains(f).fill_null(True))
        .then(pl.col(f"{f}_old"))
        .otherwise(pl.col(f))
        .alias(f)
        for f in OUTPUT_FIELDS
    ]
    differs = pl.any_horizontal(
        pl.col(f).ne_missing(pl.col(f"{f}_old")) for f in OUTPUT_FIELDS
    )
    new_position = first_new_position + pl.int_range(pl.len(), dtype=pl.UInt32)

    return joined.with_columns(final).with_columns(
        name=pl.coalesce("name", "name_old"),
        _differs=~stored | differs,
        _position=pl.coalesce("_position", new_position),
    )


def _canonical(field: str) -> pl.Expr:
    """A field at the scale the CRM stores, so equal values compare equal."""
    value = pl.col(field)
    if field in PERCENT_FIELDS:
        return percent_to_ratio(_rounded(ratio_to_percent(value), PERCENT_DECIMALS))
    if field == "potential":
        return _rounded(value, CURRENCY_DECIMALS)
    if isinstance(OUTPUT_SCHEMA[field], pl.Datetime):
        return value.dt.truncate("1ms")
    return value


def _as_written(merged: pl.DataFrame, headers: Mapping[str, str]) -> pl.DataFrame:
    """The frame as stored: Percent fields as 0-100 and CRM headers."""
    percents = [
        _rounded(ratio_to_percent(pl.col(f)), PERCENT_DECIMALS) for f in PERCENT_FIELDS
    ]
    return merged.with_columns(percents).rename(dict(headers))


def _rounded(value: pl.Expr, decimals: int) -> pl.Expr:
    # Salesforce rounds half away from zero when it stores a number.
    return value.round(decimals, mode="half_away_from_zero")


def _null(field: str) -> pl.Expr:
    return pl.lit(None, OUTPUT_SCHEMA[field]).alias(field)
