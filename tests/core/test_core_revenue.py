"""Won revenue per account in the window, last win, open pipeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from core_builders import AS_OF, accounts, open_deal, opportunities, policy, rates, won

from mkp_core import clean_inputs
from mkp_core.revenue import deal_facts, with_facts


def revenue_of(*deals: dict[str, Any], **kw: Any) -> dict[str, Any]:
    chosen = policy(**kw)
    clean = clean_inputs(
        accounts({"account_id": "A1"}, {"account_id": "A2"}),
        opportunities(*deals),
        rates({"currency_code": "EUR", "rate": 0.5}),
        chosen,
    )
    rows = with_facts(clean.accounts, deal_facts(clean.opportunities, chosen))
    return {row["account_id"]: row for row in rows.iter_rows(named=True)}


def test_window_is_open_at_the_start_and_closed_at_as_of() -> None:
    start = AS_OF - dt.timedelta(days=365)
    deals = (
        won("O1", "A1", 1.0, close_date=start),
        won("O2", "A1", 10.0, close_date=start + dt.timedelta(days=1)),
        won("O3", "A1", 100.0, close_date=AS_OF),
        won("O4", "A1", 1000.0, close_date=AS_OF + dt.timedelta(days=1)),
    )

    assert revenue_of(*deals)["A1"]["window_revenue"] == 110.0


def test_window_length_comes_from_the_policy() -> None:
    deals = (won("O1", "A1", 5.0, close_date=AS_OF - dt.timedelta(days=40)),)

    assert revenue_of(*deals, window_days=30)["A1"]["window_revenue"] == 0.0


def test_revenue_is_summed_in_the_corporate_currency() -> None:
    deals = (won("O1", "A1", 10.0, currency_code="EUR"), won("O2", "A1", 5.0))

    assert revenue_of(*deals)["A1"]["window_revenue"] == pytest.approx(25.0)


def test_lost_deals_bring_no_revenue() -> None:
    lost = {**won("O1", "A1", 50.0), "is_won": False, "stage": "Lost"}

    assert revenue_of(lost)["A1"]["window_revenue"] == 0.0


def test_last_win_looks_beyond_the_window_but_not_past_as_of() -> None:
    old = dt.date(2010, 5, 1)
    deals = (
        won("O1", "A1", 1.0, close_date=old),
        won("O2", "A1", 1.0, close_date=AS_OF + dt.timedelta(days=3)),
    )

    a1 = revenue_of(*deals)["A1"]

    assert (a1["last_win_date"], a1["ever_won"], a1["window_revenue"]) == (
        old,
        True,
        0.0,
    )


def test_any_open_deal_is_open_pipeline() -> None:
    result = revenue_of(open_deal("O1", "A1"), won("O2", "A2", 3.0))

    assert result["A1"]["open_pipeline"] is True
    assert result["A2"]["open_pipeline"] is False


def test_account_without_deals_has_zero_revenue_and_no_win() -> None:
    a2 = revenue_of(won("O1", "A1", 3.0))["A2"]

    assert (a2["window_revenue"], a2["last_win_date"], a2["ever_won"]) == (
        0.0,
        None,
        False,
    )
