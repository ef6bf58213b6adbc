"""Amounts between a record's own currency and the corporate currency.

In a multi-currency org every currency field holds an amount in its
record's currency. ``rates`` frames carry ``currency_code`` and ``rate``
(units of that currency per corporate unit, CurrencyType's convention).
"""

from __future__ import annotations

import polars as pl

from connectors.salesforce._convert import issue_rows
from connectors.salesforce._soql import CURRENCY_COLUMN, ReadSpec, ValueKind

__all__ = ["RECORD_CURRENCY_SCHEMA", "convert_money", "to_record_currency"]

# Which currency each record read is in: record_id, currency_code.
RECORD_CURRENCY_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.String(),
    CURRENCY_COLUMN: pl.String(),
}

_RATE = "_rate"


def convert_money(
    spec: ReadSpec, frame: pl.DataFrame, rates: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each money column divided into the corporate currency.

    A record in a currency without a rate keeps null amounts and gets an issue.
    """
    money = [c for c, (_, kind) in spec.columns.items() if kind is ValueKind.MONEY]
    joined = frame.join(_rates(rates), on=CURRENCY_COLUMN, how="left")
    unknown = joined.filter(
        pl.col(_RATE).is_null() & pl.any_horizontal(pl.col(money).is_not_null())
    )
    converted = joined.with_columns(pl.col(money) / pl.col(_RATE)).drop(_RATE)

    return converted, _unknown_currency_issues(spec, unknown)


def to_record_currency(
    updates: pl.DataFrame, currencies: pl.DataFrame, rates: pl.DataFrame
) -> tuple[pl.DataFrame, list[str]]:
    """Updates with ``potential`` multiplied into each record's currency, and
    the ids of records whose changed potential has no known rate (left out)."""
    joined = updates.join(currencies, on="record_id", how="left").join(
        _rates(rates), on=CURRENCY_COLUMN, how="left"
    )
    unpriced = pl.col("changed").list.contains("potential") & pl.col(_RATE).is_null()
    converted = joined.filter(~unpriced).with_columns(
        pl.col("potential") * pl.col(_RATE).fill_null(1.0)
    )

    return (
        converted.drop(CURRENCY_COLUMN, _RATE),
        joined.filter(unpriced)["record_id"].to_list(),
    )


def _rates(rates: pl.DataFrame) -> pl.DataFrame:
    """One usable static rate per currency.

    A rate that is not a positive finite number converts nothing (the scoring
    model reports it); of several static rates for one code the first is kept,
    as the scoring model does, so a record never joins to two rows.
    """
    usable = rates.filter(pl.col("rate").is_finite() & (pl.col("rate") > 0))
    return usable.unique(CURRENCY_COLUMN, keep="first", maintain_order=True).select(
        CURRENCY_COLUMN, pl.col("rate").alias(_RATE)
    )


def _unknown_currency_issues(spec: ReadSpec, unknown: pl.DataFrame) -> pl.DataFrame:
    rows = unknown.select(spec.id_column, CURRENCY_COLUMN).iter_rows()
    return issue_rows(
        {
            "object": spec.sobject,
            "record_id": record_id,
            "field": "CurrencyIsoCode",
            "reason": "unknown_currency",
            "message": f"{spec.sobject} {record_id}: currency {code!r} has no "
            "conversion rate; its amounts are left empty",
        }
        for record_id, code in rows
    )
