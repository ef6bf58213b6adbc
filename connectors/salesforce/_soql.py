"""What the connector reads from each sObject, and the SOQL that reads it.

A ``ReadSpec`` names, for every column of a ``mkp_core.frames`` schema, the
API field it comes from and how its text is parsed. Queries are built from a
spec by small pure functions; the only text from configuration that reaches
them is the account filter (validated by ``_filter``) and field API names
(validated by the settings).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

import polars as pl

from connectors.fields import SALESFORCE_INPUT_FIELDS
from connectors.salesforce._filter import through_relationship
from connectors.salesforce.settings import SalesforceSettings
from mkp_core import (
    ACCOUNT_SCHEMA,
    LEAD_SCHEMA,
    OPPORTUNITY_SCHEMA,
    RATE_SCHEMA,
    crm_column,
)

__all__ = [
    "CURRENCY_COLUMN",
    "ReadSpec",
    "ValueKind",
    "account_spec",
    "count_query",
    "currency_type_spec",
    "dated_rate_spec",
    "lead_spec",
    "opportunity_spec",
    "select_query",
]

# Column carrying a record's own currency in multi-currency orgs. Accounts and
# leads use it to convert their amounts, then drop it; opportunities keep it.
CURRENCY_COLUMN = "currency_code"


class ValueKind(enum.StrEnum):
    """How a field's text is turned into the frame's value."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"  # an amount in the record's currency
    PERCENT = "percent"  # 0-100 in Salesforce, a 0-1 ratio in the frames
    SEGMENT = "segment"  # picklist "1".."9"
    DATETIME = "datetime"
    DATE = "date"
    BOOLEAN = "boolean"


@dataclasses.dataclass(frozen=True)
class ReadSpec:
    """One sObject read: columns (neutral name -> API field, kind) and filter."""

    sobject: str
    columns: Mapping[str, tuple[str, ValueKind]]
    schema: Mapping[str, pl.DataType]
    where: str | None = None

    @property
    def id_column(self) -> str:
        return next(iter(self.columns))


_OUTPUT_KINDS: dict[str, ValueKind] = {
    "segment": ValueKind.SEGMENT,
    "segment_name": ValueKind.TEXT,
    "potential": ValueKind.MONEY,
    "potential_level": ValueKind.TEXT,
    "progress_level": ValueKind.TEXT,
    "wallet_share": ValueKind.PERCENT,
    "next_action": ValueKind.TEXT,
    "explanation": ValueKind.TEXT,
    "segment_changed_at": ValueKind.DATETIME,
    "previous_segment": ValueKind.SEGMENT,
}

_INPUT_KINDS: dict[str, ValueKind] = {
    "employees": ValueKind.NUMBER,
    "annual_revenue": ValueKind.MONEY,
    "potential_override": ValueKind.MONEY,
    "amount": ValueKind.MONEY,
    "is_won": ValueKind.BOOLEAN,
    "is_closed": ValueKind.BOOLEAN,
    "close_date": ValueKind.DATE,
    "rate": ValueKind.NUMBER,
    "start_date": ValueKind.DATE,
    "next_start_date": ValueKind.DATE,
}


def account_spec(settings: SalesforceSettings, *, multi_currency: bool) -> ReadSpec:
    """Accounts with their firmographics and the CRM's current MKP values."""
    return ReadSpec(
        sobject="Account",
        columns=_scored_columns("Account", settings, multi_currency),
        schema=ACCOUNT_SCHEMA,
        where=settings.account_filter,
    )


def lead_spec(settings: SalesforceSettings, *, multi_currency: bool) -> ReadSpec:
    """Open (unconverted) leads, read like accounts."""
    return ReadSpec(
        sobject="Lead",
        columns=_scored_columns("Lead", settings, multi_currency),
        schema=LEAD_SCHEMA,
        where="IsConverted = false",
    )


def opportunity_spec(
    *, multi_currency: bool, account_filter: str | None = None
) -> ReadSpec:
    """Opportunities (of the filtered accounts only, when accounts are
    filtered); their currency only where the org has several."""
    inputs = dict(SALESFORCE_INPUT_FIELDS["Opportunity"])
    if not multi_currency:
        del inputs[CURRENCY_COLUMN]
    return ReadSpec(
        sobject="Opportunity",
        columns={column: (api, _kind(column)) for column, api in inputs.items()},
        schema=OPPORTUNITY_SCHEMA,
        where=through_relationship(account_filter, "Account")
        if account_filter
        else None,
    )


def currency_type_spec() -> ReadSpec:
    """Static conversion rates, one per currency (multi-currency orgs only)."""
    return ReadSpec(
        sobject="CurrencyType",
        columns={
            "currency_code": ("IsoCode", ValueKind.TEXT),
            "rate": ("ConversionRate", ValueKind.NUMBER),
            "is_corporate": ("IsCorporate", ValueKind.BOOLEAN),
        },
        schema={**RATE_SCHEMA, "is_corporate": pl.Boolean()},
    )


def dated_rate_spec() -> ReadSpec:
    """Dated rates of advanced currency management, valid [start, next start)."""
    inputs = SALESFORCE_INPUT_FIELDS["CurrencyType"]
    return ReadSpec(
        sobject="DatedConversionRate",
        columns={column: (api, _kind(column)) for column, api in inputs.items()},
        schema=RATE_SCHEMA,
    )


def select_query(spec: ReadSpec) -> str:
    """``SELECT <fields> FROM <sObject> [WHERE (<filter>)]``."""
    fields = ", ".join(api for api, _ in spec.columns.values())
    # API names are validated by the settings, the filter by _filter.
    return f"SELECT {fields} FROM {spec.sobject}{_where(spec)}"  # noqa: S608


def count_query(spec: ReadSpec) -> str:
    """``SELECT COUNT() FROM <sObject> [WHERE (<filter>)]``: one call, no rows."""
    return f"SELECT COUNT() FROM {spec.sobject}{_where(spec)}"  # noqa: S608


def _where(spec: ReadSpec) -> str:
    # Parentheses keep an OR inside the configured filter from escaping it.
    return f" WHERE ({spec.where})" if spec.where else ""


def _scored_columns(
    sobject: str, settings: SalesforceSettings, multi_currency: bool
) -> dict[str, tuple[str, ValueKind]]:
    inputs = dict(SALESFORCE_INPUT_FIELDS[sobject])
    inputs["potential_override"] = settings.potential_override_field
    columns = {column: (api, _kind(column)) for column, api in inputs.items()}
    for field, api in settings.fields.items():
        columns[crm_column(field)] = (api, _OUTPUT_KINDS[field])
    if multi_currency:
        columns[CURRENCY_COLUMN] = ("CurrencyIsoCode", ValueKind.TEXT)
    return columns


def _kind(column: str) -> ValueKind:
    return _INPUT_KINDS.get(column, ValueKind.TEXT)
