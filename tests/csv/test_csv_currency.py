"""Account and lead amounts reach the scoring model in the corporate currency."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from connector_reads import read_opportunities
from csv_samples import SF_OPPORTUNITY_HEADER, MakeConnector, WriteCsv

from connectors import ConfigurationError, CsvConnector, CsvProfile
from mkp_core import ACCOUNT_SCHEMA, Policy, score_portfolio

FILES = {
    "accounts": "accounts.csv",
    "opportunities": "opportunities.csv",
    "rates": "rates.csv",
}


@pytest.fixture
def rates(write_csv: WriteCsv) -> None:
    """USD is corporate; 100 RUB or 0.9 EUR buy one USD."""
    write_csv("rates.csv", "IsoCode,ConversionRate", "USD,1", "RUB,100", "EUR,0.9")


def _accounts(write_csv: WriteCsv, *rows: str) -> None:
    write_csv(
        "accounts.csv",
        "Id,AnnualRevenue,MKP_Potential_Override__c,CurrencyIsoCode",
        *rows,
    )


@pytest.mark.usefixtures("rates")
def test_amounts_in_the_default_currency_are_converted_with_the_rates_file(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,1000000,50000,")

    connector = make_connector(files=FILES, default_currency="RUB")
    row = connector.read_accounts().frame.row(0, named=True)

    assert (row["annual_revenue"], row["potential_override"]) == (10000.0, 500.0)


@pytest.mark.usefixtures("rates")
def test_converted_accounts_keep_the_account_schema(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,1000000,,RUB")

    frame = make_connector(files=FILES).read_accounts().frame

    assert frame.schema == pl.Schema(ACCOUNT_SCHEMA)


@pytest.mark.usefixtures("rates")
def test_explanation_states_the_converted_annual_revenue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,1000000,,")
    write_csv("opportunities.csv", SF_OPPORTUNITY_HEADER)
    connector = make_connector(files=FILES, default_currency="RUB")
    policy = Policy(as_of=dt.date(2024, 6, 30))

    scoring = score_portfolio(
        connector.read_accounts().frame,
        read_opportunities(connector).frame,
        connector.read_currency_rates().frame,
        policy,
        now=dt.datetime(2024, 6, 30, tzinfo=dt.UTC),
    )

    explanation = scoring.scores["explanation"].item()
    assert "annual revenue 10K USD" in explanation


@pytest.mark.usefixtures("rates")
def test_the_record_currency_column_wins_over_the_default_currency(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,900,,eur", "001B,1000000,,")

    connector = make_connector(files=FILES, default_currency="RUB")
    frame = connector.read_accounts().frame

    assert frame["annual_revenue"].to_list() == pytest.approx([1000.0, 10000.0])


@pytest.mark.usefixtures("rates")
def test_amount_in_a_currency_without_rate_is_left_empty_with_an_issue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,1000,,CHF", "001B,1000,,USD")

    extract = make_connector(files=FILES).read_accounts()

    assert extract.frame["annual_revenue"].to_list() == [None, 1000.0]
    issue = extract.issues.row(0, named=True)
    assert extract.issues.height == 1
    assert (issue["object"], issue["record_id"]) == ("Account", "001A")
    assert (issue["field"], issue["reason"]) == ("AnnualRevenue", "unknown_currency")
    assert "CHF" in issue["message"]
    assert "rates.csv" in issue["message"]


@pytest.mark.usefixtures("rates")
def test_each_unpriced_amount_of_a_record_is_its_own_issue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,1000,500,CHF")

    extract = make_connector(files=FILES).read_accounts()

    assert sorted(extract.issues["field"].to_list()) == [
        "AnnualRevenue",
        "MKP_Potential_Override__c",
    ]
    assert extract.frame["potential_override"].to_list() == [None]


@pytest.mark.usefixtures("rates")
def test_record_without_amounts_needs_no_rate(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,,,CHF")

    assert make_connector(files=FILES).read_accounts().issues.is_empty()


def test_the_static_rate_wins_over_dated_ones_and_else_the_latest_dated(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "rates.csv",
        "IsoCode,ConversionRate,StartDate,NextStartDate",
        "EUR,0.5,2024-01-01,",
        "EUR,0.8,,",
        "GBP,0.5,2023-01-01,2024-01-01",
        "GBP,0.25,2024-01-01,",
    )
    _accounts(write_csv, "001A,100,,EUR", "001B,100,,GBP")

    frame = make_connector(files=FILES).read_accounts().frame

    assert frame["annual_revenue"].to_list() == [125.0, 400.0]


def test_corporate_currency_converts_at_one_without_a_rates_file(
    write_csv: WriteCsv, tmp_path: Path, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,1000,,USD", "001B,1000,,RUB")
    write_csv("opportunities.csv", SF_OPPORTUNITY_HEADER)
    profile = CsvProfile.from_mapping(
        {
            "shape": "salesforce",
            "directory": tmp_path,
            "files": {"accounts": "accounts.csv", "opportunities": "opportunities.csv"},
        }
    )

    extract = CsvConnector(profile, corporate_currency="USD").read_accounts()

    assert extract.frame["annual_revenue"].to_list() == [1000.0, None]
    assert "no rates file" in extract.issues["message"].item()


def test_without_rates_or_corporate_currency_amounts_are_taken_as_read(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _accounts(write_csv, "001A,1000,,")

    extract = make_connector(default_currency="RUB").read_accounts()

    assert extract.frame["annual_revenue"].to_list() == [1000.0]
    assert extract.issues.is_empty()


@pytest.mark.usefixtures("rates")
def test_lead_amounts_are_converted_like_account_amounts(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("leads.csv", "Id,AnnualRevenue,CurrencyIsoCode", "00QA,450,EUR")

    connector = make_connector(files=FILES | {"leads": "leads.csv"})

    assert connector.read_leads().frame["annual_revenue"].to_list() == [500.0]


@pytest.mark.usefixtures("rates")
def test_mapped_export_names_its_currency_column(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", "key,turnover,cur", "K1,2,RUB")
    write_csv("opportunities.csv", "id,key,value,won,closed,day")
    columns: dict[str, Any] = {
        "accounts": {
            "account_id": "key",
            "annual_revenue": "turnover",
            "currency_code": "cur",
        },
        "opportunities": {
            "opportunity_id": "id",
            "account_id": "key",
            "amount": "value",
            "is_won": "won",
            "is_closed": "closed",
            "close_date": "day",
        },
        "rates": {"currency_code": "IsoCode", "rate": "ConversionRate"},
    }

    connector = make_connector(
        shape="mapped",
        files=FILES,
        columns=columns,
        scales={"accounts": {"annual_revenue": 1_000_000}},
    )

    frame = connector.read_accounts().frame
    assert frame["annual_revenue"].to_list() == [20000.0]
    assert "currency_code" not in frame.columns


def test_a_default_currency_no_rate_could_convert_is_refused_naming_both(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    profile = CsvProfile.from_mapping(
        {
            "shape": "salesforce",
            "directory": tmp_path,
            "default_currency": "EUR",
            "files": {"accounts": "accounts.csv", "opportunities": "opportunities.csv"},
        }
    )

    with pytest.raises(ConfigurationError, match=r"default_currency EUR .* USD"):
        CsvConnector(profile, corporate_currency="USD")
