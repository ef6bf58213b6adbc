"""Semantic checks of the input frames before anything is scored.

A record that cannot be scored honestly (an opportunity without an account, a
won deal without an amount, an amount in a currency with no rate, ...) is kept
out of scoring and reported as one issue row in ``ISSUE_SCHEMA``, with a
stable ``reason`` key and a message naming the record and the field. One bad
record never stops the rest of the portfolio.

Each record gets at most one issue: the first rule it breaks, in the order
the rules are listed, so issue counts equal the records left out.
"""

from __future__ import annotations

import dataclasses
import enum

import polars as pl

from mkp_core._rates import (
    RATE_COLUMN,
    RATE_DATE_COLUMN,
    effective_currency,
    with_rates,
)
from mkp_core.frames import ISSUE_SCHEMA
from mkp_core.policy import Policy

__all__ = ["CleanInputs", "CleanLeads", "IssueReason", "clean_inputs", "clean_leads"]


class IssueReason(enum.StrEnum):
    """Why a record was kept out of scoring; the key counted in run reports."""

    MISSING_ID = "missing_id"
    DUPLICATE_ID = "duplicate_id"
    ORPHAN_OPPORTUNITY = "orphan_opportunity"
    MISSING_AMOUNT = "missing_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    WON_WITHOUT_CLOSE_DATE = "won_without_close_date"
    UNKNOWN_CURRENCY = "unknown_currency"
    ABSURD_AMOUNT = "absurd_amount"


@dataclasses.dataclass(frozen=True)
class CleanInputs:
    """Accounts and opportunities fit to score, and the issues met on the way.

    ``opportunities`` carries ``amount_corporate``, the amount converted into
    the policy's corporate currency.
    """

    accounts: pl.DataFrame
    opportunities: pl.DataFrame
    issues: pl.DataFrame


@dataclasses.dataclass(frozen=True)
class CleanLeads:
    """Leads fit to score, and the issues met on the way."""

    leads: pl.DataFrame
    issues: pl.DataFrame


@dataclasses.dataclass(frozen=True)
class _Rule:
    reason: IssueReason
    field: str
    broken: pl.Expr
    message: pl.Expr


_REASON = "_reason"
_KNOWN_ACCOUNT = "_known_account"


def clean_inputs(
    accounts: pl.DataFrame,
    opportunities: pl.DataFrame,
    rates: pl.DataFrame,
    policy: Policy,
) -> CleanInputs:
    """Drop and report what cannot be scored; convert amounts to corporate."""
    accounts, account_issues = _check_ids(accounts, "account", "account_id")
    flagged = _flag_opportunities(opportunities, accounts, rates, policy)

    clean = flagged.filter(pl.col(_REASON).is_null()).drop(_REASON, RATE_DATE_COLUMN)
    opportunity_issues = _issue_rows(
        flagged, "opportunity", "opportunity_id", _opportunity_rules(policy)
    )
    issues = pl.concat([account_issues, opportunity_issues])

    return CleanInputs(accounts=accounts, opportunities=clean, issues=issues)


def clean_leads(leads: pl.DataFrame) -> CleanLeads:
    """Drop and report leads without an id, or repeating one (the first is kept)."""
    kept, issues = _check_ids(leads, "lead", "lead_id")
    return CleanLeads(leads=kept, issues=issues)


def _check_ids(
    frame: pl.DataFrame, object_name: str, id_column: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first row per id; report blank and repeated ids."""
    record_id = pl.col(id_column)
    rules = (
        _Rule(
            IssueReason.MISSING_ID,
            id_column,
            _blank(record_id),
            pl.lit(f"{object_name.capitalize()} row without {id_column} skipped"),
        ),
        _Rule(
            IssueReason.DUPLICATE_ID,
            id_column,
            ~record_id.is_first_distinct(),
            pl.format(
                f"{object_name.capitalize()} {{}} appears more than once; "
                "the first row is used",
                record_id,
            ),
        ),
    )
    flagged = frame.with_columns(_first_broken(rules))

    kept = flagged.filter(pl.col(_REASON).is_null()).drop(_REASON)
    return kept, _issue_rows(flagged, object_name, id_column, rules)


def _flag_opportunities(
    opportunities: pl.DataFrame,
    accounts: pl.DataFrame,
    rates: pl.DataFrame,
    policy: Policy,
) -> pl.DataFrame:
    """Opportunities with amount_corporate and the first rule each one breaks."""
    known_ids = accounts.get_column("account_id").implode()
    normalised = (
        with_rates(opportunities, rates, policy)
        .lazy()
        .with_columns(
            pl.col("amount").fill_nan(None),
            pl.col("is_won").fill_null(False),
            pl.col("is_closed").fill_null(False) | pl.col("is_won").fill_null(False),
        )
    )
    converted = normalised.with_columns(
        (pl.col("amount") / pl.col(RATE_COLUMN)).alias("amount_corporate"),
        pl.col("account_id").is_in(known_ids).fill_null(False).alias(_KNOWN_ACCOUNT),
    )

    return (
        converted.with_columns(_first_broken(_opportunity_rules(policy)))
        .drop(_KNOWN_ACCOUNT, RATE_COLUMN)
        .collect()
    )


def _opportunity_rules(policy: Policy) -> tuple[_Rule, ...]:
    opportunity_id = pl.col("opportunity_id")
    amount, won = pl.col("amount"), pl.col("is_won")
    currency = effective_currency(policy)
    cap = policy.max_opportunity_amount
    corporate = policy.corporate_currency

    return (
        _Rule(
            IssueReason.MISSING_ID,
            "opportunity_id",
            _blank(opportunity_id),
            pl.lit("Opportunity row without opportunity_id skipped"),
        ),
        _Rule(
            IssueReason.DUPLICATE_ID,
            "opportunity_id",
            ~opportunity_id.is_first_distinct(),
            pl.format(
                "Opportunity {} appears more than once; the first row is used",
                opportunity_id,
            ),
        ),
        _Rule(
            IssueReason.ORPHAN_OPPORTUNITY,
            "account_id",
            ~pl.col(_KNOWN_ACCOUNT),
            pl.when(_blank(pl.col("account_id")))
            .then(pl.format("Opportunity {} has no account_id", opportunity_id))
            .otherwise(
                pl.format(
                    "Opportunity {} refers to account {}, which is not among "
                    "the accounts read",
                    opportunity_id,
                    pl.col("account_id"),
                )
            ),
        ),
        _Rule(
            IssueReason.MISSING_AMOUNT,
            "amount",
            won & amount.is_null(),
            pl.format(
                "Won opportunity {} has no amount; enter the amount to count it",
                opportunity_id,
            ),
        ),
        _Rule(
            IssueReason.NEGATIVE_AMOUNT,
            "amount",
            amount < 0,
            pl.format(
                "Opportunity {} has a negative amount ({} {})",
                opportunity_id,
                amount,
                currency,
            ),
        ),
        _Rule(
            IssueReason.WON_WITHOUT_CLOSE_DATE,
            "close_date",
            won & pl.col("close_date").is_null(),
            pl.format(
                "Won opportunity {} has no close_date, so its revenue window "
                "is unknown",
                opportunity_id,
            ),
        ),
        _Rule(
            IssueReason.UNKNOWN_CURRENCY,
            "currency_code",
            amount.is_not_null() & pl.col(RATE_COLUMN).is_null(),
            pl.format(
                "Opportunity {}: no conversion rate for {} on {}; add the rate "
                "to convert its amount",
                opportunity_id,
                currency,
                pl.col(RATE_DATE_COLUMN),
            ),
        ),
        _Rule(
            IssueReason.ABSURD_AMOUNT,
            "amount",
            pl.col("amount_corporate") > cap,
            pl.format(
                f"Opportunity {{}} has an amount of {{}} {corporate}, above the "
                f"cap of {cap:g} {corporate}; check the amount",
                opportunity_id,
                pl.col("amount_corporate"),
            ),
        ),
    )


def _blank(column: pl.Expr) -> pl.Expr:
    return column.is_null() | (column.str.strip_chars() == "")


def _first_broken(rules: tuple[_Rule, ...]) -> pl.Expr:
    """The index of the first rule a row breaks, null when it breaks none."""
    return pl.coalesce(
        pl.when(rule.broken).then(pl.lit(index, pl.UInt8))
        for index, rule in enumerate(rules)
    ).alias(_REASON)


def _issue_rows(
    flagged: pl.DataFrame, object_name: str, id_column: str, rules: tuple[_Rule, ...]
) -> pl.DataFrame:
    """One ISSUE_SCHEMA row per flagged record; messages built only for those."""
    rule_index = pl.col(_REASON)
    field = pl.coalesce(
        pl.when(rule_index == index).then(pl.lit(rule.field))
        for index, rule in enumerate(rules)
    )
    reason = pl.coalesce(
        pl.when(rule_index == index).then(pl.lit(rule.reason.value))
        for index, rule in enumerate(rules)
    )
    message = pl.coalesce(
        pl.when(rule_index == index).then(rule.message)
        for index, rule in enumerate(rules)
    )

    return (
        flagged.filter(rule_index.is_not_null())
        .select(
            pl.lit(object_name).alias("object"),
            pl.col(id_column).alias("record_id"),
            field.alias("field"),
            reason.alias("reason"),
            message.alias("message"),
        )
        .cast(pl.Schema(ISSUE_SCHEMA))
    )
