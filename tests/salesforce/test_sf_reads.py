"""Reads against the emulator over real HTTPS, through the real client."""

from __future__ import annotations

import math
from collections.abc import Callable

import polars as pl
import pytest
from connector_reads import read_opportunities
from sf_data import MakeConnector, seed_accounts, seed_opportunities

from connectors import Extract, SalesforceConnector
from connectors.errors import ConfigurationError, RetriableError
from connectors.salesforce_emulator import Emulator
from mkp_core import ACCOUNT_SCHEMA, LEAD_SCHEMA, OPPORTUNITY_SCHEMA, RATE_SCHEMA

# Each whole read of an object, by name.
READS: dict[str, Callable[[SalesforceConnector], Extract]] = {
    "read_accounts": SalesforceConnector.read_accounts,
    "read_opportunities": read_opportunities,
    "read_leads": SalesforceConnector.read_leads,
}


def test_rest_and_bulk_reads_give_equal_frames(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 40))
    by_rest = make_connector(bulk_read_threshold=1_000_000)
    by_bulk = make_connector(bulk_read_threshold=0)

    for read in (READS["read_accounts"], READS["read_opportunities"]):
        rest, bulk = read(by_rest), read(by_bulk)
        assert rest.frame.sort(rest.frame.columns[0]).equals(
            bulk.frame.sort(bulk.frame.columns[0])
        )
    assert by_bulk.api_usage().calls_by_operation["bulk_query_create"] == 2
    assert "bulk_query_create" not in by_rest.api_usage().calls_by_operation


def test_frames_have_exactly_the_shared_schemas(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 3))
    connector = make_connector()
    assert connector.read_accounts().frame.schema == pl.Schema(ACCOUNT_SCHEMA)
    assert read_opportunities(connector).frame.schema == pl.Schema(OPPORTUNITY_SCHEMA)
    assert connector.read_leads().frame.schema == pl.Schema(LEAD_SCHEMA)
    assert connector.read_currency_rates().frame.schema == pl.Schema(RATE_SCHEMA)


def test_current_crm_values_are_read_into_the_crm_columns(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 1, MKP_Wallet_Share__c=42.5, MKP_Segment__c="8")
    frame = make_connector().read_accounts().frame
    assert frame.select("crm_wallet_share", "crm_segment").row(0) == (0.425, 8)


def test_an_object_at_the_threshold_is_read_by_bulk(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 30)
    connector = make_connector(bulk_read_threshold=30)
    assert connector.read_accounts().frame.height == 30
    assert connector.api_usage().calls_by_operation["bulk_query_create"] == 1


@pytest.mark.parametrize(
    "reads",
    [("read_accounts",), ("read_accounts", "read_opportunities", "read_leads")],
)
def test_a_run_asks_for_record_counts_once_whatever_it_reads(
    sf_org: Emulator, make_connector: MakeConnector, reads: tuple[str, ...]
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 5))
    connector = make_connector(multi_currency=False)

    for read in reads:
        READS[read](connector)

    calls = sf_org.stats()["calls"]
    assert calls["record_count"] == 1
    assert calls["query"] == len(reads)  # the reads themselves, no COUNT()
    assert connector.api_usage().calls_by_operation["record_count"] == 1


def test_each_object_takes_rest_or_bulk_by_its_own_count(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 30))  # 61 opportunities
    connector = make_connector(bulk_read_threshold=45)

    accounts = connector.read_accounts().frame
    bulk_jobs_after_accounts = sf_org.stats()["calls"].get("bulk_query_create", 0)
    opportunities = read_opportunities(connector).frame

    assert (accounts.height, opportunities.height) == (30, 61)
    assert bulk_jobs_after_accounts == 0
    assert sf_org.stats()["calls"]["bulk_query_create"] == 1
    assert sf_org.stats()["calls"]["record_count"] == 1


def test_a_threshold_of_zero_reads_by_bulk_without_asking_for_counts(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 3))
    connector = make_connector(bulk_read_threshold=0)

    connector.read_accounts()
    read_opportunities(connector)

    calls = sf_org.stats()["calls"]
    assert calls["bulk_query_create"] == 2
    assert "record_count" not in calls


def test_a_stale_over_count_sends_a_small_read_to_bulk(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 4)
    stale = {"kind": "record_counts", "counts": {"Account": 1_000_000}}
    sf_org.set_faults({"faults": [stale]})

    frame = make_connector(bulk_read_threshold=10).read_accounts().frame

    assert frame.height == 4
    assert sf_org.stats()["calls"]["bulk_query_create"] == 1


def test_an_object_without_a_record_count_is_counted_exactly_instead(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 12)
    uncounted = {"kind": "record_counts", "counts": {"Account": None}}
    sf_org.set_faults({"faults": [uncounted]})
    connector = make_connector(bulk_read_threshold=10, multi_currency=False)

    frame = connector.read_accounts().frame

    calls = sf_org.stats()["calls"]
    assert frame.height == 12
    assert (calls["record_count"], calls["bulk_query_create"]) == (1, 1)
    assert calls["query"] == 1  # the SELECT COUNT() of the fallback


def test_short_pages_are_followed_until_done(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 500)
    sf_org.set_faults({"faults": [{"kind": "short_pages", "size": 137}]})
    connector = make_connector(query_batch_size=200)
    frame = connector.read_accounts().frame
    assert frame["account_id"].n_unique() == 500
    assert sf_org.stats()["calls"]["query_more"] == math.ceil(500 / 137) - 1


def test_an_expired_session_mid_pagination_costs_exactly_one_new_login(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 900)
    sf_org.set_faults(
        {"faults": [{"operation": "query_more", "call": 2, "kind": "expire_session"}]}
    )
    frame = make_connector(query_batch_size=200).read_accounts().frame
    assert frame["account_id"].n_unique() == 900
    assert sf_org.stats()["logins"] == 2


@pytest.mark.parametrize("kind", ["http_503_json", "http_503_html"])
def test_a_503_on_a_query_page_is_retried_and_the_read_completes(
    sf_org: Emulator, make_connector: MakeConnector, kind: str
) -> None:
    seed_accounts(sf_org, 450)
    sf_org.set_faults(
        {"faults": [{"operation": "query_more", "call": 1, "kind": kind}]}
    )
    frame = make_connector(query_batch_size=200).read_accounts().frame
    assert frame.height == 450
    assert sf_org.stats()["calls"]["query_more"] == 3


def test_a_503_on_a_bulk_result_page_retries_that_page_only(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 25)
    sf_org.set_faults(
        {
            "faults": [
                {"operation": "bulk_query_results", "call": 1, "kind": "http_503_html"}
            ]
        }
    )
    frame = make_connector(bulk_read_threshold=0).read_accounts().frame
    calls = sf_org.stats()["calls"]
    assert frame.height == 25
    assert (calls["bulk_query_create"], calls["bulk_query_results"]) == (1, 2)


def test_bulk_results_spanning_several_pages_are_all_read(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 45)
    connector = make_connector(bulk_read_threshold=0, bulk_query_page_records=20)
    assert connector.read_accounts().frame["account_id"].n_unique() == 45
    assert sf_org.stats()["calls"]["bulk_query_results"] == 3


def test_the_account_filter_limits_accounts_and_their_opportunities(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 30))
    connector = make_connector(
        account_filter="Industry = 'Retail' OR Industry = 'Banking'"
    )
    accounts = connector.read_accounts().frame
    opportunities = read_opportunities(connector).frame
    assert accounts.height == 20
    assert set(accounts["industry"]) == {"Retail", "Banking"}
    assert set(opportunities["account_id"]) == set(accounts["account_id"])


def test_a_single_currency_org_has_no_currency_column_and_no_rates(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 2))
    connector = make_connector()
    assert read_opportunities(connector).frame["currency_code"].null_count() == 5
    assert connector.read_currency_rates().frame.is_empty()
    assert connector.multi_currency is False


def test_null_amounts_and_orphans_are_kept_as_null_not_dropped(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 3))
    frame = read_opportunities(make_connector()).frame
    assert frame.height == 7
    assert frame["amount"].null_count() == 3
    assert frame["account_id"].null_count() == 1


def test_converted_leads_are_not_read(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    sf_org.insert(
        "Lead",
        [
            {"LastName": "Open", "Company": "Acme", "Status": "Open - Not Contacted"},
            {"LastName": "Won", "Company": "Beta", "Status": "Closed - Converted",
             "IsConverted": True},
        ],
    )  # fmt: skip
    frame = make_connector().read_leads().frame
    assert frame.select("name", "company").rows() == [("Open", "Acme")]


def test_a_missing_custom_field_stops_the_read_with_a_configuration_error(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(fields={"segment": "No_Such_Field__c"})
    with pytest.raises(ConfigurationError) as caught:
        connector.read_accounts()
    assert caught.value.code == "INVALID_FIELD"


def test_a_fault_that_persists_gives_up_after_the_configured_attempts(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 450)
    sf_org.set_faults(
        {
            "faults": [
                {"operation": "query_more", "call": n, "kind": "http_503_json"}
                for n in (1, 2, 3)
            ]
        }
    )
    connector = make_connector(query_batch_size=200, retry_attempts=3)
    with pytest.raises(RetriableError) as caught:
        connector.read_accounts()
    assert caught.value.status == 503
    assert sf_org.stats()["calls"]["query_more"] == 3


@pytest.mark.parametrize(
    "overrides",
    [
        {"bulk_read_threshold": 0, "bulk_query_page_records": 25},
        {"bulk_read_threshold": 1_000_000, "query_batch_size": 200},
    ],
    ids=["bulk result pages", "rest pages"],
)
def test_opportunities_come_page_by_page_as_the_org_sends_them(
    sf_org: Emulator, make_connector: MakeConnector, overrides: dict[str, int]
) -> None:
    seed_opportunities(sf_org, seed_accounts(sf_org, 110))
    connector = make_connector(**overrides)

    pages = list(connector.iter_opportunities())

    whole = read_opportunities(make_connector()).frame
    assert len(pages) > 1
    assert all(page.frame.schema == pl.Schema(OPPORTUNITY_SCHEMA) for page in pages)
    paged = pl.concat([page.frame for page in pages])
    assert paged.sort("opportunity_id").equals(whole.sort("opportunity_id"))
