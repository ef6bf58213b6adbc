"""Currency codes as read, and account and lead amounts in the corporate currency.

The scoring frames hold account and lead amounts (annual revenue, the
potential override) in the corporate currency, as the Salesforce connector
delivers them. A CSV export holds them in each record's currency: its
``CurrencyIsoCode`` column (or the mapped ``currency_code``), else the
profile's ``default_currency``. Rates follow CurrencyType's convention
(units of a currency per corporate unit), so ``corporate = amount / rate``.

Opportunity amounts are not converted here: the scoring model converts each
on its close date with the dated rates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import polars as pl

from connectors.csv._tables import RECORD_CURRENCY
from mkp_core import ISSUE_SCHEMA, empty_frame

__all__ = ["RECORD_MONEY_FIELDS", "RecordAmounts", "currency_code", "record_rates"]

RECORD_MONEY_FIELDS = ("annual_revenue", "potential_override")
_RATE = "_rate"


def currency_code(default: str | None) -> pl.Expr:
    """A record's currency: its own code upper-cased, else the default."""
    code = pl.col(RECORD_CURRENCY).str.strip_chars().str.to_uppercase()
    code = pl.when(code != "").then(code)
    return code if default is None else code.fill_null(pl.lit(default))


def record_rates(rates: pl.DataFrame, corporate: str | None) -> pl.DataFrame:
    """One rate per currency: the static one, else the latest dated one.

    The corporate currency, when known, converts at 1 whatever the rates say.
    Rows without a positive finite rate convert nothing.
    """
    usable = rates.filter(
        pl.col("currency_code").is_not_null()
        & (pl.col("rate") > 0)
        & pl.col("rate").is_finite()
    )
    chosen = (
        usable.sort(
            ["currency_code", "start_date"], descending=[False, True], nulls_last=False
        )
        .unique(subset="currency_code", keep="first", maintain_order=True)
        .select("currency_code", pl.col("rate").alias(_RATE))
    )
    if corporate is None:
        return chosen

    one = pl.DataFrame({"currency_code": [corporate], _RATE: [1.0]})
    return pl.concat([one, chosen.filter(pl.col("currency_code") != corporate)])


@dataclasses.dataclass(frozen=True)
class RecordAmounts:
    """How one file's accounts or leads are converted and reported.

    ``rates`` is None when there is nothing to convert with (no rates file
    and no known corporate currency): amounts are then taken as corporate.
    ``headers`` names each money field's column for the issues;
    ``rates_source`` says where rates come from, for the messages.
    """

    object_name: str
    id_field: str
    headers: Mapping[str, str]
    rates: pl.DataFrame | None
    rates_source: str

    def to_corporate(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Money fields divided into the corporate currency, without the code.

        A record in a currency with no rate keeps those fields null and gets
        an ``unknown_currency`` issue per amount it held.
        """
        if self.rates is None:
            return frame.drop(RECORD_CURRENCY), empty_frame(ISSUE_SCHEMA)
        joined = frame.join(
            self.rates.rename({"currency_code": RECORD_CURRENCY}),
            on=RECORD_CURRENCY,
            how="left",
            maintain_order="left",
        )

        issues = pl.concat(
            [empty_frame(ISSUE_SCHEMA)]
            + [self._unknown_currency(joined, f) for f in RECORD_MONEY_FIELDS]
        )
        converted = joined.with_columns(
            pl.when(pl.col(RECORD_CURRENCY).is_null())
            .then(pl.col(field))
            .otherwise(pl.col(field) / pl.col(_RATE))
            for field in RECORD_MONEY_FIELDS
        )

        return converted.drop(RECORD_CURRENCY, _RATE), issues

    def _unknown_currency(self, joined: pl.DataFrame, field: str) -> pl.DataFrame:
        unpriced = (
            pl.col(RECORD_CURRENCY).is_not_null()
            & pl.col(_RATE).is_null()
            & pl.col(field).is_not_null()
        )
        header = self.headers.get(field, field)
        return joined.filter(unpriced).select(
            object=pl.lit(self.object_name),
            record_id=pl.col(self.id_field),
            field=pl.lit(header),
            reason=pl.lit("unknown_currency"),
            message=pl.format(
                "{} {}: {} {} is in {}, which has no conversion rate {}; "
                "the value is left empty",
                pl.lit(self.object_name),
                pl.col(self.id_field),
                pl.lit(header),
                pl.col(field),
                pl.col(RECORD_CURRENCY),
                pl.lit(self.rates_source),
            ),
        )
