"""Sizes and overrides no customer can have are emptied and reported, and the
record is still scored by the next method."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from core_builders import NOW, accounts, leads, opportunities, policy, rates, won
from hypothesis import given, settings
from hypothesis import strategies as st

from mkp_core import clean_inputs, clean_leads, score_portfolio

FIELDS = ("employees", "annual_revenue", "potential_override")


def _clean_account(**fields: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The account as kept, and the issues raised, for one account A1."""
    result = clean_inputs(
        accounts({"account_id": "A1", **fields}), opportunities(), rates(), policy()
    )
    return result.accounts.row(0, named=True), result.issues.to_dicts()


@pytest.mark.parametrize(
    ("field", "value", "reason", "says"),
    [
        ("employees", -5.0, "invalid_size", "not a positive number"),
        ("employees", 0.0, "invalid_size", "not a positive number"),
        ("employees", 1e300, "invalid_size", "above the cap"),
        ("employees", math.nan, "invalid_size", "not a finite number"),
        ("annual_revenue", -1e6, "invalid_size", "below zero"),
        ("annual_revenue", 1e300, "invalid_size", "above the cap of 1e+15"),
        ("annual_revenue", math.inf, "invalid_size", "not a finite number"),
        ("potential_override", -3.0, "invalid_override", "not a positive number"),
        ("potential_override", 0.0, "invalid_override", "not a positive number"),
        ("potential_override", 1e300, "invalid_override", "above the cap"),
        ("potential_override", -math.inf, "invalid_override", "not a finite number"),
    ],
)
def test_an_impossible_value_is_emptied_and_reported_naming_record_and_field(
    field: str, value: float, reason: str, says: str
) -> None:
    kept, issues = _clean_account(**{field: value})

    assert kept[field] is None
    assert len(issues) == 1
    issue = issues[0]
    assert (issue["object"], issue["record_id"], issue["field"], issue["reason"]) == (
        "account",
        "A1",
        field,
        reason,
    )
    assert issue["message"].startswith(f"Account A1: {field} is ")
    assert says in issue["message"]


def test_a_zero_annual_revenue_is_kept_without_an_issue() -> None:
    kept, issues = _clean_account(annual_revenue=0.0)

    assert (kept["annual_revenue"], issues) == (0.0, [])


def test_plausible_sizes_and_override_are_kept_without_an_issue() -> None:
    kept, issues = _clean_account(
        employees=2_000_000.0, annual_revenue=6e11, potential_override=5e6
    )

    assert issues == []
    assert [kept[f] for f in FIELDS] == [2_000_000.0, 6e11, 5e6]


def test_each_bad_field_of_one_account_gets_its_own_issue() -> None:
    kept, issues = _clean_account(
        employees=-5.0, annual_revenue=-1.0, potential_override=1e300
    )

    assert [kept[f] for f in FIELDS] == [None, None, None]
    assert [(i["field"], i["reason"]) for i in issues] == [
        ("employees", "invalid_size"),
        ("annual_revenue", "invalid_size"),
        ("potential_override", "invalid_override"),
    ]


def test_the_annual_revenue_cap_comes_from_the_policy() -> None:
    result = clean_inputs(
        accounts(
            {"account_id": "A1", "annual_revenue": 5e6, "potential_override": 2e6}
        ),
        opportunities(),
        rates(),
        policy(max_annual_revenue=1e6),
    )

    assert result.issues.get_column("field").to_list() == [
        "annual_revenue",
        "potential_override",
    ]


def test_a_repeated_account_is_reported_once_not_again_for_its_fields() -> None:
    result = clean_inputs(
        accounts({"account_id": "A1"}, {"account_id": "A1", "employees": -1.0}),
        opportunities(),
        rates(),
        policy(),
    )

    assert result.issues.get_column("reason").to_list() == ["duplicate_id"]


def test_a_lead_with_impossible_values_is_kept_with_them_emptied() -> None:
    rows = leads({"lead_id": "L1", "employees": -1.0, "potential_override": 1e300})

    result = clean_leads(rows, policy())

    assert result.leads.select("lead_id", "employees", "potential_override").row(0) == (
        "L1",
        None,
        None,
    )
    assert result.issues.select("object", "record_id", "field").rows() == [
        ("lead", "L1", "employees"),
        ("lead", "L1", "potential_override"),
    ]


def test_an_absurd_override_gives_way_to_the_next_method() -> None:
    rows = accounts(
        {"account_id": "A1", "potential_override": 1e300, "employees": 50.0}
    )

    scores = score_portfolio(rows, opportunities(), rates(), policy(), now=NOW).scores

    account = scores.row(0, named=True)
    assert account["potential_method"] == "firmographic"
    assert account["potential"] == pytest.approx(50 * 100.0)  # per_employee_amount
    assert "e+" not in account["explanation"]


def test_an_account_with_only_impossible_values_is_still_scored() -> None:
    rows = accounts(
        {"account_id": "A1", "employees": 0.0, "potential_override": -1.0},
        {"account_id": "A2", "employees": 10.0},
    )
    deals = opportunities(won("O1", "A1", 300.0))

    result = score_portfolio(rows, deals, rates(), policy(), now=NOW)

    assert result.scores.get_column("record_id").to_list() == ["A1", "A2"]
    assert result.scores.row(0, named=True)["potential"] == 300.0
    assert result.issues.height == 2


anything = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -1.0, 1e7, 1e15, 1e300]),
)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(anything, anything, anything), min_size=1, max_size=8))
def test_whatever_the_firmographics_every_record_is_scored_to_a_finite_potential(
    values: list[tuple[float | None, float | None, float | None]],
) -> None:
    rows = accounts(
        *(
            {"account_id": f"A{i}", **dict(zip(FIELDS, triple, strict=True))}
            for i, triple in enumerate(values)
        )
    )
    lead_rows = leads(
        *(
            {"lead_id": f"L{i}", **dict(zip(FIELDS, triple, strict=True))}
            for i, triple in enumerate(values)
        )
    )

    result = score_portfolio(
        rows, opportunities(), rates(), policy(), now=NOW, leads=lead_rows
    )

    assert result.scores.height == 2 * len(values)
    potential = result.scores.get_column("potential")
    assert potential.is_finite().all()
    assert (potential <= policy().max_annual_revenue).all()
    emptied = sum(
        1
        for triple in values
        for field, value in zip(FIELDS, triple, strict=True)
        if value is not None and not _plausible(field, value)
    )
    assert result.issues.height == 2 * emptied
    assert result.issues.filter(pl.col("message").is_null()).is_empty()


def _plausible(field: str, value: float) -> bool:
    """The rule written out: finite, positive (zero revenue allowed), capped."""
    if not math.isfinite(value):
        return False
    if field == "employees":
        return 0 < value <= 1e7
    low_ok = value >= 0 if field == "annual_revenue" else value > 0
    return low_ok and value <= 1e15
