"""score_portfolio end to end on small portfolios and the Maven sample."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from core_builders import (
    NOW,
    accounts,
    leads,
    maven_frames,
    opportunities,
    policy,
    rates,
    score,
    won,
)

from mkp_core import SCORE_SCHEMA, Policy, PolicyError, score_portfolio

CUSTOMERS = [
    {"account_id": f"A{i}", "industry": "x", "employees": 10.0 * i} for i in range(1, 7)
]
WINS = [won(f"O{i}", f"A{i}", 100.0 * i * i) for i in range(1, 6)]


def test_scores_follow_the_score_schema_accounts_then_leads() -> None:
    result = score(
        accounts(*CUSTOMERS),
        opportunities(*WINS),
        policy(min_peer_group=2),
        leads=leads({"lead_id": "L1", "company": "Lead Co", "employees": 30.0}),
    )

    assert result.scores.schema == pl.Schema(SCORE_SCHEMA)
    assert result.scores.get_column("kind").to_list() == ["account"] * 6 + ["lead"]
    assert result.scores.get_column("record_id").to_list()[:2] == ["A1", "A2"]


def test_a_lead_takes_its_company_name_when_it_has_no_name() -> None:
    result = score(
        accounts(*CUSTOMERS),
        opportunities(*WINS),
        leads=leads({"lead_id": "L1", "company": "Lead Co"}),
    )

    assert result.scores.filter(pl.col("kind") == "lead").get_column(
        "name"
    ).to_list() == ["Lead Co"]


def test_leads_land_in_the_not_working_segments_only() -> None:
    lead_rows = leads(*({"lead_id": f"L{i}", "employees": 10.0**i} for i in range(5)))

    result = score(
        accounts(*CUSTOMERS),
        opportunities(*WINS),
        policy(min_peer_group=2),
        leads=lead_rows,
    )

    lead_segments = result.scores.filter(pl.col("kind") == "lead").get_column("segment")
    assert set(lead_segments.to_list()) <= {1, 4, 7}
    assert lead_segments.n_unique() > 1


def test_top_n_keeps_the_accounts_with_the_most_revenue() -> None:
    result = score(accounts(*CUSTOMERS), opportunities(*WINS), top_n=2)

    assert result.scores.get_column("record_id").to_list() == ["A4", "A5"]


def test_top_n_breaks_revenue_ties_by_account_id() -> None:
    tied = [won("T1", "A2", 10.0), won("T2", "A1", 10.0)]

    result = score(accounts(*CUSTOMERS[:3]), opportunities(*tied), top_n=1)

    assert result.scores.get_column("record_id").to_list() == ["A1"]


def test_top_n_does_not_change_the_scores_it_keeps() -> None:
    everyone = score(
        accounts(*CUSTOMERS), opportunities(*WINS), policy(min_peer_group=2)
    )
    top = score(
        accounts(*CUSTOMERS), opportunities(*WINS), policy(min_peer_group=2), top_n=3
    )

    expected = everyone.scores.filter(pl.col("record_id").is_in(["A3", "A4", "A5"]))
    assert top.scores.equals(expected)


def test_bad_input_is_returned_with_the_scores() -> None:
    result = score(accounts(*CUSTOMERS), opportunities(*WINS, won("X", "A404", 5.0)))

    assert result.issues.get_column("reason").to_list() == ["orphan_opportunity"]
    assert result.scores.height == len(CUSTOMERS)


def test_size_exponent_used_is_reported() -> None:
    result = score(
        accounts(*CUSTOMERS), opportunities(*WINS), policy(size_exponent=0.75)
    )

    assert result.size_exponent == 0.75


def test_policy_without_as_of_is_refused() -> None:
    with pytest.raises(PolicyError, match="as_of"):
        score_portfolio(accounts(), opportunities(), rates(), Policy(), now=NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        score_portfolio(
            accounts(), opportunities(), rates(), policy(), now=dt.datetime(2018, 1, 1)
        )


def test_empty_portfolio_scores_to_an_empty_frame() -> None:
    result = score(accounts(), opportunities())

    assert result.scores.is_empty()
    assert result.scores.schema == pl.Schema(SCORE_SCHEMA)


def test_maven_sample_scores_every_account_with_peers() -> None:
    account_rows, deal_rows = maven_frames()

    result = score(account_rows, deal_rows)

    scores = result.scores
    assert scores.height == 85
    assert scores.get_column("potential_method").unique().to_list() == ["peers"]
    assert scores.get_column("segment").is_between(1, 9).all()
    assert (scores.get_column("potential") >= scores.get_column("window_revenue")).all()


def test_a_nan_amount_is_reported_and_never_becomes_a_nan_potential() -> None:
    deals = opportunities(*WINS, won("O9", "A6", float("nan")))

    result = score(accounts(*CUSTOMERS), deals)

    assert result.scores.get_column("potential").is_finite().all()
    assert result.issues.select("record_id", "reason").rows() == [
        ("O9", "non_finite_amount")
    ]
