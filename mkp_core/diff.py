"""Which scored records the CRM needs to hear about, and which of their fields.

Values are compared the way the CRM stores them: currency to the cent, wallet
share to 0.1 % (three decimals of the 0-1 ratio), date-times to the second,
text and numbers exactly. A night on which nothing really changed yields no
rows, so it spends no write calls and fires no CRM automation.
"""

from __future__ import annotations

import polars as pl

from mkp_core.frames import OUTPUT_FIELDS, RecordKind, crm_column

__all__ = ["changed_records"]

# Decimal places each float field keeps in the CRM.
_DECIMALS = {"potential": 2, "wallet_share": 3}
_DATETIMES = ("segment_changed_at",)


def changed_records(scores: pl.DataFrame, kind: RecordKind | str) -> pl.DataFrame:
    """Records of one kind whose output fields differ from the CRM's values.

    Columns: ``record_id``, the ``OUTPUT_FIELDS`` (rounded as stored) and
    ``changed``, the list of field names that differ, in contract order.
    """
    rows = scores.filter(pl.col("kind") == str(kind)).select(
        "record_id",
        *(_as_stored(field, pl.col(field)) for field in OUTPUT_FIELDS),
        *(_as_stored(field, pl.col(crm_column(field))) for field in OUTPUT_FIELDS),
    )
    changed = pl.concat_list(
        pl.when(pl.col(field).ne_missing(pl.col(crm_column(field)))).then(pl.lit(field))
        for field in OUTPUT_FIELDS
    ).list.drop_nulls()

    return (
        rows.with_columns(changed.cast(pl.List(pl.String)).alias("changed"))
        .filter(pl.col("changed").list.len() > 0)
        .select("record_id", *OUTPUT_FIELDS, "changed")
    )


def _as_stored(field: str, column: pl.Expr) -> pl.Expr:
    """A value rounded the way the CRM field keeps it."""
    name = column.meta.output_name()
    if field in _DECIMALS:
        return column.round(_DECIMALS[field], mode="half_away_from_zero").alias(name)
    if field in _DATETIMES:
        return column.dt.truncate("1s").alias(name)
    return column
