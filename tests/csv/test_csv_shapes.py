"""Salesforce-shaped exports and mapped exports with value rules."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from connector_reads import read_opportunities
from csv_samples import SF_ACCOUNT_HEADER, MakeConnector, WriteCsv

from connectors import InputFileError
from mkp_core import LEAD_SCHEMA, RATE_SCHEMA


def test_salesforce_account_export_fills_the_neutral_columns(
    make_connector: MakeConnector,
) -> None:
    row = make_connector().read_accounts().frame.row(0, named=True)

    assert row["account_id"] == "001A"
    assert (row["name"], row["industry"], row["owner"]) == ("Acme", "Tech", "005X")
    assert (row["annual_revenue"], row["employees"]) == (1000.0, 10.0)
    assert row["potential_override"] is None


def test_salesforce_export_with_mkp_fields_fills_the_crm_columns(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "accounts.csv",
        "Id,MKP_Potential_Override__c,MKP_Segment__c,MKP_Wallet_Share__c,"
        "MKP_Segment_Changed_At__c",
        "001A,5000,8,37.5,2024-01-31T09:30:00.000+0000",
    )

    row = make_connector().read_accounts().frame.row(0, named=True)

    assert row["potential_override"] == 5000.0
    assert (row["crm_segment"], row["crm_wallet_share"]) == (8, 0.375)
    assert row["crm_segment_changed_at"] == dt.datetime(
        2024, 1, 31, 9, 30, tzinfo=dt.UTC
    )


def test_segment_outside_one_to_nine_is_an_issue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", "Id,MKP_Segment__c", "001A,12")

    extract = make_connector().read_accounts()

    assert extract.frame["crm_segment"].to_list() == [None]
    assert extract.issues["reason"].to_list() == ["invalid_segment"]


def test_renamed_output_fields_are_read_under_their_new_names(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", "Id,acme__Segment__c", "001A,4")

    connector = make_connector(fields={"segment": "acme__Segment__c"})

    assert connector.read_accounts().frame["crm_segment"].to_list() == [4]


def test_salesforce_export_without_won_flags_needs_a_stage_map(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("opportunities.csv", "Id,AccountId,Amount,StageName,CloseDate")

    with pytest.raises(InputFileError, match="'IsWon'"):
        read_opportunities(make_connector())


def test_stage_map_replaces_missing_won_flags(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "opportunities.csv",
        "Id,AccountId,Amount,StageName,CloseDate",
        "006A,001A,100,closed won ,2024-01-15",
        "006B,001A,100,Closed Lost,2024-01-15",
        "006C,001A,100,Negotiation,2024-01-15",
    )
    connector = make_connector(stages={"won": ["Closed Won"], "lost": ["Closed Lost"]})

    frame = read_opportunities(connector).frame

    assert frame["is_won"].to_list() == [True, False, False]
    assert frame["is_closed"].to_list() == [True, True, False]


def test_single_currency_export_has_null_currency(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "opportunities.csv",
        "Id,AccountId,Amount,IsWon,IsClosed,CloseDate",
        "006A,001A,100,1,1,2024-01-15",
    )

    frame = read_opportunities(make_connector()).frame

    assert frame["currency_code"].to_list() == [None]
    assert frame["is_won"].to_list() == [True]


def test_salesforce_lead_export_is_read_in_the_lead_schema(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "leads.csv",
        "Id,Name,Company,Industry,AnnualRevenue,NumberOfEmployees",
        "00QA,Ann Lee,Lee Ltd,Retail,2500000,40",
    )
    connector = make_connector(
        files={
            "accounts": "accounts.csv",
            "opportunities": "opportunities.csv",
            "leads": "leads.csv",
        }
    )

    frame = connector.read_leads().frame

    assert frame.schema == pl.Schema(LEAD_SCHEMA)
    assert frame.select("lead_id", "company", "employees").row(0) == (
        "00QA",
        "Lee Ltd",
        40.0,
    )


def test_profile_without_leads_reads_no_leads(make_connector: MakeConnector) -> None:
    extract = make_connector().read_leads()

    assert extract.frame.is_empty()
    assert extract.issues.is_empty()


def test_currency_type_export_gives_rates(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("rates.csv", "IsoCode,ConversionRate", "usd,1", "EUR,0.9", "GBP,n/a")
    connector = make_connector(
        files={
            "accounts": "accounts.csv",
            "opportunities": "opportunities.csv",
            "rates": "rates.csv",
        }
    )

    extract = connector.read_currency_rates()

    assert extract.frame.schema == pl.Schema(RATE_SCHEMA)
    assert extract.frame["currency_code"].to_list() == ["USD", "EUR", "GBP"]
    assert extract.frame["rate"].to_list() == [1.0, 0.9, None]
    assert extract.issues.select("record_id", "reason").row(0) == (
        "GBP",
        "non_numeric_value",
    )


def test_column_override_in_salesforce_shape_must_exist(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector(columns={"accounts": {"owner": "Owner.Name"}})

    with pytest.raises(InputFileError, match=r"'Owner\.Name'"):
        connector.read_accounts()


MAPPED = {
    "shape": "mapped",
    "default_currency": "EUR",
    "date_format": "%d.%m.%Y",
    "delimiter": ";",
    "columns": {
        "accounts": {
            "account_id": "Kunde",
            "name": "Kunde",
            "industry": "Branche",
            "annual_revenue": "Umsatz Mio",
        },
        "opportunities": {
            "opportunity_id": "Nr",
            "account_id": "Kunde",
            "amount": "Wert",
            "currency_code": "Waehrung",
            "stage": "Phase",
            "close_date": "Abschluss",
        },
    },
    "values": {"accounts": {"industry": {"Banken": "Banking"}}},
    "stages": {"won": ["Gewonnen"], "lost": ["Verloren"]},
    "scales": {"accounts": {"annual_revenue": 1_000_000}},
}


@pytest.fixture
def mapped_files(write_csv: WriteCsv) -> None:
    write_csv("accounts.csv", "Kunde;Branche;Umsatz Mio", "Muster AG;Banken;2,5")
    write_csv(
        "opportunities.csv",
        "Nr;Kunde;Wert;Waehrung;Phase;Abschluss",
        "1;Muster AG;100;;Gewonnen;31.01.2024",
        "2;Muster AG;50;chf;Verloren;01.02.2024",
        "3;;;;Angebot;",
    )


@pytest.mark.usefixtures("mapped_files")
def test_mapped_profile_applies_value_maps(make_connector: MakeConnector) -> None:
    frame = make_connector(**MAPPED).read_accounts().frame

    assert frame.select("account_id", "name", "industry").row(0) == (
        "Muster AG",
        "Muster AG",
        "Banking",
    )


@pytest.mark.usefixtures("mapped_files")
def test_mapped_profile_reads_its_own_date_format_and_stages(
    make_connector: MakeConnector,
) -> None:
    extract = read_opportunities(make_connector(**MAPPED))

    frame = extract.frame
    assert frame["close_date"].to_list() == [
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 1),
        None,
    ]
    assert frame["is_won"].to_list() == [True, False, False]
    assert frame["is_closed"].to_list() == [True, True, False]
    assert extract.issues.is_empty()


@pytest.mark.usefixtures("mapped_files")
def test_mapped_profile_fills_the_default_currency(
    make_connector: MakeConnector,
) -> None:
    frame = read_opportunities(make_connector(**MAPPED)).frame

    assert frame["currency_code"].to_list() == ["EUR", "CHF", "EUR"]


@pytest.mark.usefixtures("mapped_files")
def test_amount_with_decimal_comma_is_not_a_number(
    make_connector: MakeConnector,
) -> None:
    extract = make_connector(**MAPPED).read_accounts()

    assert extract.frame["annual_revenue"].to_list() == [None]
    assert extract.issues["field"].to_list() == ["Umsatz Mio"]


def test_mapped_profile_scales_amounts(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", "Kunde;Branche;Umsatz Mio", "Muster AG;Banken;2.5")
    write_csv("opportunities.csv", "Nr;Kunde;Wert;Waehrung;Phase;Abschluss")

    frame = make_connector(**MAPPED).read_accounts().frame

    assert frame["annual_revenue"].to_list() == [2_500_000.0]


def test_mapped_column_missing_from_the_file_is_fatal(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", SF_ACCOUNT_HEADER)

    with pytest.raises(InputFileError, match=r"accounts\.csv.*'Kunde'"):
        make_connector(**MAPPED).read_accounts()
