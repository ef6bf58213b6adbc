"""The columnar contract between connectors, the scoring model and the pipeline.

Every connector hands the scoring model frames with exactly these columns and
types, whatever the CRM calls them. Names are CRM-neutral: a connector maps its
own field names onto them, and maps the output columns back onto the CRM's.

Columns prefixed ``crm_`` hold the values the CRM holds *now* for the fields
this product writes. The model reads them for hysteresis and the previous
segment; the diff compares against them so only real changes are written.
"""

from __future__ import annotations

import enum

import polars as pl

__all__ = [
    "ACCOUNT_SCHEMA",
    "CRM_STATE_SCHEMA",
    "ISSUE_SCHEMA",
    "LEAD_SCHEMA",
    "OPPORTUNITY_SCHEMA",
    "OUTPUT_FIELDS",
    "RATE_SCHEMA",
    "SCORE_SCHEMA",
    "PotentialLevel",
    "PotentialMethod",
    "ProgressLevel",
    "RecordKind",
    "conform",
    "crm_column",
    "empty_frame",
]


class RecordKind(enum.StrEnum):
    """The CRM records the product scores and writes back to."""

    ACCOUNT = "account"
    LEAD = "lead"


class PotentialLevel(enum.StrEnum):
    """Column of the matrix: how much the customer could buy from us."""

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"

    @property
    def axis(self) -> int:
        """Position on the matrix axis: Low = 0 … High = 2."""
        return list(PotentialLevel).index(self)


class ProgressLevel(enum.StrEnum):
    """Row of the matrix: how much of that potential we already capture."""

    NOT_WORKING = "Not working"
    BELOW = "Below potential"
    REACHED = "Reached"

    @property
    def axis(self) -> int:
        """Position on the matrix axis: Not working = 0 … Reached = 2."""
        return list(ProgressLevel).index(self)


class PotentialMethod(enum.StrEnum):
    """Which estimate produced an account's potential, in order of precedence."""

    OVERRIDE = "override"
    PEERS = "peers"
    FIRMOGRAPHIC = "firmographic"
    REVENUE = "revenue"  # nothing else applied: potential equals current revenue


# Output fields of the CRM contract, by their neutral names. Connectors map each
# onto a configurable CRM field (e.g. "segment" -> "MKP_Segment__c").
OUTPUT_FIELDS: tuple[str, ...] = (
    "segment",
    "segment_name",
    "potential",
    "potential_level",
    "progress_level",
    "wallet_share",
    "next_action",
    "explanation",
    "segment_changed_at",
    "previous_segment",
)

_OUTPUT_TYPES: dict[str, pl.DataType] = {
    "segment": pl.Int8(),
    "segment_name": pl.String(),
    "potential": pl.Float64(),
    "potential_level": pl.String(),
    "progress_level": pl.String(),
    "wallet_share": pl.Float64(),
    "next_action": pl.String(),
    "explanation": pl.String(),
    "segment_changed_at": pl.Datetime("us", "UTC"),
    "previous_segment": pl.Int8(),
}


def crm_column(field: str) -> str:
    """Name of the column holding the CRM's current value of an output field."""
    return f"crm_{field}"


CRM_STATE_SCHEMA: dict[str, pl.DataType] = {
    crm_column(name): dtype for name, dtype in _OUTPUT_TYPES.items()
}

# Accounts. annual_revenue is the customer's own turnover (a size measure), in
# the corporate currency; potential_override is sales' own estimate, also in the
# corporate currency.
ACCOUNT_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "name": pl.String(),
    "industry": pl.String(),
    "owner": pl.String(),
    "employees": pl.Float64(),
    "annual_revenue": pl.Float64(),
    "potential_override": pl.Float64(),
    **CRM_STATE_SCHEMA,
}

# Leads: scored on potential alone (no revenue yet), same output fields.
LEAD_SCHEMA: dict[str, pl.DataType] = {
    "lead_id": pl.String(),
    "name": pl.String(),
    "company": pl.String(),
    "industry": pl.String(),
    "owner": pl.String(),
    "employees": pl.Float64(),
    "annual_revenue": pl.Float64(),
    "potential_override": pl.Float64(),
    **CRM_STATE_SCHEMA,
}

# Opportunities. amount is in currency_code (null currency = corporate).
OPPORTUNITY_SCHEMA: dict[str, pl.DataType] = {
    "opportunity_id": pl.String(),
    "account_id": pl.String(),
    "amount": pl.Float64(),
    "currency_code": pl.String(),
    "stage": pl.String(),
    "is_won": pl.Boolean(),
    "is_closed": pl.Boolean(),
    "close_date": pl.Date(),
}

# Conversion rates: units of currency_code per one unit of the corporate
# currency (Salesforce's CurrencyType/DatedConversionRate convention). A null
# start_date means "valid since always", a null next_start_date "still valid".
RATE_SCHEMA: dict[str, pl.DataType] = {
    "currency_code": pl.String(),
    "rate": pl.Float64(),
    "start_date": pl.Date(),
    "next_start_date": pl.Date(),
}

# One row per piece of bad input: which record, which field, why, and a message
# an operator can act on. reason is a short stable key counted in the run report.
ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "object": pl.String(),
    "record_id": pl.String(),
    "field": pl.String(),
    "reason": pl.String(),
    "message": pl.String(),
}

# What scoring returns per record (accounts and leads alike: record_id is the
# account or lead id): diagnostics, the output fields, and the CRM's current
# values carried through so the diff needs nothing else.
SCORE_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.String(),
    "kind": pl.String(),
    "name": pl.String(),
    "owner": pl.String(),
    "industry": pl.String(),
    "window_revenue": pl.Float64(),
    "potential_method": pl.String(),
    "peer_group": pl.String(),
    "peer_count": pl.Int64(),
    "open_pipeline": pl.Boolean(),
    "last_win_date": pl.Date(),
    **_OUTPUT_TYPES,
    **CRM_STATE_SCHEMA,
}


def empty_frame(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A frame with no rows and the given schema."""
    return pl.DataFrame(schema=schema)


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Exactly the contract's columns, in its types; extra columns are ignored."""
    return frame.select(list(schema)).cast(pl.Schema(schema))
