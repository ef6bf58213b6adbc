"""Queries are built by pure functions from the read specs and the settings."""

import pytest

from connectors.salesforce import SalesforceSettings
from connectors.salesforce._soql import (
    account_spec,
    count_query,
    lead_spec,
    opportunity_spec,
    select_query,
)


def settings(**overrides: object) -> SalesforceSettings:
    return SalesforceSettings(client_id="id", client_secret="secret", **overrides)


def test_the_account_query_selects_firmographics_override_and_every_mkp_field() -> None:
    soql = select_query(account_spec(settings(), multi_currency=False))
    assert soql.startswith(
        "SELECT Id, Name, Industry, OwnerId, NumberOfEmployees, AnnualRevenue, "
        "MKP_Potential_Override__c, MKP_Segment__c, "
    )
    assert soql.endswith("MKP_Previous_Segment__c FROM Account")


def test_renamed_fields_are_selected_under_their_configured_names() -> None:
    spec = account_spec(
        settings(fields={"segment": "acme__Seg__c"}, potential_override_field="Pot__c"),
        multi_currency=False,
    )
    soql = select_query(spec)
    assert "acme__Seg__c" in soql
    assert "Pot__c" in soql
    assert "MKP_Segment__c" not in soql


def test_the_account_filter_is_wrapped_in_parentheses() -> None:
    spec = account_spec(
        settings(account_filter="Industry = 'A' OR Industry = 'B'"),
        multi_currency=False,
    )
    assert select_query(spec).endswith(
        "FROM Account WHERE (Industry = 'A' OR Industry = 'B')"
    )


def test_the_count_query_carries_the_same_filter_and_no_fields() -> None:
    spec = account_spec(settings(account_filter="Industry = 'A'"), multi_currency=False)
    assert count_query(spec) == "SELECT COUNT() FROM Account WHERE (Industry = 'A')"


def test_leads_are_read_without_converted_ones() -> None:
    soql = select_query(lead_spec(settings(), multi_currency=False))
    assert "Company" in soql
    assert soql.endswith("FROM Lead WHERE (IsConverted = false)")


@pytest.mark.parametrize(("multi_currency", "selected"), [(True, True), (False, False)])
def test_currency_is_selected_only_in_multi_currency_orgs(
    multi_currency: bool, selected: bool
) -> None:
    soql = select_query(opportunity_spec(multi_currency=multi_currency))
    assert ("CurrencyIsoCode" in soql) is selected


def test_the_opportunity_query_reads_what_revenue_needs() -> None:
    assert select_query(opportunity_spec(multi_currency=False)) == (
        "SELECT Id, AccountId, Amount, StageName, IsWon, IsClosed, CloseDate "
        "FROM Opportunity"
    )


def test_opportunities_follow_the_account_filter_through_their_account() -> None:
    spec = opportunity_spec(multi_currency=False, account_filter="Industry = 'A'")
    assert select_query(spec).endswith(
        "FROM Opportunity WHERE (Account.Industry = 'A')"
    )
