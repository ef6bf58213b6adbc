"""Bad input is counted with a stable reason and kept out of scoring."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from core_builders import (
    accounts,
    maven_frames,
    open_deal,
    opportunities,
    policy,
    rates,
    won,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from mkp_core import ISSUE_SCHEMA, IssueReason, clean_inputs, clean_leads
from mkp_core.frames import LEAD_SCHEMA

ACME = {"account_id": "A1", "name": "Acme"}


def _clean(
    *deals: dict[str, object], rate_rows: pl.DataFrame | None = None, **kw: object
):
    return clean_inputs(
        accounts(ACME),
        opportunities(*deals),
        rate_rows if rate_rows is not None else rates(),
        policy(**kw),
    )


def _only_issue(result) -> dict[str, object]:
    assert result.issues.height == 1, result.issues
    return result.issues.row(0, named=True)


def test_opportunity_without_account_id_is_an_orphan() -> None:
    result = _clean(won("O1", None, 100.0))

    issue = _only_issue(result)
    assert (issue["reason"], issue["field"], issue["record_id"]) == (
        "orphan_opportunity",
        "account_id",
        "O1",
    )
    assert "O1" in issue["message"]
    assert result.opportunities.is_empty()


def test_opportunity_of_an_unknown_account_is_an_orphan_naming_that_account() -> None:
    result = _clean(won("O1", "A404", 100.0))

    issue = _only_issue(result)
    assert issue["reason"] == IssueReason.ORPHAN_OPPORTUNITY
    assert "A404" in issue["message"]


def test_won_opportunity_without_amount_is_reported_as_missing_amount() -> None:
    issue = _only_issue(_clean(won("O1", "A1", None)))

    assert (issue["reason"], issue["field"]) == ("missing_amount", "amount")


def test_lost_opportunity_without_amount_is_not_an_issue() -> None:
    lost = {**won("O1", "A1", None), "is_won": False, "stage": "Lost"}

    result = _clean(lost)

    assert result.issues.is_empty()
    assert result.opportunities.height == 1


def test_negative_amount_is_reported() -> None:
    issue = _only_issue(_clean(won("O1", "A1", -5.0)))

    assert (issue["reason"], issue["field"]) == ("negative_amount", "amount")


def test_amount_above_the_policy_cap_is_absurd() -> None:
    result = _clean(
        won("O1", "A1", 2e6), won("O2", "A1", 9e5), max_opportunity_amount=1e6
    )

    issue = _only_issue(result)
    assert (issue["reason"], issue["record_id"]) == ("absurd_amount", "O1")
    assert result.opportunities.get_column("opportunity_id").to_list() == ["O2"]


def test_default_cap_treats_a_trillion_and_more_as_absurd() -> None:
    issue = _only_issue(_clean(won("O1", "A1", 2e12)))

    assert issue["reason"] == "absurd_amount"


@pytest.mark.parametrize("amount", [math.nan, math.inf, -math.inf])
def test_an_amount_that_is_not_a_finite_number_is_reported_as_such(
    amount: float,
) -> None:
    result = _clean(won("O1", "A1", amount))

    issue = _only_issue(result)
    assert (issue["reason"], issue["field"], issue["record_id"]) == (
        "non_finite_amount",
        "amount",
        "O1",
    )
    assert "not a finite number" in issue["message"]
    assert result.opportunities.is_empty()


def test_a_nan_amount_on_an_open_deal_is_reported_too() -> None:
    issue = _only_issue(_clean({**open_deal("O1", "A1"), "amount": math.nan}))

    assert issue["reason"] == "non_finite_amount"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats()), max_size=12))
def test_every_opportunity_is_kept_with_a_finite_amount_or_reported_once(
    amounts: list[float | None],
) -> None:
    deals = [won(f"O{i}", "A1", amount) for i, amount in enumerate(amounts)]

    result = _clean(*deals)

    assert result.opportunities.height + result.issues.height == len(amounts)
    corporate = result.opportunities.get_column("amount_corporate")
    assert corporate.is_finite().all()
    assert result.issues.get_column("record_id").is_unique().all()


def test_won_opportunity_without_close_date_is_reported() -> None:
    issue = _only_issue(_clean(won("O1", "A1", 10.0, close_date=None)))

    assert (issue["reason"], issue["field"]) == ("won_without_close_date", "close_date")


def test_amount_in_a_currency_without_rate_is_unknown_currency() -> None:
    issue = _only_issue(_clean(won("O1", "A1", 10.0, currency_code="XYZ")))

    assert (issue["reason"], issue["field"]) == ("unknown_currency", "currency_code")
    assert "XYZ" in issue["message"]


def test_repeated_opportunity_id_keeps_the_first_row() -> None:
    result = _clean(won("O1", "A1", 10.0), won("O1", "A1", 99.0))

    issue = _only_issue(result)
    assert (issue["reason"], issue["object"]) == ("duplicate_id", "opportunity")
    assert result.opportunities.get_column("amount").to_list() == [10.0]


def test_repeated_account_id_keeps_the_first_row() -> None:
    result = clean_inputs(
        accounts(ACME, {"account_id": "A1", "name": "Acme again"}),
        opportunities(),
        rates(),
        policy(),
    )

    issue = result.issues.row(0, named=True)
    assert (issue["reason"], issue["object"], issue["record_id"]) == (
        "duplicate_id",
        "account",
        "A1",
    )
    assert result.accounts.get_column("name").to_list() == ["Acme"]


def test_account_without_id_is_reported_as_missing_id() -> None:
    result = clean_inputs(
        accounts(ACME, {"name": "Nameless"}), opportunities(), rates(), policy()
    )

    assert result.issues.get_column("reason").to_list() == ["missing_id"]
    assert result.accounts.height == 1


def test_account_without_name_is_not_an_issue() -> None:
    result = clean_inputs(
        accounts({"account_id": "A1"}), opportunities(), rates(), policy()
    )

    assert result.issues.is_empty()
    assert result.accounts.height == 1


def test_repeated_lead_id_keeps_the_first_lead() -> None:
    leads = pl.DataFrame(
        {"lead_id": ["L1", "L1", "L2"], "name": ["first", "second", "other"]}
    ).with_columns(
        pl.lit(None, dtype).alias(name)
        for name, dtype in LEAD_SCHEMA.items()
        if name not in ("lead_id", "name")
    )

    result = clean_leads(leads.select(list(LEAD_SCHEMA)), policy())

    assert result.leads.get_column("name").to_list() == ["first", "other"]
    assert result.issues.select("object", "record_id", "reason").row(0) == (
        "lead",
        "L1",
        "duplicate_id",
    )


def test_each_bad_record_is_reported_once_with_the_first_reason() -> None:
    both_wrong = won("O1", None, None, close_date=None)

    issue = _only_issue(_clean(both_wrong))

    assert issue["reason"] == "orphan_opportunity"


def test_issues_follow_the_issue_schema() -> None:
    result = _clean(won("O1", None, 1.0), won("O2", "A1", -1.0))

    assert result.issues.schema == pl.Schema(ISSUE_SCHEMA)


def test_maven_sample_has_1425_orphan_open_deals_and_nothing_else() -> None:
    account_rows, deal_rows = maven_frames()

    result = clean_inputs(account_rows, deal_rows, rates(), policy())

    counts = dict(result.issues.group_by("reason").len().iter_rows())
    assert counts == {"orphan_opportunity": 1425}
    assert result.opportunities.height == 8800 - 1425


EUR_STATIC = {"currency_code": "EUR", "rate": 0.8}


def _corporate_amounts(
    *deals: dict[str, object], rate_rows: pl.DataFrame
) -> list[float]:
    result = _clean(*deals, rate_rows=rate_rows)
    assert result.issues.is_empty(), result.issues
    return result.opportunities.get_column("amount_corporate").to_list()


def test_amount_converts_with_the_static_rate() -> None:
    amounts = _corporate_amounts(
        won("O1", "A1", 80.0, currency_code="EUR"), rate_rows=rates(EUR_STATIC)
    )

    assert amounts == [pytest.approx(100.0)]


def test_dated_rate_covering_the_close_date_wins_over_the_static_one() -> None:
    dated = [
        {
            "currency_code": "EUR",
            "rate": 0.5,
            "start_date": dt.date(2017, 1, 1),
            "next_start_date": dt.date(2017, 7, 1),
        },
        {"currency_code": "EUR", "rate": 0.25, "start_date": dt.date(2017, 7, 1)},
    ]
    deals = (
        won("O1", "A1", 10.0, dt.date(2017, 6, 30), "EUR"),
        won("O2", "A1", 10.0, dt.date(2017, 7, 1), "EUR"),
        won("O3", "A1", 10.0, dt.date(2016, 12, 31), "EUR"),
    )

    amounts = _corporate_amounts(*deals, rate_rows=rates(EUR_STATIC, *dated))

    assert amounts == [pytest.approx(20.0), pytest.approx(40.0), pytest.approx(12.5)]


def test_null_currency_is_the_corporate_currency() -> None:
    amounts = _corporate_amounts(won("O1", "A1", 42.0), rate_rows=rates())

    assert amounts == [42.0]


def test_corporate_currency_converts_at_one_even_if_the_rates_say_otherwise() -> None:
    amounts = _corporate_amounts(
        won("O1", "A1", 42.0, currency_code="usd"),
        rate_rows=rates({"currency_code": "USD", "rate": 3.0}),
    )

    assert amounts == [42.0]


def test_open_deal_without_amount_needs_no_rate() -> None:
    result = _clean({**open_deal("O1", "A1"), "currency_code": "XYZ"})

    assert result.issues.is_empty()
