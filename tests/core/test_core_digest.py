"""Deals folded in pages give the scores and issues of the deals given whole."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from core_builders import AS_OF, NOW, accounts, opportunities, policy, rates, won
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkp_core import OpportunityDigest, Scoring, score_digest, score_portfolio

ACCOUNT_IDS = [f"A{index}" for index in range(6)]
RATES = rates(
    {"currency_code": "EUR", "rate": 0.5},
    {"currency_code": "GBP", "rate": 0.8, "start_date": dt.date(2017, 1, 1)},
)

# Ids drawn from a small pool, so pages repeat each other's ids; accounts,
# amounts and currencies include every kind of bad value the checks know.
deal_rows = st.fixed_dictionaries(
    {
        "opportunity_id": st.one_of(st.none(), st.sampled_from(["O1", "O2", "O3"]))
        | st.integers(0, 9).map(lambda n: f"O{n}"),
        "account_id": st.sampled_from([*ACCOUNT_IDS, "A404", " ", None]),
        "amount": st.one_of(
            st.none(),
            st.sampled_from([float("nan"), -5.0, 1e13]),
            st.floats(0, 1e6, allow_nan=False),
        ),
        "currency_code": st.sampled_from([None, "usd", "EUR", "GBP", "ZZZ"]),
        "is_won": st.booleans(),
        "is_closed": st.booleans(),
        "close_date": st.one_of(
            st.none(), st.integers(-30, 800).map(lambda d: AS_OF - dt.timedelta(d))
        ),
    }
)


def scored_in_pages(deals: pl.DataFrame, page_rows: int, batch_rows: int) -> Scoring:
    account_rows = accounts(*({"account_id": a} for a in ACCOUNT_IDS))
    digest = OpportunityDigest(account_rows, RATES, policy(), batch_rows=batch_rows)
    for page in deals.iter_slices(page_rows):
        digest.add(page)

    return score_digest(digest, now=NOW)


def scored_whole(deals: pl.DataFrame) -> Scoring:
    account_rows = accounts(*({"account_id": a} for a in ACCOUNT_IDS))
    return score_portfolio(account_rows, deals, RATES, policy(), now=NOW)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(deal_rows, max_size=40),
    page_rows=st.integers(1, 12),
    batch_rows=st.integers(1, 20),
)
def test_any_split_of_the_deals_scores_as_the_whole(
    rows: list[dict[str, Any]], page_rows: int, batch_rows: int
) -> None:
    deals = opportunities(*rows)

    whole = scored_whole(deals)
    paged = scored_in_pages(deals, page_rows, batch_rows)

    assert paged.scores.equals(whole.scores)
    assert paged.issues.equals(whole.issues)


def test_an_id_repeated_in_a_later_page_is_a_duplicate_and_the_first_counts() -> None:
    deals = opportunities(won("O1", "A1", 10.0), won("O1", "A2", 99.0))

    result = scored_in_pages(deals, page_rows=1, batch_rows=1)

    issue = result.issues.row(0, named=True)
    assert (issue["record_id"], issue["reason"]) == ("O1", "duplicate_id")
    revenue = dict(result.scores.select("record_id", "window_revenue").iter_rows())
    assert (revenue["A1"], revenue["A2"]) == (10.0, 0.0)


def test_a_digest_with_no_page_scores_every_account_without_revenue() -> None:
    result = scored_in_pages(opportunities(), page_rows=3, batch_rows=5)

    assert result.scores.height == len(ACCOUNT_IDS)
    assert result.scores.get_column("window_revenue").sum() == 0.0


def test_no_page_is_taken_once_the_digest_is_scored() -> None:
    digest = OpportunityDigest(accounts({"account_id": "A1"}), RATES, policy())
    score_digest(digest, now=NOW)

    with pytest.raises(RuntimeError, match="finished"):
        digest.add(opportunities(won("O1", "A1", 1.0)))


def test_many_small_pages_add_up_to_each_accounts_revenue() -> None:
    deals = opportunities(*(won(f"O{n}", ACCOUNT_IDS[n % 6], 1.0) for n in range(300)))

    result = scored_in_pages(deals, page_rows=7, batch_rows=7)

    revenue = result.scores.get_column("window_revenue").to_list()
    assert revenue == [50.0] * 6
