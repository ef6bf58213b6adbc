"""Won revenue per account, and the pipeline facts next actions lean on.

Revenue counts won opportunities closed in the window ``(as_of - window_days,
as_of]``, in the corporate currency. Anything closed after ``as_of`` is
ignored, so scoring a past date replays what was known then.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from mkp_core._keys import ACCOUNT_KEY
from mkp_core.policy import Policy

__all__ = ["REVENUE_COLUMNS", "deal_facts", "merge_facts", "with_facts"]

# What with_facts adds to each account.
REVENUE_COLUMNS: tuple[str, ...] = (
    "window_revenue",
    "last_win_date",
    "open_pipeline",
    "ever_won",
)

# Won revenue in the window, in whole cents, while facts are still partial.
_WON_CENTS = "_won_cents"


def deal_facts(opportunities: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """One row per account key among these clean deals: its revenue facts.

    The deals must have passed the opportunity checks (``mkp_core.inputs``):
    each has a known account and its key and, when won, an amount_corporate
    and a close date. Facts of several batches of deals combine with
    ``merge_facts`` into the facts of all of them: each is a sum, a maximum
    or an "any".
    """
    as_of = policy.as_of_date
    window_start = as_of - dt.timedelta(days=policy.window_days)
    close_date = pl.col("close_date")
    won_by_as_of = pl.col("is_won") & (close_date <= as_of)
    in_window = won_by_as_of & (close_date > window_start)

    # Lost deals (and wins dated after as_of) count towards none of the
    # facts and are about half of an org's deals, so they are dropped before
    # grouping; accounts left without a row get with_facts' defaults.
    # Then plain column sums and maxima per group: far cheaper over millions
    # of deals than filtering inside each group.
    relevant = opportunities.lazy().filter(~pl.col("is_closed") | won_by_as_of)
    # Each deal is counted in whole cents: integer sums do not depend on the
    # order in which parallel group-by workers (or batches) add the deals up,
    # so the same input gives the same revenue to the cent (a float sum
    # rounded after the fact differs by a cent now and then, and rewrites
    # the record).
    cents = (pl.col("amount_corporate") * 100).round(mode="half_away_from_zero")
    facts = relevant.select(
        ACCOUNT_KEY,
        pl.when(in_window).then(cents.cast(pl.Int64)).otherwise(0).alias(_WON_CENTS),
        pl.when(won_by_as_of).then(close_date).alias("last_win_date"),
        (~pl.col("is_closed")).alias("open_pipeline"),
        won_by_as_of.alias("ever_won"),
    )
    return _reduced(facts).collect()


def merge_facts(facts: list[pl.DataFrame]) -> pl.DataFrame:
    """The facts of all the batches whose ``deal_facts`` are given."""
    return _reduced(pl.concat(facts).lazy()).collect()


def with_facts(accounts: pl.DataFrame, facts: pl.DataFrame) -> pl.DataFrame:
    """Accounts (with their key) joined to their deals' facts; accounts
    without deals get zero revenue and no pipeline."""
    return (
        accounts.lazy()
        .join(facts.lazy(), on=ACCOUNT_KEY, how="left", maintain_order="left")
        .drop(ACCOUNT_KEY)
        .with_columns(
            (pl.col(_WON_CENTS) / 100).fill_null(0.0),
            pl.col("open_pipeline").fill_null(False),
            pl.col("ever_won").fill_null(False),
        )
        .rename({_WON_CENTS: "window_revenue"})
        .collect()
    )


def _reduced(facts: pl.LazyFrame) -> pl.LazyFrame:
    return facts.group_by(ACCOUNT_KEY).agg(
        pl.col(_WON_CENTS).sum(),
        pl.col("last_win_date").max(),
        pl.col("open_pipeline").any(),
        pl.col("ever_won").any(),
    )
