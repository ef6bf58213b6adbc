"""REST queries: pagination, the SOQL subset and its errors."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from simple_salesforce import SalesforceMalformedRequest

from connectors.salesforce_emulator._errors import QueryError
from connectors.salesforce_emulator._soql import parse

BATCH_200 = {"Sforce-Query-Options": "batchSize=200"}


@pytest.fixture
def accounts(sf_org):
    users = sf_org.insert("User", [{"FirstName": "Ada", "LastName": "Owner"}])
    parent = sf_org.insert("Account", [{"Name": "Parent Co"}])[0]
    rows = [
        {
            "Name": f"Account {i:03d}",
            "AnnualRevenue": i * 1000.0,
            "OwnerId": users[0],
            "Industry": "Retail" if i % 2 else "Energy",
            "ParentId": parent if i < 5 else None,
        }
        for i in range(449)
    ]
    return [parent, *sf_org.insert("Account", rows)]


def test_pages_follow_batch_size_with_path_only_next_urls(salesforce, accounts):
    first = salesforce.query("SELECT Id FROM Account", headers=BATCH_200)

    assert first["totalSize"] == 450
    assert len(first["records"]) == 200
    assert first["done"] is False
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")


def test_query_all_collects_every_page(salesforce, sf_org, accounts):
    result = salesforce.query_all("SELECT Id FROM Account", headers=BATCH_200)

    assert sorted(r["Id"] for r in result["records"]) == sorted(accounts)
    assert sf_org.stats()["calls"]["query_more"] == 2


def test_short_pages_still_reach_every_record(salesforce, sf_org, accounts):
    sf_org.set_faults({"faults": [{"kind": "short_pages", "size": 137}]})

    first = salesforce.query("SELECT Id FROM Account")
    everything = salesforce.query_all("SELECT Id FROM Account")

    assert len(first["records"]) == 137
    assert len(everything["records"]) == 450


def test_parent_fields_come_back_nested_with_their_own_attributes(salesforce, accounts):
    result = salesforce.query(
        "SELECT Name, Owner.Name, Parent.Name FROM Account WHERE Name = 'account 001'"
    )

    record = result["records"][0]
    assert record["Owner"]["Name"] == "Ada Owner"
    assert record["Owner"]["attributes"]["type"] == "User"
    assert record["Parent"]["Name"] == "Parent Co"


def test_an_empty_lookup_comes_back_as_null(salesforce, accounts):
    result = salesforce.query(
        "SELECT Parent.Name FROM Account WHERE Name = 'Account 300'"
    )

    assert result["records"][0]["Parent"] is None


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Name LIKE 'Account 00%'", 10),
        ("Industry IN ('Retail')", 224),
        ("Industry NOT IN ('Retail')", 226),
        ("Industry != 'Retail'", 226),
        ("AnnualRevenue >= 440000", 9),
        ("AnnualRevenue = null", 1),
        ("NOT (AnnualRevenue < 440000 OR AnnualRevenue = null)", 9),
        ("Industry = 'Energy' AND AnnualRevenue < 4000", 2),
        ("CreatedDate = LAST_N_DAYS:1", 450),
        ("CreatedDate > 2000-01-01T00:00:00Z", 450),
        ("CreatedDate < 2000-01-01T00:00:00+02:00", 0),
        ("IsDeleted = false", 450),
    ],
)
def test_where_clauses_select_the_matching_rows(salesforce, accounts, where, expected):
    result = salesforce.query(f"SELECT COUNT() FROM Account WHERE {where}")  # noqa: S608

    assert result["totalSize"] == expected


def test_order_by_and_limit_shape_the_result(salesforce, accounts):
    result = salesforce.query(
        "SELECT Name FROM Account WHERE AnnualRevenue != null "
        "ORDER BY AnnualRevenue DESC LIMIT 3"
    )

    assert [r["Name"] for r in result["records"]] == [
        "Account 448",
        "Account 447",
        "Account 446",
    ]
    assert result["totalSize"] == 3


def test_dates_compare_as_dates(salesforce, sf_org):
    sf_org.insert(
        "Opportunity",
        [
            {"Name": "Old", "StageName": "Closed Won", "CloseDate": "2020-01-15"},
            {
                "Name": "New",
                "StageName": "Prospecting",
                "CloseDate": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
            },
        ],
    )

    old = salesforce.query(
        "SELECT Name, IsWon FROM Opportunity WHERE CloseDate < 2021-01-01"
    )
    recent = salesforce.query(
        "SELECT Name FROM Opportunity WHERE CloseDate = LAST_N_DAYS:7"
    )

    assert [(r["Name"], r["IsWon"]) for r in old["records"]] == [("Old", True)]
    assert [r["Name"] for r in recent["records"]] == ["New"]


def test_a_syntax_error_is_malformed_query_with_row_and_column(salesforce):
    with pytest.raises(SalesforceMalformedRequest) as failure:
        salesforce.query("SELECT Id FROM Account WHER Name = 'x'")

    error = failure.value.content[0]
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "ERROR at Row:1:Column:24" in error["message"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Nme FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Acount", "INVALID_TYPE"),
        ("SELECT CurrencyIsoCode FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE AnnualRevenue = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE MKP_Explanation__c = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Account GROUP BY Name", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)",
            "MALFORMED_QUERY",
        ),
    ],
)
def test_unsupported_or_unknown_names_get_salesforce_error_codes(
    salesforce, soql, code
):
    with pytest.raises(SalesforceMalformedRequest) as failure:
        salesforce.query(soql)

    assert failure.value.content[0]["errorCode"] == code


def test_query_all_includes_deleted_rows_flagged_is_deleted(
    salesforce, sf_org, accounts
):
    sf_org.delete("Account", accounts[:2])

    live = salesforce.query("SELECT COUNT() FROM Account")
    everything = salesforce.query_all(
        "SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true", include_deleted=True
    )

    assert live["totalSize"] == 448
    assert {r["Id"] for r in everything["records"]} == set(accounts[:2])


def test_an_unknown_locator_is_refused(salesforce):
    with pytest.raises(SalesforceMalformedRequest) as failure:
        salesforce.query_more("01gAAAAAAAAAAAAAAA-200")

    assert failure.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_numbers_keep_a_fractional_part_and_datetimes_salesforce_form(
    salesforce, accounts
):
    record = salesforce.query(
        "SELECT AnnualRevenue, NumberOfEmployees, SystemModstamp FROM Account "
        "WHERE Name = 'Account 002'"
    )["records"][0]

    assert isinstance(record["AnnualRevenue"], float)
    assert record["SystemModstamp"].endswith("+0000")
    assert dt.datetime.strptime(record["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z")


def _parse_outcome(text):
    try:
        parse(text)
    except QueryError as error:
        return error.status
    return "parsed"


@given(st.text(max_size=60))
def test_the_parser_answers_any_text_with_a_query_or_a_query_error(text):
    assert _parse_outcome(text) in ("parsed", 400)


@given(st.sampled_from(["Account", "Opportunity"]), st.integers(0, 10**6))
def test_numeric_filters_parse_to_the_literal_value(sobject, amount):
    query = parse(f"SELECT Id FROM {sobject} WHERE AnnualRevenue > {amount}")  # noqa: S608

    assert query.where.values[0].value == float(amount)
