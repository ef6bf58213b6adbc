"""Field text from REST records and Bulk CSV pages becomes typed columns;
bad values become null plus one issue each, never an exception."""

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.salesforce import SalesforceSettings
from connectors.salesforce._convert import csv_page_frame, records_frame, typed_frame
from connectors.salesforce._soql import account_spec, opportunity_spec
from mkp_core import ISSUE_SCHEMA

SETTINGS = SalesforceSettings(client_id="app", client_secret="x")
ACCOUNTS = account_spec(SETTINGS, multi_currency=False)
OPPORTUNITIES = opportunity_spec(multi_currency=False)

CSV_PAGE = (
    '"Id","AccountId","Amount","StageName","IsWon","IsClosed","CloseDate"\n'
    '"006A","001A","1250.75","Closed Won","true","true","2024-03-10"\n'
    '"006B","","","Prospecting","false","false","2024-05-01"\n'
)
REST_RECORDS = [
    {
        "attributes": {"type": "Opportunity"},
        "Id": "006A",
        "AccountId": "001A",
        "Amount": Decimal("1250.75"),
        "StageName": "Closed Won",
        "IsWon": True,
        "IsClosed": True,
        "CloseDate": "2024-03-10",
    },
    {
        "attributes": {"type": "Opportunity"},
        "Id": "006B",
        "AccountId": None,
        "Amount": None,
        "StageName": "Prospecting",
        "IsWon": False,
        "IsClosed": False,
        "CloseDate": "2024-05-01",
    },
]


def account_record(**values: object) -> dict[str, object]:
    return {"Id": "001A", "Name": "Northwind", **values}


def test_rest_records_and_a_bulk_page_give_the_same_typed_frame() -> None:
    from_rest, _ = typed_frame(
        OPPORTUNITIES, records_frame(OPPORTUNITIES, REST_RECORDS)
    )
    from_bulk, _ = typed_frame(OPPORTUNITIES, csv_page_frame(OPPORTUNITIES, CSV_PAGE))
    assert from_rest.equals(from_bulk)
    assert from_rest["amount"].to_list() == [1250.75, None]


def test_percent_becomes_a_ratio_and_segments_become_numbers() -> None:
    raw = records_frame(
        ACCOUNTS,
        [account_record(MKP_Wallet_Share__c=Decimal("42.5"), MKP_Segment__c="8")],
    )
    typed, issues = typed_frame(ACCOUNTS, raw)
    assert typed["crm_wallet_share"].to_list() == [0.425]
    assert typed["crm_segment"].to_list() == [8]
    assert issues.is_empty()


@pytest.mark.parametrize(
    "text",
    [
        "2017-12-31T00:00:00.000+0000",
        "2017-12-31T00:00:00.000Z",
        "2017-12-31T01:00:00+01:00",
    ],
)
def test_datetimes_in_any_salesforce_offset_form_are_read_as_utc(text: str) -> None:
    raw = records_frame(ACCOUNTS, [account_record(MKP_Segment_Changed_At__c=text)])
    typed, _ = typed_frame(ACCOUNTS, raw)
    assert typed["crm_segment_changed_at"].to_list() == [
        dt.datetime(2017, 12, 31, tzinfo=dt.UTC)
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("AnnualRevenue", "a lot", "non_numeric_amount"),
        ("NumberOfEmployees", "NaN", "non_numeric_value"),
        ("MKP_Segment__c", "12", "invalid_segment"),
        ("MKP_Segment__c", "4.5", "invalid_segment"),
        ("MKP_Wallet_Share__c", "half", "non_numeric_percent"),
        ("MKP_Segment_Changed_At__c", "yesterday", "unparseable_datetime"),
    ],
)
def test_a_broken_value_becomes_null_and_one_issue_naming_record_and_field(
    field: str, value: str, reason: str
) -> None:
    typed, issues = typed_frame(
        ACCOUNTS, records_frame(ACCOUNTS, [account_record(**{field: value})])
    )
    column = next(c for c, (api, _) in ACCOUNTS.columns.items() if api == field)
    assert typed[column].to_list() == [None]
    assert issues.select("record_id", "field", "reason").rows() == [
        ("001A", field, reason)
    ]


def test_a_broken_date_or_boolean_in_a_bulk_page_is_an_issue_too() -> None:
    page = (
        "Id,AccountId,Amount,StageName,IsWon,IsClosed,CloseDate\n"
        "006A,001A,10,Closed Won,yes,true,2024-02-30\n"
    )
    typed, issues = typed_frame(OPPORTUNITIES, csv_page_frame(OPPORTUNITIES, page))
    assert typed.select("is_won", "close_date").rows() == [(None, None)]
    assert sorted(issues["reason"]) == ["invalid_boolean", "unparseable_date"]


def test_an_empty_bulk_page_is_an_empty_frame() -> None:
    frame = csv_page_frame(OPPORTUNITIES, "")
    assert frame.columns == list(OPPORTUNITIES.columns)
    assert frame.is_empty()


def test_bulk_headers_match_fields_whatever_their_case() -> None:
    page = (
        "ID,ACCOUNTID,amount,stagename,iswon,isclosed,closedate\n"
        "006A,001A,5,S,false,false,\n"
    )
    frame = csv_page_frame(OPPORTUNITIES, page)
    assert frame.row(0) == ("006A", "001A", "5", "S", "false", "false", None)


@given(
    st.decimals(
        min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=2, allow_nan=False
    )
)
def test_an_exact_decimal_amount_arrives_as_the_nearest_float(amount: Decimal) -> None:
    raw = records_frame(OPPORTUNITIES, [{"Id": "006A", "Amount": amount}])
    typed, issues = typed_frame(OPPORTUNITIES, raw)
    assert typed["amount"].to_list() == [float(amount)]
    assert issues.is_empty()


def test_the_issue_frame_has_the_shared_issue_schema() -> None:
    _, issues = typed_frame(ACCOUNTS, records_frame(ACCOUNTS, [account_record()]))
    assert issues.schema == pl.Schema(ISSUE_SCHEMA)
