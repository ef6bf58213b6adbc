"""Bulk API 2.0 query and ingest jobs through simple-salesforce's bulk2."""

from __future__ import annotations

import csv
import io

import pytest
from simple_salesforce.exceptions import (
    SalesforceGeneralError,
    SalesforceOperationError,
)

SPECIAL = 'Quote " comma , newline\nend — Überschrift ✓'


@pytest.fixture
def account_ids(sf_org):
    return sf_org.insert("Account", [{"Name": f"Bulk {i}"} for i in range(25)])


def test_query_results_come_in_csv_pages_with_a_locator(
    salesforce, sf_org, account_ids
):
    pages = list(
        salesforce.bulk2.Account.query(
            "SELECT Id, Name, Owner.Name FROM Account", max_records=10, wait=0
        )
    )

    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(pages) == 3
    assert {r["Id"] for r in rows} == set(account_ids)
    assert rows[0]["Owner.Name"] == "MKP Integration"
    assert sf_org.stats()["calls"]["bulk_query_results"] == 3


def test_the_last_results_page_has_the_text_null_as_locator(
    salesforce, sf_org, account_ids
):
    job = salesforce.bulk2.Account._client.create_job(
        "query", query="SELECT Id FROM Account"
    )

    page = salesforce.bulk2.Account._client.get_query_results(
        job["id"], max_records=100
    )

    assert page["locator"] == ""
    assert page["number_of_records"] == 25


def test_ingest_keeps_quotes_commas_newlines_and_non_ascii(
    salesforce, sf_org, account_ids
):
    result = salesforce.bulk2.Account.update(
        records=[{"Id": account_ids[0], "MKP_Next_Action__c": SPECIAL}], wait=0
    )

    assert result[0]["numberRecordsFailed"] == 0
    assert sf_org.records("Account")[0]["MKP_Next_Action__c"] == SPECIAL


def test_empty_cells_leave_values_and_na_clears_them(
    salesforce, sf_org, account_ids, tmp_path
):
    salesforce.Account.update(
        account_ids[0], {"MKP_Segment__c": "4", "MKP_Next_Action__c": "x"}
    )
    text = f"Id,MKP_Segment__c,MKP_Next_Action__c\n{account_ids[0]},,#N/A\n"

    upload = tmp_path / "update.csv"
    upload.write_text(text, encoding="utf-8")

    salesforce.bulk2.Account.update(csv_file=str(upload), wait=0)

    row = sf_org.records("Account")[0]
    assert (row["MKP_Segment__c"], row["MKP_Next_Action__c"]) == ("4", None)


def test_failed_rows_carry_code_message_and_fields(salesforce, sf_org, account_ids):
    sf_org.delete("Account", account_ids[1:2])
    records = [
        {"Id": account_ids[0], "MKP_Segment__c": "11"},
        {"Id": account_ids[1], "MKP_Segment__c": "1"},
        {"Id": account_ids[2], "MKP_Segment__c": "2"},
    ]

    result = salesforce.bulk2.Account.update(records=records, wait=0)
    failed = salesforce.bulk2.Account.get_failed_records(result[0]["job_id"])

    errors = {r["sf__Id"]: r["sf__Error"] for r in csv.DictReader(io.StringIO(failed))}
    assert result[0]["numberRecordsFailed"] == 2
    assert errors[account_ids[0]].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:")
    assert errors[account_ids[0]].endswith(":MKP_Segment__c")
    assert errors[account_ids[1]] == "ENTITY_IS_DELETED:entity is deleted:--"
    assert sf_org.stats()["writes_by_id"] == {account_ids[2]: 1}


def test_an_unknown_column_fails_the_whole_job(salesforce, account_ids):
    with pytest.raises(SalesforceOperationError) as failure:
        salesforce.bulk2.Account.update(
            records=[{"Id": account_ids[0], "Nope__c": "1"}], wait=0
        )

    assert "Field name not found : Nope__c" in str(failure.value)


def test_upload_to_a_closed_job_is_refused(salesforce, account_ids):
    client = salesforce.bulk2.Account._client
    job = client.create_job("update")
    client.upload_job_data(job["id"], f"Id\n{account_ids[0]}\n")
    client.close_job(job["id"])

    with pytest.raises(SalesforceGeneralError) as failure:
        client.upload_job_data(job["id"], f"Id\n{account_ids[0]}\n")

    assert failure.value.status == 409
    assert client.get_job(job["id"], False)["state"] == "JobComplete"
