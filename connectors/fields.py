"""Default CRM field names and the value conventions every connector shares.

The scoring model speaks neutral names (``mkp_core.OUTPUT_FIELDS``); a CRM
stores them in custom fields whose API names an org may change (naming rules,
namespaces). The defaults below are the ones deploy/ creates in Salesforce;
the CSV connector uses the same names as its output headers.

Wallet share is a 0–1 ratio in the frames but a Salesforce Percent field holds
0–100, so every value crosses the boundary through ``ratio_to_percent`` and
``percent_to_ratio``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import overload

import polars as pl

from connectors.errors import ConfigurationError
from mkp_core import OUTPUT_FIELDS, RecordKind

__all__ = [
    "CURRENCY_DECIMALS",
    "DEFAULT_FIELD_NAMES",
    "OBJECT_NAMES",
    "PERCENT_DECIMALS",
    "PERCENT_FIELDS",
    "POTENTIAL_OVERRIDE_FIELD",
    "SALESFORCE_INPUT_FIELDS",
    "field_names",
    "percent_to_ratio",
    "ratio_to_percent",
]

# Neutral output field -> default API name on Account and Lead.
DEFAULT_FIELD_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "segment": "MKP_Segment__c",
        "segment_name": "MKP_Segment_Name__c",
        "potential": "MKP_Potential__c",
        "potential_level": "MKP_Potential_Level__c",
        "progress_level": "MKP_Progress_Level__c",
        "wallet_share": "MKP_Wallet_Share__c",
        "next_action": "MKP_Next_Action__c",
        "explanation": "MKP_Explanation__c",
        "segment_changed_at": "MKP_Segment_Changed_At__c",
        "previous_segment": "MKP_Previous_Segment__c",
    }
)

# The input field sales fill in by hand; read, never written.
POTENTIAL_OVERRIDE_FIELD = "MKP_Potential_Override__c"

# Output fields stored as Salesforce Percent (0-100) rather than a 0-1 ratio.
PERCENT_FIELDS: frozenset[str] = frozenset({"wallet_share"})

# Decimal places the CRM keeps; values are compared and written at this scale.
CURRENCY_DECIMALS = 2
PERCENT_DECIMALS = 2

OBJECT_NAMES: Mapping[RecordKind, str] = MappingProxyType(
    {RecordKind.ACCOUNT: "Account", RecordKind.LEAD: "Lead"}
)

# Standard fields read from each object, by the neutral column they fill
# (the column names of ``mkp_core.frames``).
SALESFORCE_INPUT_FIELDS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "Account": MappingProxyType(
            {
                "account_id": "Id",
                "name": "Name",
                "industry": "Industry",
                "owner": "OwnerId",
                "employees": "NumberOfEmployees",
                "annual_revenue": "AnnualRevenue",
                "potential_override": POTENTIAL_OVERRIDE_FIELD,
            }
        ),
        "Lead": MappingProxyType(
            {
                "lead_id": "Id",
                "name": "Name",
                "company": "Company",
                "industry": "Industry",
                "owner": "OwnerId",
                "employees": "NumberOfEmployees",
                "annual_revenue": "AnnualRevenue",
                "potential_override": POTENTIAL_OVERRIDE_FIELD,
            }
        ),
        "Opportunity": MappingProxyType(
            {
                "opportunity_id": "Id",
                "account_id": "AccountId",
                "amount": "Amount",
                "currency_code": "CurrencyIsoCode",
                "stage": "StageName",
                "is_won": "IsWon",
                "is_closed": "IsClosed",
                "close_date": "CloseDate",
            }
        ),
        "CurrencyType": MappingProxyType(
            {
                "currency_code": "IsoCode",
                "rate": "ConversionRate",
                "start_date": "StartDate",
                "next_start_date": "NextStartDate",
            }
        ),
    }
)


def field_names(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The output field API names: the defaults with an org's overrides applied.

    Raises ``ConfigurationError`` naming any key that is not an output field,
    and two output fields mapped onto one API name.
    """
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(OUTPUT_FIELDS))
    if unknown:
        raise ConfigurationError(
            f"Unknown output field(s) {', '.join(unknown)}; "
            f"the output fields are {', '.join(OUTPUT_FIELDS)}"
        )
    names = {
        field: overrides.get(field, DEFAULT_FIELD_NAMES[field])
        for field in OUTPUT_FIELDS
    }
    _require_distinct(names)

    return names


def _require_distinct(names: Mapping[str, str]) -> None:
    """Refuse two output fields on one API name (compared as Salesforce does,
    ignoring case): one value would overwrite the other on every write, and
    the next run would read the survivor back as both."""
    owners: dict[str, str] = {}
    for field, name in names.items():
        first = owners.setdefault(name.lower(), field)
        if first != field:
            raise ConfigurationError(
                f"Output fields {first} and {field} are both mapped to {name}; "
                "give each a field of its own"
            )


@overload
def ratio_to_percent(ratio: float) -> float: ...
@overload
def ratio_to_percent(ratio: pl.Expr) -> pl.Expr: ...
def ratio_to_percent(ratio: float | pl.Expr) -> float | pl.Expr:
    """A 0-1 ratio as the 0-100 value a Percent field stores."""
    return ratio * 100


@overload
def percent_to_ratio(percent: float) -> float: ...
@overload
def percent_to_ratio(percent: pl.Expr) -> pl.Expr: ...
def percent_to_ratio(percent: float | pl.Expr) -> float | pl.Expr:
    """A Percent field's 0-100 value as the 0-1 ratio the frames use."""
    return percent / 100
