"""A policy refuses numbers and dates the model cannot work with, by key."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import pytest
from core_builders import NOW, accounts, opportunities, rates, won
from hypothesis import given
from hypothesis import strategies as st

from mkp_core import Policy, PolicyError, score_portfolio

# Every float a policy holds, as (location in the message, mapping that sets it).
FLOAT_KEYS: dict[str, Any] = {
    "max_opportunity_amount": lambda v: {"max_opportunity_amount": v},
    "max_annual_revenue": lambda v: {"max_annual_revenue": v},
    "peer_quantile": lambda v: {"peer_quantile": v},
    "size_exponent": lambda v: {"size_exponent": v},
    "reached_share": lambda v: {"reached_share": v},
    "hysteresis_margin": lambda v: {"hysteresis_margin": v},
    "write_tolerance": lambda v: {"write_tolerance": v},
    "firmographic.default_revenue_ratio": lambda v: {
        "firmographic": {"default_revenue_ratio": v}
    },
    "firmographic.per_employee_amount": lambda v: {
        "firmographic": {"per_employee_amount": v}
    },
    "firmographic.revenue_ratio_by_industry.Technology": lambda v: {
        "firmographic": {"revenue_ratio_by_industry": {"Technology": v}}
    },
    "potential_levels.high_quantile": lambda v: {
        "potential_levels": {"high_quantile": v}
    },
    "potential_levels.high_amount": lambda v: {
        "potential_levels": {"mode": "amount", "high_amount": v, "medium_amount": 1}
    },
    "signals.large_gap_ratio": lambda v: {"signals": {"large_gap_ratio": v}},
}


@given(
    key=st.sampled_from(sorted(FLOAT_KEYS)),
    value=st.sampled_from([math.inf, -math.inf, math.nan]),
)
def test_any_non_finite_number_in_a_policy_is_refused_naming_its_key(
    key: str, value: float
) -> None:
    with pytest.raises(
        PolicyError, match=re.escape(f"{key}: Input should be a finite number")
    ):
        Policy.from_mapping(FLOAT_KEYS[key](value))


def test_a_negative_industry_ratio_is_refused_naming_the_industry() -> None:
    with pytest.raises(PolicyError) as refused:
        Policy.from_mapping(
            {"firmographic": {"revenue_ratio_by_industry": {"Retail": -0.5}}}
        )

    assert "firmographic.revenue_ratio_by_industry.Retail" in str(refused.value)
    assert "greater than or equal to 0" in str(refused.value)


def test_every_bad_industry_ratio_is_named_in_one_message() -> None:
    ratios = {"Retail": -0.5, "Technology": math.nan, "Medical": 0.01}

    with pytest.raises(PolicyError) as refused:
        Policy.from_mapping({"firmographic": {"revenue_ratio_by_industry": ratios}})

    assert "revenue_ratio_by_industry.Retail" in str(refused.value)
    assert "revenue_ratio_by_industry.Technology" in str(refused.value)
    assert "Medical" not in str(refused.value)


def test_a_revenue_ratio_above_one_is_refused_as_more_than_the_whole_turnover() -> None:
    with pytest.raises(PolicyError, match="default_revenue_ratio"):
        Policy.from_mapping({"firmographic": {"default_revenue_ratio": 1.5}})


def test_infinity_written_in_a_policy_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[policy]\nmax_opportunity_amount = inf\n", encoding="utf-8")

    with pytest.raises(PolicyError, match=r"max_opportunity_amount: .*finite"):
        Policy.from_toml(path)


def test_an_as_of_in_year_one_is_refused_rather_than_overflowing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[policy]\nas_of = 0001-01-01\n", encoding="utf-8")

    with pytest.raises(PolicyError, match=r"as_of: .*1900-01-01"):
        Policy.from_toml(path)


@pytest.mark.parametrize(
    ("as_of", "bound"),
    [
        (dt.date(1899, 12, 31), "1900-01-01"),
        (dt.date(9999, 12, 2), "9999-12-01"),
    ],
)
def test_an_as_of_outside_the_supported_calendar_is_refused(
    as_of: dt.date, bound: str
) -> None:
    with pytest.raises(PolicyError, match=rf"as_of: .*{bound}"):
        Policy.from_mapping({"as_of": as_of})


@pytest.mark.parametrize("as_of", [dt.date(1900, 1, 1), dt.date(9999, 12, 1)])
def test_the_calendar_bounds_themselves_are_accepted(as_of: dt.date) -> None:
    assert Policy.from_mapping({"as_of": as_of}).as_of_date == as_of


def test_a_clock_outside_the_supported_calendar_cannot_resolve_as_of() -> None:
    with pytest.raises(PolicyError, match="as_of"):
        Policy().resolved(dt.date(1, 1, 1))


def test_resolving_keeps_every_other_setting() -> None:
    chosen = Policy.from_mapping({"window_days": 90, "locale": "ru"})

    resolved = chosen.resolved(dt.date(2020, 5, 1))

    assert resolved == chosen.model_copy(update={"as_of": dt.date(2020, 5, 1)})


@pytest.mark.parametrize(
    ("tolerance", "bound"),
    [(-0.01, "greater than or equal to 0"), (0.5, "less than 0.5")],
)
def test_a_write_tolerance_outside_zero_to_a_half_is_refused(
    tolerance: float, bound: str
) -> None:
    with pytest.raises(PolicyError, match=rf"write_tolerance: .*{bound}"):
        Policy.from_mapping({"write_tolerance": tolerance})


def test_an_annual_revenue_cap_must_be_positive() -> None:
    with pytest.raises(PolicyError, match="max_annual_revenue"):
        Policy.from_mapping({"max_annual_revenue": 0})


@pytest.mark.parametrize("as_of", [dt.date(1900, 1, 1), dt.date(9999, 12, 1)])
def test_a_portfolio_scores_at_either_calendar_bound_with_the_longest_window(
    as_of: dt.date,
) -> None:
    chosen = Policy.from_mapping({"as_of": as_of, "window_days": 3660})
    deals = opportunities(won("O1", "A1", 100.0, close_date=as_of))

    result = score_portfolio(
        accounts({"account_id": "A1"}), deals, rates(), chosen, now=NOW
    )

    assert result.scores.get_column("window_revenue").to_list() == [100.0]


def test_an_empty_policy_file_gives_the_documented_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[policy]\n", encoding="utf-8")

    policy = Policy.from_toml(path)

    assert (policy.window_days, policy.corporate_currency) == (365, "USD")
    assert [str(m) for m in policy.potential_methods] == [
        "override",
        "peers",
        "firmographic",
    ]
    assert (policy.peer_quantile, policy.min_peer_group) == (0.90, 8)
    assert policy.potential_levels.mode == "quantile"
    # top 20 % High, the next 30 % Medium, the rest Low
    levels = policy.potential_levels
    assert (levels.high_quantile, levels.medium_quantile) == (0.80, 0.50)
    assert (policy.reached_share, policy.hysteresis_margin) == (0.8, 0.05)
    assert policy.write_tolerance == 0.02
    assert policy.locale == "en"


def test_a_policy_file_key_that_is_misspelt_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("window_day = 30\n", encoding="utf-8")

    with pytest.raises(PolicyError, match=r"policy\.toml: invalid policy: window_day"):
        Policy.from_toml(path)


def test_a_policy_path_that_is_a_directory_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        Policy.from_toml(tmp_path)


def test_a_policy_file_that_is_not_utf8_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes("locale = 'ru'  # Политика\n".encode("cp1251"))

    with pytest.raises(PolicyError, match=r"policy\.toml: not UTF-8 text"):
        Policy.from_toml(path)


def test_an_empty_list_of_potential_methods_is_refused_naming_the_key() -> None:
    with pytest.raises(
        PolicyError, match="potential_methods: Tuple should have at least 1 item"
    ):
        Policy.from_mapping({"potential_methods": []})


def test_a_potential_method_listed_twice_is_refused() -> None:
    with pytest.raises(PolicyError, match="each method may be listed once"):
        Policy.from_mapping({"potential_methods": ["peers", "peers"]})
