"""Potential: override, size-normalised peers, firmographic, revenue."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from core_builders import linear_quantile, policy

from mkp_core import PORTFOLIO_GROUP, Policy, SizeModel
from mkp_core.potential import estimate_potential, fit_size_model

RECORD_SCHEMA = {
    "record_id": pl.String(),
    "kind": pl.String(),
    "industry": pl.String(),
    "employees": pl.Float64(),
    "annual_revenue": pl.Float64(),
    "potential_override": pl.Float64(),
    "window_revenue": pl.Float64(),
}
LINEAR = SizeModel("employees", 1.0)


def records(*rows: dict[str, Any]) -> pl.DataFrame:
    defaults = {"kind": "account", "window_revenue": 0.0}
    full = [
        {name: {**defaults, **row}.get(name) for name in RECORD_SCHEMA} for row in rows
    ]
    return pl.DataFrame(full, schema=RECORD_SCHEMA, orient="row")


def customer(
    record_id: str, industry: str | None, employees: float | None, revenue: float
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "industry": industry,
        "employees": employees,
        "window_revenue": revenue,
    }


def estimate(
    frame: pl.DataFrame, chosen: Policy | None = None, size: SizeModel = LINEAR
) -> dict[str, dict[str, Any]]:
    result = estimate_potential(frame, chosen or policy(min_peer_group=2), size)
    return {row["record_id"]: row for row in result.iter_rows(named=True)}


RETAIL = (
    customer("R1", "Retail", 100.0, 100.0),  # intensity 1
    customer("R2", "retail ", 200.0, 400.0),  # intensity 2
    customer("R3", "RETAIL", 400.0, 400.0),  # intensity 1
)


def test_peers_potential_is_the_leave_one_out_intensity_quantile_times_own_size() -> (
    None
):
    result = estimate(records(*RETAIL))

    r1 = result["R1"]
    assert r1["potential_method"] == "peers"
    assert r1["peer_count"] == 2
    assert r1["peer_group"] == "Retail"
    assert r1["peer_quantile"] == pytest.approx(linear_quantile([2.0, 1.0], 0.9))
    assert r1["potential"] == pytest.approx(1.9 * 100)


def test_peer_group_names_the_industry_as_the_account_spells_it() -> None:
    result = estimate(records(*RETAIL))

    assert result["R3"]["peer_group"] == "RETAIL"
    assert result["R3"]["peer_count"] == 2


def test_small_industry_falls_back_to_the_whole_portfolio() -> None:
    frame = records(*RETAIL, customer("T1", "tech", 100.0, 300.0))

    t1 = estimate(frame)["T1"]

    assert t1["peer_group"] == PORTFOLIO_GROUP
    assert t1["peer_count"] == 3
    expected = linear_quantile([1.0, 2.0, 1.0], 0.9) * 100
    assert t1["method_potential"] == pytest.approx(expected)


def test_too_few_peers_anywhere_leaves_peers_to_the_next_method() -> None:
    frame = records(customer("A", "x", 10.0, 5.0), customer("B", "x", 10.0, 5.0))

    result = estimate(frame, policy(min_peer_group=2))

    assert result["A"]["potential_method"] == "firmographic"
    assert result["A"]["peer_group"] is None


def test_customer_without_size_is_compared_on_plain_spend() -> None:
    frame = records(*RETAIL, customer("U", "retail", None, 50.0))

    u = estimate(frame)["U"]

    assert u["potential_method"] == "peers"
    assert u["size"] is None
    assert u["peer_count"] == 3
    assert u["potential"] == pytest.approx(linear_quantile([100.0, 400.0, 400.0], 0.9))


def test_prospect_with_size_gets_the_whole_group_quantile_times_its_size() -> None:
    frame = records(
        *RETAIL, {"record_id": "P", "industry": "retail", "employees": 50.0}
    )

    p = estimate(frame)["P"]

    assert p["potential_method"] == "peers"
    assert p["peer_count"] == 3
    assert p["potential"] == pytest.approx(linear_quantile([1.0, 2.0, 1.0], 0.9) * 50)


def test_lead_with_size_is_compared_with_the_accounts() -> None:
    frame = records(
        *RETAIL,
        {"record_id": "L", "kind": "lead", "industry": "retail", "employees": 10.0},
    )

    result = estimate(frame)

    assert result["L"]["peer_count"] == 3
    assert result["R1"]["peer_count"] == 2  # the lead is nobody's peer


def test_prospect_without_size_falls_through_to_firmographic() -> None:
    frame = records(
        *RETAIL, {"record_id": "P", "industry": "retail", "annual_revenue": 1e6}
    )

    p = estimate(frame, policy(min_peer_group=2, size_measure="employees"))["P"]

    assert p["potential_method"] == "firmographic"
    assert p["potential"] == pytest.approx(1e6 * 0.001)


def test_override_comes_first_by_default() -> None:
    frame = records(*RETAIL[1:], {**RETAIL[0], "potential_override": 5000.0})

    r1 = estimate(frame)["R1"]

    assert (r1["potential_method"], r1["potential"]) == ("override", 5000.0)


def test_zero_override_is_ignored() -> None:
    frame = records({"record_id": "A", "potential_override": 0.0, "employees": 3.0})

    assert estimate(frame)["A"]["potential_method"] == "firmographic"


def test_methods_follow_the_policy_order() -> None:
    chosen = policy(min_peer_group=2, potential_methods=["firmographic", "peers"])

    r1 = estimate(records(*RETAIL), chosen)["R1"]

    assert r1["potential_method"] == "firmographic"
    assert r1["potential"] == pytest.approx(100 * 100.0)  # per_employee_amount


def test_firmographic_uses_the_industry_ratio_case_insensitively() -> None:
    chosen = policy(firmographic={"revenue_ratio_by_industry": {"Retail": 0.01}})
    frame = records({"record_id": "A", "industry": "RETAIL", "annual_revenue": 2e6})

    a = estimate(frame, chosen)["A"]

    assert a["firmographic_ratio"] == 0.01
    assert a["potential"] == pytest.approx(2e4)


def test_nothing_known_leaves_potential_at_current_revenue() -> None:
    frame = records({"record_id": "A", "window_revenue": 70.0})

    a = estimate(frame)["A"]

    assert (a["potential_method"], a["potential"]) == ("revenue", 70.0)


def test_potential_is_never_below_current_revenue() -> None:
    frame = records(
        {"record_id": "A", "potential_override": 10.0, "window_revenue": 99.0}
    )

    a = estimate(frame)["A"]

    assert (a["method_potential"], a["potential"]) == (10.0, 99.0)


def test_size_exponent_is_the_log_log_slope_of_revenue_on_size() -> None:
    sizes = [10.0, 100.0, 1000.0, 50.0]
    frame = records(
        *(customer(f"C{i}", "x", s, 3 * s**0.7) for i, s in enumerate(sizes))
    )

    assert fit_size_model(frame, policy()) == SizeModel("employees", 0.7)


def test_size_exponent_is_clipped_to_1_2() -> None:
    sizes = [10.0, 100.0, 1000.0]
    frame = records(*(customer(f"C{i}", "x", s, s**2) for i, s in enumerate(sizes)))

    assert fit_size_model(frame, policy()).exponent == 1.2


def test_size_exponent_defaults_to_one_when_it_cannot_be_fitted() -> None:
    frame = records(customer("A", "x", 10.0, 5.0), customer("B", "x", 10.0, 9.0))

    assert fit_size_model(frame, policy()).exponent == 1.0


def test_policy_size_exponent_is_used_as_given() -> None:
    frame = records(*RETAIL)

    assert fit_size_model(frame, policy(size_exponent=0.5)).exponent == 0.5


def test_auto_size_measure_takes_the_one_more_customers_have() -> None:
    frame = records(
        {"record_id": "A", "annual_revenue": 1e6, "window_revenue": 1.0},
        {
            "record_id": "B",
            "annual_revenue": 2e6,
            "employees": 4.0,
            "window_revenue": 1.0,
        },
    )

    assert fit_size_model(frame, policy()).measure == "annual_revenue"


def test_intensity_scales_with_size_to_the_power_b() -> None:
    size = SizeModel("employees", 0.5)

    r1 = estimate(records(*RETAIL), size=size)["R1"]

    intensities = [400 / math.sqrt(200), 400 / math.sqrt(400)]
    expected = linear_quantile(intensities, 0.9) * math.sqrt(100)
    assert r1["potential"] == pytest.approx(expected)
