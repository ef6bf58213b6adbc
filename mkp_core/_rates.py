"""Conversion of opportunity amounts into the corporate currency.

Rates follow Salesforce's convention: units of a currency per one unit of the
corporate currency, so ``amount_corporate = amount / rate``. A rate row with a
start date is a dated rate valid on ``[start_date, next_start_date)``; a row
without one is the static rate, used when no dated rate covers the day. The
corporate currency converts at 1 whatever the rates say.

A rate row that cannot convert anything (no code, a rate that is not a
positive finite number) is left out and reported, and so is every row after
the first for the same currency and start date: the first one is used.

Rates are resolved once per distinct (currency, day) pair, a few thousand at
most, and mapped back onto millions of deals through one integer key: string
joins over every deal cost several times more.
"""

from __future__ import annotations

import polars as pl

from mkp_core._rules import IssueReason, Rule, blank, split
from mkp_core.policy import Policy

__all__ = [
    "RATE_COLUMN",
    "RATE_DATE_COLUMN",
    "checked_rates",
    "effective_currency",
    "with_rates",
]

RATE_COLUMN = "_rate"
RATE_DATE_COLUMN = "_rate_date"
_CODE = "_currency_index"
_KEY = "_rate_key"
_INVALID = "_invalid_rate"
_KEPT = "_kept_rate"


def checked_rates(rates: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rate rows able to convert, codes upper-cased, one per currency and
    start date; and one issue per row left out."""
    code, rate, start = pl.col("currency_code"), pl.col("rate"), pl.col("start_date")
    normalised = rates.with_columns(code.str.strip_chars().str.to_uppercase())
    # Only valid rows compete for a currency and start date, so an invalid
    # first row does not make the valid one after it a duplicate. The rate
    # kept is found before the split: messages see only the rows left out.
    flagged = normalised.with_columns(_invalid(rate).alias(_INVALID)).with_columns(
        rate.first().over(code, start, _INVALID).alias(_KEPT)
    )
    usable, issues = split(flagged, "rate", "currency_code", _rate_rules())

    return usable.drop(_INVALID, _KEPT), issues


def _invalid(rate: pl.Expr) -> pl.Expr:
    return rate.is_null() | ~rate.is_finite() | (rate <= 0)


def _rate_rules() -> tuple[Rule, ...]:
    code, rate, start = pl.col("currency_code"), pl.col("rate"), pl.col("start_date")
    invalid = pl.col(_INVALID)
    repeats = (
        pl.when(start.is_null())
        .then(pl.format("Currency {} has more than one static rate", code))
        .otherwise(pl.format("Currency {} has more than one rate from {}", code, start))
    )

    return (
        Rule(
            IssueReason.MISSING_ID,
            "currency_code",
            blank(code),
            pl.lit("Rate row without currency_code skipped"),
        ),
        Rule(
            IssueReason.INVALID_RATE,
            "rate",
            invalid,
            pl.when(rate.is_null())
            .then(
                pl.format("Currency {} has a row without a rate; it is ignored", code)
            )
            .otherwise(
                pl.format(
                    "Currency {}: rate {} is not a positive finite number; the row "
                    "is ignored",
                    code,
                    rate,
                )
            ),
        ),
        Rule(
            IssueReason.DUPLICATE_RATE,
            "rate",
            ~invalid & ~pl.struct(code, start, invalid).is_first_distinct(),
            pl.format(
                "{}; {} is ignored and the first, {}, used",
                repeats,
                rate,
                pl.col(_KEPT),
            ),
        ),
    )


def effective_currency(policy: Policy) -> pl.Expr:
    """An opportunity's currency code, upper-cased; null means corporate."""
    code = pl.col("currency_code").str.strip_chars().str.to_uppercase()
    return (
        pl.when(code.is_null() | (code == ""))
        .then(pl.lit(policy.corporate_currency))
        .otherwise(code)
    )


def with_rates(
    opportunities: pl.DataFrame, rates: pl.DataFrame, policy: Policy
) -> pl.DataFrame:
    """Add the day a deal converts on and its rate (null when none is known)."""
    usable = _usable(rates)
    codes = sorted({policy.corporate_currency, *usable.get_column("currency_code")})
    keyed = opportunities.with_columns(
        _currency_index(opportunities, codes, policy).alias(_CODE),
        pl.coalesce("close_date", pl.lit(policy.as_of_date)).alias(RATE_DATE_COLUMN),
    ).with_columns(_key().alias(_KEY))

    # The key stands for the pair, so only it is hashed to find the pairs.
    pairs = keyed.select(_KEY, _CODE, RATE_DATE_COLUMN).unique(subset=_KEY)
    resolved = _resolve(pairs, usable, codes, policy)
    rate = pl.col(_KEY).replace_strict(
        resolved.get_column(_KEY), resolved.get_column(RATE_COLUMN), default=None
    )
    return keyed.with_columns(rate.alias(RATE_COLUMN)).drop(_KEY, _CODE)


def _usable(rates: pl.DataFrame) -> pl.DataFrame:
    """Rate rows that can convert anything: a code and a positive finite rate."""
    return rates.with_columns(
        pl.col("currency_code").str.strip_chars().str.to_uppercase()
    ).filter(
        pl.col("currency_code").is_not_null()
        & (pl.col("rate") > 0)
        & pl.col("rate").is_finite()
    )


def _currency_index(
    opportunities: pl.DataFrame, codes: list[str], policy: Policy
) -> pl.Expr:
    """Position of each deal's currency in ``codes``; null for an unknown one.

    Only the few distinct spellings are normalised, not every deal's value.
    """
    position = {code: index for index, code in enumerate(codes)}
    spellings = opportunities.get_column("currency_code").drop_nulls().unique()
    known = {
        spelling: position[code]
        for spelling in spellings
        if (code := spelling.strip().upper() or policy.corporate_currency) in position
    }
    mapped = pl.col("currency_code").replace_strict(
        known, default=None, return_dtype=pl.Int64
    )
    corporate = position[policy.corporate_currency]
    return pl.when(pl.col("currency_code").is_null()).then(corporate).otherwise(mapped)


def _key() -> pl.Expr:
    """One Int64 per (currency, day): the index in the high bits, the day low."""
    day = pl.col(RATE_DATE_COLUMN).cast(pl.Int64) + 2**31
    return pl.col(_CODE) * 2**32 + day


def _resolve(
    keys: pl.DataFrame, rates: pl.DataFrame, codes: list[str], policy: Policy
) -> pl.DataFrame:
    """The rate per key: dated when one covers the day, else static."""
    indexed = rates.with_columns(
        pl.col("currency_code")
        .replace_strict(codes, list(range(len(codes))), return_dtype=pl.Int64)
        .alias(_CODE)
    )
    static = (
        indexed.filter(pl.col("start_date").is_null())
        .group_by(_CODE)
        .agg(pl.col("rate").first().alias("_static"))
    )
    dated = (
        indexed.filter(pl.col("start_date").is_not_null())
        .select(_CODE, pl.col("rate").alias("_dated"), "start_date", "next_start_date")
        .sort("start_date")
    )
    # The as-of search needs both sides globally sorted on the date; the
    # sortedness check cannot look inside "by" groups, hence no check.
    covered = (
        keys.drop_nulls(_KEY)
        .sort(RATE_DATE_COLUMN)
        .join_asof(
            dated,
            left_on=RATE_DATE_COLUMN,
            right_on="start_date",
            by=_CODE,
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns(
            pl.when(
                pl.col("next_start_date").is_null()
                | (pl.col(RATE_DATE_COLUMN) < pl.col("next_start_date"))
            ).then(pl.col("_dated"))
        )
    )
    is_corporate = pl.col(_CODE) == codes.index(policy.corporate_currency)
    rate = pl.when(is_corporate).then(1.0).otherwise(pl.coalesce("_dated", "_static"))

    return covered.join(static, on=_CODE, how="left").select(
        _KEY, rate.alias(RATE_COLUMN)
    )
