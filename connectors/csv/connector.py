"""The CSV connector: the product's embedded default when there is no CRM.

It reads CRM exports (Salesforce-shaped, or any CRM through a column mapping)
and writes the scores to a results CSV that it also reads back as the CRM's
current values, so repeated runs behave like runs against a real org: only
changed records are written, and the previous segment is remembered.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from connectors.base import (
    ApiUsage,
    Extract,
    FieldProblem,
    ProgressCallback,
    WriteResult,
)
from connectors.csv._currency import RecordAmounts, currency_code, record_rates
from connectors.csv._output import OutputFile
from connectors.csv._parse import ReadOptions, read_table, read_table_pages
from connectors.csv._tables import (
    RECORD_CURRENCY,
    CsvTable,
    TableSpec,
    ValueKind,
    table_spec,
)
from connectors.csv.profile import CsvProfile, CsvShape, StageMap
from connectors.errors import ConfigurationError, FatalError, InputFileError
from connectors.fields import OBJECT_NAMES, field_names
from mkp_core import (
    ACCOUNT_SCHEMA,
    CRM_STATE_SCHEMA,
    LEAD_SCHEMA,
    RATE_SCHEMA,
    RecordKind,
    empty_frame,
)

__all__ = ["CsvConnector"]

# Each scored object: its input table, frame schema and id column.
_RECORDS: dict[RecordKind, tuple[CsvTable, dict[str, pl.DataType], str]] = {
    RecordKind.ACCOUNT: (CsvTable.ACCOUNTS, ACCOUNT_SCHEMA, "account_id"),
    RecordKind.LEAD: (CsvTable.LEADS, LEAD_SCHEMA, "lead_id"),
}
_NAME_SCHEMA: dict[str, pl.DataType] = {"record_id": pl.String(), "name": pl.String()}
# The object a problem with a table's file is reported under.
_KIND_OF: dict[CsvTable, RecordKind] = {
    CsvTable.ACCOUNTS: RecordKind.ACCOUNT,
    CsvTable.OPPORTUNITIES: RecordKind.ACCOUNT,
    CsvTable.LEADS: RecordKind.LEAD,
    CsvTable.RATES: RecordKind.ACCOUNT,
}
# Bytes of the deals file per page: about 200,000 Salesforce-shaped deals,
# parsed into a frame of about the same size.
OPPORTUNITY_PAGE_BYTES = 16 * 1024 * 1024


class CsvConnector:
    """A ``CrmConnector`` over CSV files described by a ``CsvProfile``."""

    name = "csv"

    def __init__(
        self,
        profile: CsvProfile,
        *,
        corporate_currency: str | None = None,
        opportunity_page_bytes: int = OPPORTUNITY_PAGE_BYTES,
    ) -> None:
        """``corporate_currency`` (the policy's) converts at 1 without a rate;
        the deals file is read in pages of ``opportunity_page_bytes``.

        Raises ``ConfigurationError`` when no amount in the profile's default
        currency could be converted into it.
        """
        _check_currencies(profile, corporate_currency)
        self.profile = profile
        self.corporate_currency = corporate_currency
        self.opportunity_page_bytes = opportunity_page_bytes
        self._field_names = field_names(profile.fields)
        self._output = OutputFile(
            profile.output_path,
            self._field_names,
            delimiter=profile.delimiter,
            bom=profile.output_bom,
        )
        # Record names from the last read, so the results file can show them
        # even when the updates carry only ids and output fields.
        self._names: dict[RecordKind, pl.DataFrame] = {}

    @classmethod
    def from_profile(
        cls,
        path: Path,
        *,
        output: Path | None = None,
        corporate_currency: str | None = None,
    ) -> CsvConnector:
        """A connector for a TOML profile; ``output`` replaces its results path."""
        profile = CsvProfile.from_toml(path, output=output)
        return cls(profile, corporate_currency=corporate_currency)

    @property
    def output_path(self) -> Path:
        return self._output.path

    def read_accounts(self) -> Extract:
        return self._read_records(RecordKind.ACCOUNT)

    def read_leads(self) -> Extract:
        return self._read_records(RecordKind.LEAD)

    def iter_opportunities(self) -> Iterator[Extract]:
        """The deals file in pages of a bounded size."""
        path, spec, options = self._source(CsvTable.OPPORTUNITIES)
        currency = currency_code(self.profile.default_currency)
        pages = read_table_pages(
            path, spec, options, page_bytes=self.opportunity_page_bytes
        )
        dated = False
        for page in pages:
            dated = dated or self._check_close_dates(page)
            frame = _with_stage_flags(page.frame, self.profile.stages)
            yield Extract(frame.with_columns(currency_code=currency), page.issues)

    def read_currency_rates(self) -> Extract:
        if self.profile.file(CsvTable.RATES) is None:
            return Extract(empty_frame(RATE_SCHEMA))
        extract = self._read(CsvTable.RATES)
        code = pl.col("currency_code").str.to_uppercase()

        return Extract(extract.frame.with_columns(currency_code=code), extract.issues)

    def write_updates(
        self,
        kind: RecordKind,
        updates: pl.DataFrame,
        progress: ProgressCallback | None = None,
    ) -> WriteResult:
        """Merge the updates into the results file; no API calls are made."""
        names = self._names.get(kind, empty_frame(_NAME_SCHEMA))
        result = self._output.write(kind, updates, names)
        if progress is not None:
            progress(updates.height)

        return result

    def planned_write_calls(self, kind: RecordKind, records: int) -> int:
        return 0

    def check_fields(self) -> list[FieldProblem]:
        """Problems that would stop a run: an input file that is not there, or
        a results file that could not be read back or written."""
        return self._missing_inputs() + self._output_problems()

    def _missing_inputs(self) -> list[FieldProblem]:
        problems = []
        for table in CsvTable:
            path = self.profile.file(table)
            if path is not None and not path.is_file():
                what = "is a directory" if path.is_dir() else "is not found"
                problem = f"the {table} input file {what}"
                problems.append(FieldProblem(_KIND_OF[table], str(path), problem))
        return problems

    def _output_problems(self) -> list[FieldProblem]:
        problem = _unwritable(self._output.path)
        if problem is None:
            try:
                self._output.read()
            except FatalError as exc:
                problem = exc.message
        if problem is None:
            return []

        kinds = [RecordKind.ACCOUNT]
        if self.profile.file(CsvTable.LEADS) is not None:
            kinds.append(RecordKind.LEAD)
        return [FieldProblem(kind, str(self._output.path), problem) for kind in kinds]

    def api_usage(self) -> ApiUsage:
        return ApiUsage(calls=0, calls_by_operation={})

    def _check_close_dates(self, page: Extract) -> bool:
        """Whether the page holds a close date; stop when, up to a page that
        does, not one close date matches the profile's date format.

        No deal would then fall in the revenue window, and the run would
        rewrite every account as Not working: the profile is wrong, not the
        data, so nothing is scored. Checked until the first page with a date,
        so a wrong format stops the run at the first page of deals.
        """
        unparsed = page.issues.filter(pl.col("reason") == ValueKind.DATE.value)
        dates = page.frame.get_column("close_date")
        if dates.null_count() < dates.len():
            return True
        if unparsed.height == 0:
            return False
        raise InputFileError(
            f"{self.profile.file(CsvTable.OPPORTUNITIES)}: not one close date "
            f"matches the profile's date_format {self.profile.date_format!r}, so "
            "no deal could count as won; set date_format to the file's format "
            f"(first: {unparsed.item(0, 'message')})"
        )

    def _read_records(self, kind: RecordKind) -> Extract:
        """Accounts or leads, with ``crm_*`` taken from the results file."""
        table, schema, id_field = _RECORDS[kind]
        if self.profile.file(table) is None:
            return Extract(empty_frame(schema))

        extract = self._read(table)
        currency = currency_code(self.profile.default_currency)
        amounts = self._record_amounts(kind, table, id_field)
        converted, unpriced = amounts.to_corporate(
            extract.frame.with_columns(currency.alias(RECORD_CURRENCY))
        )
        stored = self._output.state(kind)
        frame = _with_crm_state(converted, stored.frame, id_field)
        self._names[kind] = frame.select(pl.col(id_field).alias("record_id"), "name")

        issues = pl.concat([extract.issues, unpriced, stored.issues])
        return Extract(frame, issues)

    def _record_amounts(
        self, kind: RecordKind, table: CsvTable, id_field: str
    ) -> RecordAmounts:
        """How this table's amounts reach the corporate currency."""
        rates_file = self.profile.file(CsvTable.RATES)
        rates: pl.DataFrame | None = None
        if rates_file is not None or self.corporate_currency is not None:
            read = self.read_currency_rates().frame
            rates = record_rates(read, self.corporate_currency)
        source = (
            f"in {rates_file.name}"
            if rates_file is not None
            else "(the CSV profile names no rates file)"
        )

        return RecordAmounts(
            object_name=OBJECT_NAMES[kind],
            id_field=id_field,
            headers=self._options(table)[1].sources,
            rates=rates,
            rates_source=source,
        )

    def _read(self, table: CsvTable) -> Extract:
        return read_table(*self._source(table))

    def _source(self, table: CsvTable) -> tuple[Path, TableSpec, ReadOptions]:
        """A table's file, layout and read options."""
        path = self.profile.file(table)
        if path is None:
            raise ConfigurationError(f"The CSV profile names no {table} file")
        spec, options = self._options(table)

        return path, spec, options

    def _options(self, table: CsvTable) -> tuple[TableSpec, ReadOptions]:
        """A table's layout and how this profile reads it."""
        profile = self.profile
        spec = table_spec(
            table, self._field_names, stage_mapped=profile.stages is not None
        )
        mapped = profile.columns.get(table, {})
        defaults = spec.headers if profile.shape is CsvShape.SALESFORCE else {}
        options = ReadOptions(
            sources={**defaults, **mapped},
            must_exist=frozenset(mapped),
            date_format=profile.date_format,
            delimiter=profile.delimiter,
            scales=profile.scales.get(table, {}),
            value_maps=profile.values.get(table, {}),
        )

        return spec, options


def _check_currencies(profile: CsvProfile, corporate_currency: str | None) -> None:
    """Refuse a default currency that no rate could convert.

    Without a rates file only the corporate currency converts, so every amount
    in another default currency would be dropped and every account scored as
    if it had bought nothing.
    """
    default = profile.default_currency
    if profile.file(CsvTable.RATES) is not None or corporate_currency is None:
        return
    if default is None or default == corporate_currency:
        return
    raise ConfigurationError(
        f"The CSV profile's default_currency {default} is not the corporate "
        f"currency {corporate_currency}, and it names no rates file to convert "
        "between them; add [files] rates or set corporate_currency in the policy"
    )


def _with_stage_flags(frame: pl.DataFrame, stages: StageMap | None) -> pl.DataFrame:
    """Won and closed from the stage, when the profile maps stages."""
    if stages is None:
        return frame
    stage = pl.col("stage").str.to_lowercase()
    won = stage.is_in([s.strip().lower() for s in stages.won]).fill_null(False)
    lost = stage.is_in([s.strip().lower() for s in stages.lost]).fill_null(False)

    return frame.with_columns(is_won=won, is_closed=won | lost)


def _with_crm_state(
    frame: pl.DataFrame, stored: pl.DataFrame, id_field: str
) -> pl.DataFrame:
    """The stored values replace the export's for every record the file holds."""
    if stored.height == 0:
        return frame
    joined = frame.join(
        stored.with_columns(_stored=pl.lit(True)),
        left_on=id_field,
        right_on="record_id",
        how="left",
        suffix="_stored",
        maintain_order="left",
    )
    replaced = [
        pl.when(pl.col("_stored"))
        .then(pl.col(f"{c}_stored"))
        .otherwise(pl.col(c))
        .alias(c)
        for c in CRM_STATE_SCHEMA
    ]

    return joined.with_columns(replaced).select(frame.columns)


def _unwritable(path: Path) -> str | None:
    """Why the results file could not be written, or None.

    The file is replaced by renaming a temporary file, so what matters is
    that its directory (or the nearest one that exists) is writable.
    """
    if path.is_dir():
        return f"{path} is a directory, not a results file"
    directory = next((p for p in path.parents if p.exists()), None)
    if directory is None or not os.access(directory, os.W_OK | os.X_OK):
        return f"cannot write {path}: its directory is not writable"
    return None
