"""The hold-out self-check of the peers potential, on data with a known answer.

The synthetic portfolio draws each customer's spend from a log-normal whose
median grows with size (spend ∝ size^0.7) and differs by industry, with the
same spread everywhere. Its true 90th percentile is known, so a calibrated
90 % potential is exceeded by about one customer in ten.
"""

from __future__ import annotations

import math
import random

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mkp_core import CalibrationVerdict, Policy, calibrate
from mkp_core.calibration import _stable_hash, holdout_mask
from mkp_core.potential import estimate_potential, fit_size_model

SIZE_EXPONENT = 0.7
SPREAD = 0.8
INDUSTRIES = {f"industry-{i}": 2.0 + 0.4 * i for i in range(8)}


def synthetic_portfolio(accounts: int, seed: int = 7) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for number in range(accounts):
        industry = rng.choice(list(INDUSTRIES))
        employees = math.exp(rng.gauss(5.0, 1.2))
        log_median = INDUSTRIES[industry] + SIZE_EXPONENT * math.log(employees)
        revenue = math.exp(log_median + SPREAD * rng.gauss(0.0, 1.0))
        rows.append((f"ACC-{number:06d}", industry, employees, None, revenue))
    return pl.DataFrame(
        rows,
        schema={
            "account_id": pl.String,
            "industry": pl.String,
            "employees": pl.Float64,
            "annual_revenue": pl.Float64,
            "window_revenue": pl.Float64,
        },
        orient="row",
    )


@pytest.fixture(scope="module")
def portfolio() -> pl.DataFrame:
    return synthetic_portfolio(20_000)


def test_potential_is_exceeded_by_about_one_customer_in_ten(
    portfolio: pl.DataFrame,
) -> None:
    result = calibrate(portfolio, Policy(peer_quantile=0.9))

    assert result.coverage is not None
    assert abs(result.coverage - 0.90) <= 0.03


def test_potential_beats_the_portfolio_quantile_baseline(
    portfolio: pl.DataFrame,
) -> None:
    result = calibrate(portfolio, Policy(peer_quantile=0.9))

    assert result.pinball_loss is not None
    assert result.baseline_pinball_loss is not None
    assert result.pinball_loss < result.baseline_pinball_loss


def test_well_estimated_portfolio_is_judged_calibrated(
    portfolio: pl.DataFrame,
) -> None:
    assert calibrate(portfolio, Policy()).verdict is CalibrationVerdict.CALIBRATED


def test_hold_out_is_about_the_requested_share(portfolio: pl.DataFrame) -> None:
    result = calibrate(portfolio, Policy(), holdout_share=0.3)

    assert abs(result.holdout / result.customers - 0.3) < 0.02


def test_coverage_follows_the_configured_quantile(portfolio: pl.DataFrame) -> None:
    result = calibrate(portfolio, Policy(peer_quantile=0.7))

    assert result.coverage is not None
    assert abs(result.coverage - 0.70) <= 0.03


def test_calibration_gives_the_same_figures_twice(portfolio: pl.DataFrame) -> None:
    sample = portfolio.head(3_000)

    assert calibrate(sample, Policy()) == calibrate(sample, Policy())


def test_a_handful_of_customers_is_too_little_history() -> None:
    result = calibrate(synthetic_portfolio(30), Policy())

    assert result.verdict is CalibrationVerdict.TOO_LITTLE_HISTORY
    assert result.coverage is None


def test_customers_without_revenue_are_left_out_of_the_test() -> None:
    customers = synthetic_portfolio(200).with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(0.0)
        .otherwise(pl.col("window_revenue"))
        .alias("window_revenue")
    )

    assert calibrate(customers, Policy()).customers == 100


@given(
    ids=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=40),
    other=st.lists(st.text(min_size=1, max_size=12), max_size=40),
)
def test_an_accounts_side_of_the_split_depends_on_its_id_alone(
    ids: list[str], other: list[str]
) -> None:
    alone = holdout_mask(pl.Series(ids), 0.3).to_list()
    among_others = holdout_mask(pl.Series([*other, *ids]), 0.3).to_list()

    assert among_others[len(other) :] == alone


def test_customers_outside_the_peer_set_do_not_move_anyones_potential() -> None:
    records = _records(synthetic_portfolio(400))
    outside = pl.col("record_id").str.ends_with("7")
    policy = Policy()
    size = fit_size_model(records, policy)
    inflated = records.with_columns(
        pl.when(outside)
        .then(pl.col("window_revenue") * 1000)
        .otherwise(pl.col("window_revenue"))
        .alias("window_revenue")
    )

    before = estimate_potential(records, policy, size, peers=~outside)
    after = estimate_potential(inflated, policy, size, peers=~outside)

    assert before.get_column("method_potential").to_list() == (
        after.get_column("method_potential").to_list()
    )


def _records(customers: pl.DataFrame) -> pl.DataFrame:
    return customers.select(
        pl.col("account_id").alias("record_id"),
        pl.lit("account").alias("kind"),
        "industry",
        "employees",
        "annual_revenue",
        pl.lit(None, pl.Float64).alias("potential_override"),
        "window_revenue",
    )


def test_the_split_sets_aside_the_share_asked_for_of_similar_ids() -> None:
    ids = pl.Series([f"001{n:015d}" for n in range(20_000)])

    share = holdout_mask(ids, 0.3).mean()

    assert share is not None
    assert abs(float(share) - 0.3) < 0.02


def _reference_hash(account_id: str | None, seed: int) -> int:
    """The split's hash written out one byte at a time."""
    prime = 2_147_483_647
    data = (account_id or "").encode()
    draw = random.Random(seed)
    total = draw.randrange(prime)
    for byte in data:
        total = (total + (byte + 1) * draw.randrange(1, prime)) % prime
    return total


@given(
    ids=st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=30),
    seed=st.integers(0, 3),
)
def test_the_split_hash_is_the_written_out_byte_sum(
    ids: list[str | None], seed: int
) -> None:
    hashed = _stable_hash(pl.Series(ids, dtype=pl.String), seed).to_list()

    assert hashed == [_reference_hash(account_id, seed) for account_id in ids]


def test_the_split_hash_of_fixed_ids_never_changes() -> None:
    ids = ["001000000000001AAA", "001000000000002AAA", "A-1", "", None, "Ёлка-7"]

    hashed = _stable_hash(pl.Series(ids), 0).to_list()

    assert hashed == [
        1222214213,
        1153065226,
        1393095317,
        1813382118,
        1813382118,
        448053656,
    ]
