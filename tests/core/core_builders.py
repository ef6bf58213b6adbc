"""Small hand-built frames for the scoring-model tests.

Each builder takes rows as dicts naming only the columns a test cares about;
every other column of the contract schema is null.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import polars as pl

from mkp_core import (
    ACCOUNT_SCHEMA,
    LEAD_SCHEMA,
    OPPORTUNITY_SCHEMA,
    OUTPUT_FIELDS,
    RATE_SCHEMA,
    Policy,
    Scoring,
    crm_column,
    score_portfolio,
)

AS_OF = dt.date(2017, 12, 31)
NOW = dt.datetime(2018, 1, 1, 3, 0, tzinfo=dt.UTC)
MAVEN = Path(__file__).resolve().parents[2] / "examples" / "maven-crm"


def frame(schema: dict[str, pl.DataType], rows: list[dict[str, Any]]) -> pl.DataFrame:
    full = [{name: row.get(name) for name in schema} for row in rows]
    for row in rows:
        unknown = set(row) - set(schema)
        assert not unknown, f"not in the schema: {unknown}"
    return pl.DataFrame(full, schema=schema, orient="row")


def accounts(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame(ACCOUNT_SCHEMA, list(rows))


def opportunities(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame(OPPORTUNITY_SCHEMA, list(rows))


def leads(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame(LEAD_SCHEMA, list(rows))


def rates(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame(RATE_SCHEMA, list(rows))


def won(
    opportunity_id: str,
    account_id: str | None,
    amount: float | None,
    close_date: dt.date | None = dt.date(2017, 6, 30),
    currency_code: str | None = None,
) -> dict[str, Any]:
    return {
        "opportunity_id": opportunity_id,
        "account_id": account_id,
        "amount": amount,
        "currency_code": currency_code,
        "stage": "Won",
        "is_won": True,
        "is_closed": True,
        "close_date": close_date,
    }


def open_deal(opportunity_id: str, account_id: str | None) -> dict[str, Any]:
    return {
        "opportunity_id": opportunity_id,
        "account_id": account_id,
        "stage": "Prospecting",
        "is_won": False,
        "is_closed": False,
    }


def policy(**overrides: Any) -> Policy:
    return Policy.model_validate({"as_of": AS_OF, **overrides})


def score(
    account_rows: pl.DataFrame,
    opportunity_rows: pl.DataFrame,
    chosen: Policy | None = None,
    **kwargs: Any,
) -> Scoring:
    return score_portfolio(
        account_rows, opportunity_rows, rates(), chosen or policy(), now=NOW, **kwargs
    )


def fed_back(
    rows: pl.DataFrame, scores: pl.DataFrame, kind: str = "account"
) -> pl.DataFrame:
    """The records with the CRM holding exactly what ``scores`` computed."""
    id_column = "account_id" if kind == "account" else "lead_id"
    outputs = scores.filter(pl.col("kind") == kind).select(
        pl.col("record_id").alias(id_column),
        *(pl.col(field).alias(crm_column(field)) for field in OUTPUT_FIELDS),
    )
    kept = rows.drop(crm_column(field) for field in OUTPUT_FIELDS)
    joined = kept.join(outputs, on=id_column, how="left", maintain_order="left")
    return joined.select(rows.columns)


def maven_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The shipped Maven sample as contract frames (amounts in USD)."""
    raw_accounts = pl.read_csv(MAVEN / "accounts.csv")
    raw_deals = pl.read_csv(MAVEN / "sales_pipeline.csv", try_parse_dates=True)
    account_rows = raw_accounts.select(
        pl.col("account").alias("account_id"),
        pl.col("account").alias("name"),
        pl.col("sector").alias("industry"),
        pl.col("employees").cast(pl.Float64),
        (pl.col("revenue") * 1e6).alias("annual_revenue"),
    )
    deal_rows = raw_deals.select(
        "opportunity_id",
        pl.col("account").alias("account_id"),
        pl.col("close_value").cast(pl.Float64).alias("amount"),
        pl.col("deal_stage").alias("stage"),
        (pl.col("deal_stage") == "Won").alias("is_won"),
        pl.col("deal_stage").is_in(["Won", "Lost"]).alias("is_closed"),
        pl.col("close_date").cast(pl.Date),
    )
    return (
        _widen(account_rows, ACCOUNT_SCHEMA),
        _widen(deal_rows, OPPORTUNITY_SCHEMA),
    )


def _widen(rows: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return rows.with_columns(
        pl.lit(None, dtype).alias(name)
        for name, dtype in schema.items()
        if name not in rows.columns
    ).select(list(schema))


def linear_quantile(values: list[float], q: float) -> float | None:
    """The "linear" (type 7) quantile, written out."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])
