"""Properties of the model that must hold for any portfolio."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from core_builders import AS_OF, NOW, accounts, fed_back, leads, opportunities, rates
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkp_core import (
    Policy,
    ProgressLevel,
    RecordKind,
    Scoring,
    changed_records,
    score_portfolio,
)
from mkp_core.progress import assign_progress

PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

sizes = st.one_of(st.none(), st.floats(min_value=1, max_value=1e5))
amounts = st.one_of(st.none(), st.floats(min_value=0, max_value=1e7))


@st.composite
def portfolios(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=12))
    account_rows = [
        {
            "account_id": f"A{index:02d}",
            "industry": draw(st.sampled_from(["retail", "medical", None])),
            "employees": draw(sizes),
            "annual_revenue": draw(st.one_of(st.none(), st.floats(1e4, 1e10))),
            "potential_override": draw(st.one_of(st.none(), st.floats(0, 1e6))),
            "crm_progress_level": draw(
                st.one_of(st.none(), st.sampled_from(list(map(str, ProgressLevel))))
            ),
            "crm_potential_level": draw(
                st.one_of(st.none(), st.sampled_from(["Low", "Medium", "High"]))
            ),
        }
        for index in range(count)
    ]
    deal_rows = [
        _deal(
            index,
            draw(st.integers(0, count - 1)),
            draw(amounts),
            draw(st.booleans()),
            draw(st.integers(0, 800)),
        )
        for index in range(draw(st.integers(0, 30)))
    ]
    lead_rows = [
        {"lead_id": f"L{index}", "industry": "retail", "employees": draw(sizes)}
        for index in range(draw(st.integers(0, 3)))
    ]
    policy = Policy(
        as_of=AS_OF,
        min_peer_group=draw(st.integers(2, 4)),
        hysteresis_margin=draw(st.sampled_from([0.0, 0.05])),
    )
    return {
        "accounts": accounts(*account_rows),
        "opportunities": opportunities(*deal_rows),
        "leads": leads(*lead_rows),
        "policy": policy,
    }


def _deal(
    index: int, account: int, amount: float | None, is_won: bool, days: int
) -> dict[str, Any]:
    return {
        "opportunity_id": f"O{index}",
        "account_id": f"A{account:02d}",
        "amount": amount,
        "is_won": is_won,
        "is_closed": is_won or days % 2 == 0,
        "close_date": AS_OF - dt.timedelta(days=days),
    }


def scored(portfolio: dict[str, Any], now: dt.datetime = NOW) -> Scoring:
    return score_portfolio(
        portfolio["accounts"],
        portfolio["opportunities"],
        rates(),
        portfolio["policy"],
        now=now,
        leads=portfolio["leads"],
    )


@PROPERTY_SETTINGS
@given(portfolio=portfolios())
def test_wallet_share_stays_between_zero_and_one(portfolio: dict[str, Any]) -> None:
    share = scored(portfolio).scores.get_column("wallet_share")

    assert share.is_between(0.0, 1.0).all()


@PROPERTY_SETTINGS
@given(portfolio=portfolios())
def test_potential_is_never_below_window_revenue(portfolio: dict[str, Any]) -> None:
    scores = scored(portfolio).scores

    assert (scores.get_column("potential") >= scores.get_column("window_revenue")).all()


@PROPERTY_SETTINGS
@given(portfolio=portfolios())
def test_every_account_sits_in_exactly_one_of_nine_segments(
    portfolio: dict[str, Any],
) -> None:
    scores = scored(portfolio).scores
    account_scores = scores.filter(pl.col("kind") == RecordKind.ACCOUNT.value)

    assert sorted(account_scores.get_column("record_id")) == sorted(
        portfolio["accounts"].get_column("account_id")
    )
    assert scores.get_column("segment").is_between(1, 9).all()
    lead_segments = scores.filter(pl.col("kind") == RecordKind.LEAD.value)["segment"]
    assert lead_segments.is_in([1, 4, 7]).all()


@PROPERTY_SETTINGS
@given(
    revenues=st.tuples(st.floats(0, 1e6), st.floats(0, 1e6)),
    estimate=st.floats(0, 1e6),
    previous=st.one_of(st.none(), st.sampled_from(list(map(str, ProgressLevel)))),
    margin=st.sampled_from([0.0, 0.05, 0.2]),
)
def test_more_revenue_never_lowers_the_progress_level(
    revenues: tuple[float, float], estimate: float, previous: str | None, margin: float
) -> None:
    low, high = sorted(revenues)
    frame = pl.DataFrame(
        {
            "window_revenue": [low, high],
            "potential": [max(estimate, low), max(estimate, high)],
            "crm_progress_level": [previous, previous],
        },
        schema={
            "window_revenue": pl.Float64,
            "potential": pl.Float64,
            "crm_progress_level": pl.String,
        },
    )

    result = assign_progress(frame, Policy(as_of=AS_OF, hysteresis_margin=margin))

    levels = [ProgressLevel(value).axis for value in result["progress_level"]]
    assert levels[0] <= levels[1]


@PROPERTY_SETTINGS
@given(portfolio=portfolios())
def test_scoring_again_with_its_own_output_in_the_crm_changes_nothing(
    portfolio: dict[str, Any],
) -> None:
    first = scored(portfolio).scores
    again = {
        **portfolio,
        "accounts": fed_back(portfolio["accounts"], first),
        "leads": fed_back(portfolio["leads"], first, kind="lead"),
    }

    second = scored(again, now=NOW + dt.timedelta(days=1)).scores

    assert changed_records(second, RecordKind.ACCOUNT).is_empty()
    assert changed_records(second, RecordKind.LEAD).is_empty()


@PROPERTY_SETTINGS
@given(portfolio=portfolios())
def test_same_input_gives_the_same_output(portfolio: dict[str, Any]) -> None:
    first, second = scored(portfolio), scored(portfolio)

    assert first.scores.equals(second.scores)
    assert first.issues.equals(second.issues)
    assert first.size_exponent == second.size_exponent
