"""What each CSV file holds: its neutral columns, their value kinds and headers.

The neutral columns are those of ``mkp_core.frames``; the value kind says how
a cell is parsed and which issue a bad cell raises. Salesforce-shaped headers
come from ``connectors.fields`` so both connectors read the same API names.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

import polars as pl

from connectors.fields import OBJECT_NAMES, PERCENT_FIELDS, SALESFORCE_INPUT_FIELDS
from mkp_core import (
    ACCOUNT_SCHEMA,
    CRM_STATE_SCHEMA,
    LEAD_SCHEMA,
    OPPORTUNITY_SCHEMA,
    OUTPUT_FIELDS,
    RATE_SCHEMA,
    RecordKind,
    crm_column,
)


class CsvTable(enum.StrEnum):
    """The input files a profile names, as spelled in its ``[files]`` table."""

    ACCOUNTS = "accounts"
    OPPORTUNITIES = "opportunities"
    LEADS = "leads"
    RATES = "rates"


class ValueKind(enum.Enum):
    """How a cell is parsed; each kind but text has its own issue reason."""

    TEXT = "text"
    AMOUNT = "non_numeric_amount"
    NUMBER = "non_numeric_value"
    PERCENT = "non_numeric_percent"
    SEGMENT = "invalid_segment"
    DATE = "unparseable_date"
    DATETIME = "unparseable_datetime"
    BOOLEAN = "invalid_boolean"


@dataclasses.dataclass(frozen=True)
class TableSpec:
    """One file's layout: the frame it becomes and the headers it is read from.

    ``object_name`` None means each row names its object in an ``object``
    column (the output file holds accounts and leads together).
    """

    object_name: str | None
    id_field: str
    schema: Mapping[str, pl.DataType]
    kinds: Mapping[str, ValueKind]
    headers: Mapping[str, str]
    required: frozenset[str]
    keep_rows_without_id: bool = False


OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "object": pl.String(),
    "record_id": pl.String(),
    "name": pl.String(),
    **{field: CRM_STATE_SCHEMA[crm_column(field)] for field in OUTPUT_FIELDS},
}

# Accounts and leads are read with their currency; the connector converts
# their amounts into the corporate currency and drops it, as the scoring
# frames hold corporate amounts only.
RECORD_CURRENCY = "currency_code"
_RECORD_CURRENCY_HEADER = "CurrencyIsoCode"

_SCHEMAS: dict[CsvTable, dict[str, pl.DataType]] = {
    CsvTable.ACCOUNTS: {**ACCOUNT_SCHEMA, RECORD_CURRENCY: pl.String()},
    CsvTable.OPPORTUNITIES: OPPORTUNITY_SCHEMA,
    CsvTable.LEADS: {**LEAD_SCHEMA, RECORD_CURRENCY: pl.String()},
    CsvTable.RATES: RATE_SCHEMA,
}

_OBJECTS: dict[CsvTable, str] = {
    CsvTable.ACCOUNTS: OBJECT_NAMES[RecordKind.ACCOUNT],
    CsvTable.OPPORTUNITIES: "Opportunity",
    CsvTable.LEADS: OBJECT_NAMES[RecordKind.LEAD],
    CsvTable.RATES: "CurrencyType",
}

_ID_FIELDS: dict[CsvTable, str] = {
    CsvTable.ACCOUNTS: "account_id",
    CsvTable.OPPORTUNITIES: "opportunity_id",
    CsvTable.LEADS: "lead_id",
    CsvTable.RATES: "currency_code",
}

# Neutral fields whose column every file of the table must have. Whether a
# deal is won and closed needs either flags or a stage map: see ``required``.
REQUIRED_FIELDS: Mapping[CsvTable, tuple[str, ...]] = {
    CsvTable.ACCOUNTS: ("account_id",),
    CsvTable.OPPORTUNITIES: ("opportunity_id", "account_id", "amount", "close_date"),
    CsvTable.LEADS: ("lead_id",),
    CsvTable.RATES: ("currency_code", "rate"),
}

_MONEY_FIELDS = frozenset({"amount", "annual_revenue", "potential_override"})

_KIND_BY_TYPE: dict[type[pl.DataType], ValueKind] = {
    pl.String: ValueKind.TEXT,
    pl.Float64: ValueKind.NUMBER,
    pl.Int8: ValueKind.SEGMENT,
    pl.Date: ValueKind.DATE,
    pl.Datetime: ValueKind.DATETIME,
    pl.Boolean: ValueKind.BOOLEAN,
}


def table_columns(table: CsvTable) -> dict[str, ValueKind]:
    """The neutral fields a table can be read into, with their value kinds."""
    return _kinds(_SCHEMAS[table])


def table_spec(
    table: CsvTable, field_names: Mapping[str, str], *, stage_mapped: bool
) -> TableSpec:
    """The layout of an input file; ``stage_mapped`` when stages decide won/closed."""
    object_name = _OBJECTS[table]
    headers = dict(SALESFORCE_INPUT_FIELDS[object_name])
    if table in (CsvTable.ACCOUNTS, CsvTable.LEADS):
        headers |= {crm_column(f): name for f, name in field_names.items()}
        headers[RECORD_CURRENCY] = _RECORD_CURRENCY_HEADER
    required = set(REQUIRED_FIELDS[table])
    if table is CsvTable.OPPORTUNITIES:
        required |= {"stage"} if stage_mapped else {"is_won", "is_closed"}

    return TableSpec(
        object_name=object_name,
        id_field=_ID_FIELDS[table],
        schema=_SCHEMAS[table],
        kinds=table_columns(table),
        headers=headers,
        required=frozenset(required),
        keep_rows_without_id=table is CsvTable.OPPORTUNITIES,
    )


def output_spec(field_names: Mapping[str, str]) -> TableSpec:
    """The layout of the results file: Object, Id, Name and the output fields."""
    headers = {"object": "Object", "record_id": "Id", "name": "Name"}
    return TableSpec(
        object_name=None,
        id_field="record_id",
        schema=OUTPUT_SCHEMA,
        kinds=_kinds(OUTPUT_SCHEMA),
        headers=headers | dict(field_names),
        required=frozenset({"object", "record_id"}),
    )


def _kinds(schema: Mapping[str, pl.DataType]) -> dict[str, ValueKind]:
    kinds = {field: _KIND_BY_TYPE[type(dtype)] for field, dtype in schema.items()}
    for field in kinds:
        neutral = field.removeprefix("crm_")
        if neutral in _MONEY_FIELDS or neutral == "potential":
            kinds[field] = ValueKind.AMOUNT
        elif neutral in PERCENT_FIELDS:
            kinds[field] = ValueKind.PERCENT

    return kinds
