"""Multi-currency orgs: amounts are converted with the org's own rates."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from connector_reads import read_opportunities
from sf_data import seed_accounts, settings_for
from sf_updates import update_row, updates_frame

from connectors.salesforce import SalesforceConnector
from connectors.salesforce_emulator import Emulator
from mkp_core import RecordKind

RATES = [
    {"IsoCode": "JPY", "ConversionRate": 160.0, "IsActive": True},
    {"IsoCode": "USD", "ConversionRate": 1.08, "IsActive": True},
]


@pytest.fixture
def connector(mc_org: Emulator) -> SalesforceConnector:
    mc_org.insert("CurrencyType", RATES)
    return SalesforceConnector(settings_for(mc_org))


def test_the_org_is_recognised_as_multi_currency(
    connector: SalesforceConnector,
) -> None:
    assert connector.multi_currency is True


def test_a_million_yen_of_annual_revenue_is_well_below_50000_euro(
    mc_org: Emulator, connector: SalesforceConnector
) -> None:
    seed_accounts(mc_org, 1, AnnualRevenue=1_000_000, CurrencyIsoCode="JPY")
    [revenue] = connector.read_accounts().frame["annual_revenue"]
    assert revenue == pytest.approx(6250.0)
    assert revenue < 50_000


def test_a_million_yen_opportunity_converts_below_50000_euro_with_the_rates(
    mc_org: Emulator, connector: SalesforceConnector
) -> None:
    [account] = seed_accounts(mc_org, 1)
    mc_org.insert(
        "Opportunity",
        [{"Name": "Big", "AccountId": account, "StageName": "Closed Won",
          "Amount": 1_000_000, "CloseDate": "2017-06-30", "CurrencyIsoCode": "JPY"}],
    )  # fmt: skip
    opportunities = read_opportunities(connector).frame
    rates = connector.read_currency_rates().frame
    converted = opportunities.join(rates, on="currency_code").select(
        pl.col("amount") / pl.col("rate")
    )
    assert opportunities["currency_code"].to_list() == ["JPY"]
    assert converted.item() < 50_000


def test_dated_rates_replace_the_static_rate_of_their_currency(
    mc_org: Emulator, connector: SalesforceConnector
) -> None:
    mc_org.insert(
        "DatedConversionRate",
        [
            {"IsoCode": "JPY", "ConversionRate": 150.0, "StartDate": "2017-01-01"},
            {"IsoCode": "JPY", "ConversionRate": 170.0, "StartDate": "2018-01-01"},
        ],
    )
    rates = connector.read_currency_rates().frame
    jpy = rates.filter(pl.col("currency_code") == "JPY")
    assert jpy.select("rate", "start_date").rows() == [
        (150.0, dt.date(2017, 1, 1)),
        (170.0, dt.date(2018, 1, 1)),
    ]
    assert set(rates["currency_code"]) == {"EUR", "JPY", "USD"}


def test_the_potential_is_written_in_the_record_s_own_currency(
    mc_org: Emulator, connector: SalesforceConnector
) -> None:
    [account] = seed_accounts(mc_org, 1, CurrencyIsoCode="JPY")
    connector.read_accounts()
    result = connector.write_updates(
        RecordKind.ACCOUNT, updates_frame([update_row(account, potential=1000.0)])
    )
    assert result.written == 1
    assert mc_org.records("Account")[0]["MKP_Potential__c"] == 160_000.0


def test_a_potential_for_a_record_never_read_is_not_sent_in_the_wrong_currency(
    mc_org: Emulator, connector: SalesforceConnector
) -> None:
    [account] = seed_accounts(mc_org, 1, CurrencyIsoCode="JPY")
    result = connector.write_updates(
        RecordKind.ACCOUNT, updates_frame([update_row(account, potential=1000.0)])
    )
    assert [f.code for f in result.failures] == ["MKP_UNKNOWN_CURRENCY"]
    assert mc_org.records("Account")[0]["MKP_Potential__c"] is None


def test_an_account_in_a_currency_without_a_rate_keeps_null_amounts_and_an_issue(
    mc_org: Emulator, connector: SalesforceConnector
) -> None:
    [account] = seed_accounts(mc_org, 1, AnnualRevenue=5000, CurrencyIsoCode="GBP")
    extract = connector.read_accounts()
    assert extract.frame["annual_revenue"].to_list() == [None]
    assert extract.issues.select("record_id", "reason").rows() == [
        (account, "unknown_currency")
    ]
