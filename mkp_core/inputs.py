"""Semantic checks of the input frames before anything is scored.

A record that cannot be scored honestly (an opportunity without an account, a
won deal without an amount, an amount in a currency with no rate, ...) is kept
out of scoring and reported as one issue row in ``ISSUE_SCHEMA``, with a
stable ``reason`` key and a message naming the record and the field: the first
rule it breaks, in the order the rules are listed. One bad record never stops
the rest of the portfolio.

A field that cannot be believed on a record that can still be scored (a
negative head count, an override of 1e300) is emptied instead, and reported
once per field: the record is scored without it, by the next potential method.
A conversion rate row that cannot convert anything is left out and reported.

Opportunities may come in batches (``OpportunityChecks``): every rule looks
at one deal alone except the duplicate id, which remembers the ids of the
batches before, so the issues are the same however the deals are split.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from mkp_core._keys import ACCOUNT_KEY, SeenKeys, account_key, repeated
from mkp_core._rates import (
    RATE_COLUMN,
    RATE_DATE_COLUMN,
    checked_rates,
    effective_currency,
    with_rates,
)
from mkp_core._rules import (
    REASON,
    IssueReason,
    Rule,
    blank,
    first_broken,
    issue_rows,
    set_aside,
    split,
)
from mkp_core.policy import Policy

__all__ = [
    "CleanInputs",
    "CleanLeads",
    "IssueReason",
    "OpportunityChecks",
    "clean_inputs",
    "clean_leads",
]

# Above any employer on earth (the largest have about three million staff):
# a head count this large is a typing error.
_MAX_EMPLOYEES = 1e7

_KNOWN_ACCOUNT = "_known_account"
_REPEATED = "_repeated"


@dataclasses.dataclass(frozen=True)
class CleanInputs:
    """Accounts and opportunities fit to score, and the issues met on the way.

    ``opportunities`` carries ``amount_corporate``, the amount converted into
    the policy's corporate currency. Both frames carry ``ACCOUNT_KEY``, the
    key that matches a deal to its account (see ``mkp_core._keys``).
    """

    accounts: pl.DataFrame
    opportunities: pl.DataFrame
    issues: pl.DataFrame


@dataclasses.dataclass(frozen=True)
class CleanLeads:
    """Leads fit to score, and the issues met on the way."""

    leads: pl.DataFrame
    issues: pl.DataFrame


def clean_inputs(
    accounts: pl.DataFrame,
    opportunities: pl.DataFrame,
    rates: pl.DataFrame,
    policy: Policy,
) -> CleanInputs:
    """Drop and report what cannot be scored; convert amounts to corporate."""
    checks = OpportunityChecks(accounts, rates, policy)
    clean, opportunity_issues = checks.check(opportunities)
    issues = pl.concat([checks.issues, opportunity_issues])

    return CleanInputs(accounts=checks.accounts, opportunities=clean, issues=issues)


class OpportunityChecks:
    """The accounts and rates checked once, then each batch of deals in turn.

    ``accounts`` are the accounts fit to score, with ``ACCOUNT_KEY``;
    ``issues`` the account and rate issues. A deal repeating the id of a
    deal in an earlier batch is a duplicate, as it is within one batch.
    """

    def __init__(
        self, accounts: pl.DataFrame, rates: pl.DataFrame, policy: Policy
    ) -> None:
        checked, account_issues = _check_records(
            accounts, "account", "account_id", policy
        )
        self._key = account_key(checked)
        self.accounts = checked.with_columns(self._key)
        self._rates, rate_issues = checked_rates(rates)
        self.issues = pl.concat([account_issues, rate_issues])
        self._policy = policy
        self._rules = _opportunity_rules(policy, pl.col(_REPEATED))
        self._seen = SeenKeys()

    def check(self, opportunities: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Deals fit to count (with ``amount_corporate`` and ``ACCOUNT_KEY``),
        and one issue per deal left out, in the batch's order."""
        repeats = self._seen.repeated(opportunities, "opportunity_id")
        keyed = opportunities.with_columns(self._key, repeats.alias(_REPEATED))
        flagged = _flag_opportunities(
            keyed, self.accounts, self._rates, self._policy, self._rules
        )

        # One pass over the flagged deals yields both: the flags are never
        # materialised for all of them.
        clean, issues = pl.collect_all(
            [
                flagged.filter(pl.col(REASON).is_null()).drop(REASON, RATE_DATE_COLUMN),
                issue_rows(flagged, "opportunity", "opportunity_id", self._rules),
            ]
        )
        return clean, issues


def clean_leads(leads: pl.DataFrame, policy: Policy) -> CleanLeads:
    """Drop and report leads without an id, or repeating one (the first is
    kept); empty and report sizes and overrides that cannot be believed."""
    kept, issues = _check_records(leads, "lead", "lead_id", policy)
    return CleanLeads(leads=kept, issues=issues)


def _check_records(
    frame: pl.DataFrame, object_name: str, id_column: str, policy: Policy
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accounts or leads: one row per id, fields checked on the rows kept."""
    id_rules = _id_rules(object_name, id_column, repeated(frame, id_column))
    identified, id_issues = split(frame, object_name, id_column, id_rules)
    checked, field_issues = set_aside(
        identified, object_name, id_column, _field_rules(object_name, id_column, policy)
    )

    return checked, pl.concat([id_issues, field_issues])


def _id_rules(object_name: str, id_column: str, repeats: pl.Expr) -> tuple[Rule, ...]:
    """Blank ids and repeated ids (``repeats``; the first row is kept)."""
    record_id = pl.col(id_column)
    label = object_name.capitalize()
    return (
        Rule(
            IssueReason.MISSING_ID,
            id_column,
            blank(record_id),
            pl.lit(f"{label} row without {id_column} skipped"),
        ),
        Rule(
            IssueReason.DUPLICATE_ID,
            id_column,
            repeats,
            pl.format(
                f"{label} {{}} appears more than once; the first row is used",
                record_id,
            ),
        ),
    )


def _field_rules(object_name: str, id_column: str, policy: Policy) -> tuple[Rule, ...]:
    """Sizes and overrides no customer can have."""
    cap = policy.max_annual_revenue
    bounds = (
        _Bounds("employees", IssueReason.INVALID_SIZE, _MAX_EMPLOYEES),
        # No turnover yet is a real state of a young company, not a typo.
        _Bounds("annual_revenue", IssueReason.INVALID_SIZE, cap, zero_allowed=True),
        _Bounds("potential_override", IssueReason.INVALID_OVERRIDE, cap),
    )
    return tuple(rule for b in bounds for rule in b.rules(object_name, id_column))


@dataclasses.dataclass(frozen=True)
class _Bounds:
    """What a size or an override must be: finite, positive, at most ``cap``."""

    field: str
    reason: IssueReason
    cap: float
    zero_allowed: bool = False

    def rules(self, object_name: str, id_column: str) -> tuple[Rule, ...]:
        value = pl.col(self.field)
        too_small = value < 0 if self.zero_allowed else value <= 0
        sign = "below zero" if self.zero_allowed else "not a positive number"

        def says(problem: str) -> pl.Expr:
            return pl.format(
                f"{object_name.capitalize()} {{}}: {self.field} is {{}}, {problem}; "
                "the value is ignored and the record scored without it",
                pl.col(id_column),
                value,
            )

        return (
            Rule(
                self.reason, self.field, ~value.is_finite(), says("not a finite number")
            ),
            Rule(self.reason, self.field, too_small, says(sign)),
            Rule(
                self.reason,
                self.field,
                value > self.cap,
                says(f"above the cap of {self.cap:g}"),
            ),
        )


def _flag_opportunities(
    opportunities: pl.DataFrame,
    accounts: pl.DataFrame,
    rates: pl.DataFrame,
    policy: Policy,
    rules: tuple[Rule, ...],
) -> pl.LazyFrame:
    """Opportunities (with their account key) with amount_corporate and the
    first rule each one breaks."""
    known_keys = accounts.get_column(ACCOUNT_KEY).implode()
    normalised = (
        with_rates(opportunities, rates, policy)
        .lazy()
        .with_columns(
            pl.col("is_won").fill_null(False),
            pl.col("is_closed").fill_null(False) | pl.col("is_won").fill_null(False),
        )
    )
    converted = normalised.with_columns(
        (pl.col("amount") / pl.col(RATE_COLUMN)).alias("amount_corporate"),
        pl.col(ACCOUNT_KEY).is_in(known_keys).fill_null(False).alias(_KNOWN_ACCOUNT),
    )

    flagged = converted.with_columns(first_broken(rules))
    return flagged.drop(_KNOWN_ACCOUNT, RATE_COLUMN, _REPEATED)


def _opportunity_rules(policy: Policy, repeats: pl.Expr) -> tuple[Rule, ...]:
    opportunity_id = pl.col("opportunity_id")
    amount, won = pl.col("amount"), pl.col("is_won")
    currency = effective_currency(policy)
    cap = policy.max_opportunity_amount
    corporate = policy.corporate_currency

    return (
        *_id_rules("opportunity", "opportunity_id", repeats),
        Rule(
            IssueReason.ORPHAN_OPPORTUNITY,
            "account_id",
            ~pl.col(_KNOWN_ACCOUNT),
            pl.when(blank(pl.col("account_id")))
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
        Rule(
            IssueReason.NON_FINITE_AMOUNT,
            "amount",
            amount.is_nan() | amount.is_infinite(),
            pl.format(
                "Opportunity {} has an amount that is not a finite number ({} {}); "
                "correct the amount to count it",
                opportunity_id,
                amount,
                currency,
            ),
        ),
        Rule(
            IssueReason.MISSING_AMOUNT,
            "amount",
            won & amount.is_null(),
            pl.format(
                "Won opportunity {} has no amount; enter the amount to count it",
                opportunity_id,
            ),
        ),
        Rule(
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
        Rule(
            IssueReason.WON_WITHOUT_CLOSE_DATE,
            "close_date",
            won & pl.col("close_date").is_null(),
            pl.format(
                "Won opportunity {} has no close_date, so its revenue window "
                "is unknown",
                opportunity_id,
            ),
        ),
        Rule(
            IssueReason.UNKNOWN_CURRENCY,
            "currency_code",
            amount.is_not_null() & pl.col(RATE_COLUMN).is_null(),
            pl.format(
                "Opportunity {}: no valid conversion rate for {} on {}; add or "
                "correct the rate to convert its amount",
                opportunity_id,
                currency,
                pl.col(RATE_DATE_COLUMN),
            ),
        ),
        Rule(
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
