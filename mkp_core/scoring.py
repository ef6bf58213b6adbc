"""Score a whole portfolio: accounts and leads in, one row per record out.

Steps: clean the input, add each account's revenue, estimate potential, place
each record on both axes, name the segment, write the next action and the
explanation. Leads go through the same steps with no revenue, so they land in
segments 1, 4 or 7; their peers are the accounts.

Deals reach scoring only as per-account facts, through an
``OpportunityDigest``: ``score_portfolio`` folds a whole frame of deals into
one, and a caller reading deals page by page fills its own and hands it to
``score_digest``. Both take the same checks and the same sums.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import polars as pl

from mkp_core.actions import add_actions
from mkp_core.digest import OpportunityDigest
from mkp_core.frames import (
    CRM_STATE_SCHEMA,
    LEAD_SCHEMA,
    SCORE_SCHEMA,
    RecordKind,
    conform,
)
from mkp_core.inputs import clean_leads
from mkp_core.policy import Policy
from mkp_core.potential import SizeModel, estimate_potential, fit_size_model
from mkp_core.progress import assign_potential_level, assign_progress, potential_cutoffs
from mkp_core.segment import assign_segment, run_timestamp

__all__ = ["RECORD_COLUMNS", "Scoring", "score_digest", "score_portfolio"]

logger = logging.getLogger(__name__)

# The columns of the frame of records the account-side steps score.
RECORD_COLUMNS = (
    "record_id",
    "kind",
    "name",
    "owner",
    "industry",
    "employees",
    "annual_revenue",
    "potential_override",
    "window_revenue",
    "last_win_date",
    "open_pipeline",
    "ever_won",
    *CRM_STATE_SCHEMA,
)


@dataclasses.dataclass(frozen=True)
class Scoring:
    """Scores in ``SCORE_SCHEMA`` (accounts then leads, each by id), the input
    issues met, and the size exponent ``b`` the peers method used."""

    scores: pl.DataFrame
    issues: pl.DataFrame
    size_exponent: float


def score_portfolio(
    accounts: pl.DataFrame,
    opportunities: pl.DataFrame,
    rates: pl.DataFrame,
    policy: Policy,
    *,
    now: dt.datetime,
    leads: pl.DataFrame | None = None,
    top_n: int | None = None,
) -> Scoring:
    """Score every account (and lead) as of ``policy.as_of``.

    ``now`` (timezone-aware) stamps segment changes. ``top_n`` keeps only the
    N accounts with the largest window revenue (ties by id); they are scored
    against the whole portfolio, so an account's score does not depend on N.
    """
    digest = OpportunityDigest(accounts, rates, policy)
    digest.add(opportunities)

    return score_digest(digest, now=now, leads=leads, top_n=top_n)


def score_digest(
    digest: OpportunityDigest,
    *,
    now: dt.datetime,
    leads: pl.DataFrame | None = None,
    top_n: int | None = None,
) -> Scoring:
    """Score the digest's accounts (and ``leads``) once every deal is in it.

    Finishes the digest; the arguments are those of ``score_portfolio``,
    whose accounts, rates and policy the digest already holds.
    """
    if top_n is not None and top_n < 1:
        raise ValueError(f"top_n must be at least 1, got {top_n}")
    now = run_timestamp(now)
    policy = digest.policy
    digested = digest.finish()
    cleaned_leads = (
        clean_leads(conform(leads, LEAD_SCHEMA), policy) if leads is not None else None
    )

    records = _records(
        digested.accounts, cleaned_leads.leads if cleaned_leads else None
    )
    size = fit_size_model(records, policy)
    scored = _score(records, policy, size, now)

    issues = [digested.issues] + ([cleaned_leads.issues] if cleaned_leads else [])
    scores = _output(scored, top_n)
    logger.debug(
        "Scored %d records (b=%.3f on %s), %d input issues",
        scores.height,
        size.exponent,
        size.measure,
        sum(frame.height for frame in issues),
    )
    return Scoring(scores=scores, issues=pl.concat(issues), size_exponent=size.exponent)


def _score(
    records: pl.DataFrame, policy: Policy, size: SizeModel, now: dt.datetime
) -> pl.DataFrame:
    with_potential = estimate_potential(records, policy, size)
    with_progress = assign_progress(with_potential, policy)
    cutoffs = potential_cutoffs(with_progress, policy)
    with_levels = assign_potential_level(with_progress, cutoffs, policy)
    segmented = assign_segment(with_levels, policy, now)

    return add_actions(segmented, policy, size)


def _records(accounts: pl.DataFrame, leads: pl.DataFrame | None) -> pl.DataFrame:
    """Accounts and leads as one frame of records to score."""
    frames = [
        accounts.with_columns(
            pl.col("account_id").alias("record_id"),
            pl.lit(RecordKind.ACCOUNT.value).alias("kind"),
        ).select(RECORD_COLUMNS)
    ]
    if leads is not None:
        frames.append(
            leads.with_columns(
                pl.col("lead_id").alias("record_id"),
                pl.lit(RecordKind.LEAD.value).alias("kind"),
                pl.coalesce("name", "company").alias("name"),
                pl.lit(0.0).alias("window_revenue"),
                pl.lit(None, pl.Date).alias("last_win_date"),
                pl.lit(False).alias("open_pipeline"),
                pl.lit(False).alias("ever_won"),
            ).select(RECORD_COLUMNS)
        )
    return pl.concat(frames)


def _output(scored: pl.DataFrame, top_n: int | None) -> pl.DataFrame:
    """SCORE_SCHEMA columns, accounts then leads, each sorted by id."""
    is_account = pl.col("kind") == RecordKind.ACCOUNT.value
    if top_n is not None:
        top = (
            scored.filter(is_account)
            .sort(["window_revenue", "record_id"], descending=[True, False])
            .head(top_n)
            .get_column("record_id")
        )
        scored = scored.filter(~is_account | pl.col("record_id").is_in(top.implode()))

    return conform(scored, SCORE_SCHEMA).sort("kind", "record_id")
