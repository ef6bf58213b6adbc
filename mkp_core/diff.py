"""Which scored records the CRM needs to hear about, and which of their fields.

Values are compared the way the CRM stores them: currency to the cent, wallet
share to 0.1 % (three decimals of the 0-1 ratio), date-times to the second,
text and numbers exactly. A night on which nothing really changed yields no
rows, so it spends no write calls and fires no CRM automation.

Potential follows its industry's high quantile and a size exponent fitted on
the whole portfolio, so one new won deal moves every peer's potential and
wallet share by a fraction of a percent. A write tolerance keeps those small
moves from rewriting the portfolio:

- a record is written when any field other than potential, wallet share and
  explanation differs, or when its potential or wallet share is off the
  stored value by more than ``write_tolerance`` of that value (a stored zero
  or null compares exactly; so does a potential sales entered by hand);
- the explanation alone never makes a record written: it quotes those
  figures (the next action quotes none of them, so it compares exactly);
- a record that is written gets every field that differs, so the CRM holds
  one consistent set of values, never a fresh figure beside a stale one.

With a tolerance of 0 every field compares exactly, explanation included.
"""

from __future__ import annotations

import polars as pl

from mkp_core.frames import OUTPUT_FIELDS, PotentialMethod, RecordKind, crm_column

__all__ = ["changed_records"]

# Decimal places each float field keeps in the CRM.
_DECIMALS = {"potential": 2, "wallet_share": 3}
_DATETIMES = ("segment_changed_at",)
# Within the write tolerance: the figures that drift with the whole portfolio,
# and the text that restates them.
_TOLERANT = ("potential", "wallet_share")
_RESTATING = ("explanation",)
_EXACT = tuple(f for f in OUTPUT_FIELDS if f not in _TOLERANT + _RESTATING)


def changed_records(
    scores: pl.DataFrame, kind: RecordKind | str, *, write_tolerance: float = 0.0
) -> pl.DataFrame:
    """Records of one kind that the CRM must be given, with what differs.

    ``write_tolerance`` is the share of the stored potential or wallet share
    a fresh value may differ by without the record being written.

    Columns: ``record_id``, the ``OUTPUT_FIELDS`` (rounded as stored) and
    ``changed``, the list of field names that differ, in contract order.
    """
    rows = scores.filter(pl.col("kind") == str(kind)).select(
        "record_id",
        "potential_method",
        *(_as_stored(field, pl.col(field)) for field in OUTPUT_FIELDS),
        *(_as_stored(field, pl.col(crm_column(field))) for field in OUTPUT_FIELDS),
    )
    changed = pl.concat_list(
        pl.when(_differs(field)).then(pl.lit(field)) for field in OUTPUT_FIELDS
    ).list.drop_nulls()

    return (
        rows.filter(_worth_writing(write_tolerance))
        .with_columns(changed.cast(pl.List(pl.String)).alias("changed"))
        .select("record_id", *OUTPUT_FIELDS, "changed")
    )


def _worth_writing(write_tolerance: float) -> pl.Expr:
    """Whether a record differs by enough to be written at all."""
    if write_tolerance == 0:
        return pl.any_horizontal(_differs(field) for field in OUTPUT_FIELDS)
    # Sales typed the override and expect to see that very number.
    entered_by_hand = pl.col("potential_method") == PotentialMethod.OVERRIDE.value
    potential_tolerance = pl.when(entered_by_hand).then(0.0).otherwise(write_tolerance)

    return pl.any_horizontal(
        *(_differs(field) for field in _EXACT),
        _beyond("potential", potential_tolerance),
        _beyond("wallet_share", pl.lit(write_tolerance)),
    )


def _differs(field: str) -> pl.Expr:
    return pl.col(field).ne_missing(pl.col(crm_column(field)))


def _beyond(field: str, tolerance: pl.Expr) -> pl.Expr:
    """The fresh value is off the stored one by more than its share ``tolerance``.

    A stored zero leaves no room (the bound is 0), and a value appearing or
    vanishing always counts.
    """
    fresh, stored = pl.col(field), pl.col(crm_column(field))
    off_by = (fresh - stored).abs() > tolerance * stored.abs()

    return _differs(field) & off_by.fill_null(True)


def _as_stored(field: str, column: pl.Expr) -> pl.Expr:
    """A value rounded the way the CRM field keeps it."""
    name = column.meta.output_name()
    if field in _DECIMALS:
        return column.round(_DECIMALS[field], mode="half_away_from_zero").alias(name)
    if field in _DATETIMES:
        return column.dt.truncate("1s").alias(name)
    return column
