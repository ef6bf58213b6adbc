"""Conversion rates that cannot convert, or repeat, are reported and left out."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl
import pytest
from core_builders import accounts, opportunities, policy, rates, won
from hypothesis import given, settings
from hypothesis import strategies as st

from mkp_core import CleanInputs, clean_inputs


def _clean(
    *rate_rows: dict[str, Any], deals: pl.DataFrame | None = None
) -> CleanInputs:
    return clean_inputs(
        accounts({"account_id": "A1"}),
        deals if deals is not None else opportunities(),
        rates(*rate_rows),
        policy(),
    )


def _rate_issues(result: CleanInputs) -> list[tuple[str, str, str]]:
    rate_rows = result.issues.filter(pl.col("object") == "rate")
    return rate_rows.select("record_id", "field", "reason").rows()


@pytest.mark.parametrize("rate", [0.0, -2.0, math.nan, math.inf, None])
def test_a_rate_that_is_not_a_positive_number_is_reported_as_invalid(
    rate: float | None,
) -> None:
    result = _clean({"currency_code": "zzz", "rate": rate})

    assert _rate_issues(result) == [("ZZZ", "rate", "invalid_rate")]
    assert "ZZZ" in result.issues.get_column("message")[0]


def test_an_amount_in_a_currency_with_only_invalid_rates_says_no_valid_rate() -> None:
    deals = opportunities(won("O1", "A1", 10.0, currency_code="ZZZ"))

    result = _clean({"currency_code": "ZZZ", "rate": 0.0}, deals=deals)

    deal_issue = result.issues.filter(pl.col("object") == "opportunity").row(
        0, named=True
    )
    assert deal_issue["reason"] == "unknown_currency"
    assert "no valid conversion rate for ZZZ" in deal_issue["message"]
    assert result.opportunities.is_empty()


def test_a_repeated_static_rate_keeps_the_first_and_says_so() -> None:
    deals = opportunities(won("O1", "A1", 10.0, currency_code="DUP"))

    result = _clean(
        {"currency_code": "DUP", "rate": 1.0},
        {"currency_code": "dup", "rate": 1000.0},
        deals=deals,
    )

    assert _rate_issues(result) == [("DUP", "rate", "duplicate_rate")]
    message = result.issues.get_column("message")[0]
    assert "1000.0 is ignored" in message
    assert "the first, 1.0, used" in message
    assert result.opportunities.get_column("amount_corporate").to_list() == [10.0]


def test_a_repeated_dated_rate_for_one_start_date_keeps_the_first() -> None:
    start = dt.date(2017, 1, 1)
    deals = opportunities(won("O1", "A1", 10.0, currency_code="EUR"))

    result = _clean(
        {"currency_code": "EUR", "rate": 0.5, "start_date": start},
        {"currency_code": "EUR", "rate": 0.25, "start_date": start},
        deals=deals,
    )

    assert _rate_issues(result) == [("EUR", "rate", "duplicate_rate")]
    assert "from 2017-01-01" in result.issues.get_column("message")[0]
    assert result.opportunities.get_column("amount_corporate").to_list() == [20.0]


def test_an_invalid_first_rate_does_not_make_the_valid_one_a_duplicate() -> None:
    deals = opportunities(won("O1", "A1", 10.0, currency_code="EUR"))

    result = _clean(
        {"currency_code": "EUR", "rate": 0.0},
        {"currency_code": "EUR", "rate": 0.5},
        deals=deals,
    )

    assert _rate_issues(result) == [("EUR", "rate", "invalid_rate")]
    assert result.opportunities.get_column("amount_corporate").to_list() == [20.0]


def test_a_static_and_a_dated_rate_for_one_currency_are_not_duplicates() -> None:
    result = _clean(
        {"currency_code": "EUR", "rate": 0.8},
        {"currency_code": "EUR", "rate": 0.5, "start_date": dt.date(2017, 1, 1)},
    )

    assert result.issues.is_empty()


def test_a_rate_row_without_a_currency_code_is_reported() -> None:
    result = _clean({"currency_code": "  ", "rate": 1.0})

    assert result.issues.select("object", "field", "reason").rows() == [
        ("rate", "currency_code", "missing_id")
    ]


rate_rows = st.lists(
    st.fixed_dictionaries(
        {
            "currency_code": st.sampled_from(["EUR", "eur", "GBP", "ZZZ"]),
            "rate": st.one_of(st.none(), st.floats(allow_nan=True)),
            "start_date": st.sampled_from([None, dt.date(2017, 1, 1)]),
        }
    ),
    max_size=10,
)


@settings(max_examples=40, deadline=None)
@given(rate_rows)
def test_every_rate_row_is_either_reported_or_left_one_per_currency_and_start(
    rows: list[dict[str, Any]],
) -> None:
    deals = opportunities(
        *(won(f"O{c}", "A1", 10.0, currency_code=c) for c in ("EUR", "GBP", "ZZZ"))
    )

    result = _clean(*rows, deals=deals)

    rate_issues = result.issues.filter(pl.col("object") == "rate").height
    kept = sum(
        1
        for index, row in enumerate(rows)
        if _usable(row)
        and not any(
            _usable(earlier) and _same_slot(earlier, row) for earlier in rows[:index]
        )
    )
    assert rate_issues == len(rows) - kept
    corporate = result.opportunities.get_column("amount_corporate")
    assert corporate.is_finite().all()
    assert (corporate > 0).all()


def _usable(row: dict[str, Any]) -> bool:
    rate = row["rate"]
    return rate is not None and math.isfinite(rate) and rate > 0


def _same_slot(first: dict[str, Any], second: dict[str, Any]) -> bool:
    return (first["currency_code"].upper(), first["start_date"]) == (
        second["currency_code"].upper(),
        second["start_date"],
    )
