"""Scripted faults, the daily allowance and the admin API."""

from __future__ import annotations

import time

import pytest
import requests
from simple_salesforce import SalesforceGeneralError, SalesforceRefusedRequest

BATCH_200 = {"Sforce-Query-Options": "batchSize=200"}


@pytest.fixture
def account_ids(sf_org):
    return sf_org.insert("Account", [{"Name": f"Fault {i}"} for i in range(450)])


def _update(client, ids, segment="5"):
    records = [
        {"attributes": {"type": "Account"}, "id": i, "MKP_Segment__c": segment}
        for i in ids
    ]
    return client.restful(
        "composite/sobjects",
        method="PATCH",
        json={"allOrNone": False, "records": records},
    )


def test_a_503_with_a_json_body_hits_the_scripted_call(salesforce, sf_org, account_ids):
    sf_org.set_faults(
        {"faults": [{"operation": "query_more", "call": 2, "kind": "http_503_json"}]}
    )

    with pytest.raises(SalesforceGeneralError) as failure:
        salesforce.query_all("SELECT Id FROM Account", headers=BATCH_200)

    assert failure.value.status == 503
    assert failure.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert sf_org.stats()["calls"]["query_more"] == 2


def test_a_503_html_page_reaches_the_client_as_text(salesforce, sf_org, account_ids):
    sf_org.set_faults(
        {
            "faults": [
                {"operation": "collections_update", "call": 1, "kind": "http_503_html"}
            ]
        }
    )

    with pytest.raises(SalesforceGeneralError) as failure:
        _update(salesforce, account_ids[:2])

    assert failure.value.status == 503
    assert "<html>" in failure.value.content
    assert sf_org.stats()["records_written"] == {}


def test_a_retried_page_after_a_fault_returns_the_same_rows(
    salesforce, sf_org, account_ids
):
    sf_org.set_faults(
        {"faults": [{"operation": "query_more", "call": 1, "kind": "http_503_json"}]}
    )
    first = salesforce.query("SELECT Id FROM Account", headers=BATCH_200)

    with pytest.raises(SalesforceGeneralError):
        salesforce.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    retried = salesforce.query_more(first["nextRecordsUrl"], identifier_is_url=True)

    assert len(retried["records"]) == 200
    assert not {r["Id"] for r in retried["records"]} & {
        r["Id"] for r in first["records"]
    }


def test_a_414_answers_with_an_html_body(salesforce, sf_org):
    sf_org.set_faults(
        {"faults": [{"operation": "query", "call": 1, "kind": "http_414"}]}
    )

    with pytest.raises(SalesforceGeneralError) as failure:
        salesforce.query("SELECT Id FROM Account")

    assert failure.value.status == 414
    assert "Request-URI Too Large" in failure.value.content


def test_an_overlong_query_url_is_answered_414(salesforce):
    ids = ", ".join(f"'001{i:015d}'" for i in range(700))

    with pytest.raises(SalesforceGeneralError) as failure:
        salesforce.query(f"SELECT Id FROM Account WHERE Id IN ({ids})")  # noqa: S608

    assert failure.value.status == 414


def test_a_session_expiring_mid_pagination_is_renewed_and_paging_goes_on(
    salesforce, sf_org, account_ids
):
    sf_org.set_faults(
        {"faults": [{"operation": "query_more", "call": 1, "kind": "expire_session"}]}
    )

    result = salesforce.query_all("SELECT Id FROM Account", headers=BATCH_200)

    assert len(result["records"]) == 450
    assert sf_org.stats()["logins"] == 2


def test_locked_records_fail_for_the_scripted_attempts_then_succeed(
    salesforce, sf_org, account_ids
):
    sf_org.set_faults(
        {"faults": [{"kind": "lock_records", "ids": account_ids[:1], "attempts": 2}]}
    )

    outcomes = [_update(salesforce, account_ids[:1])[0] for _ in range(3)]

    assert [o["success"] for o in outcomes] == [False, False, True]
    assert outcomes[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"


def test_a_record_deleted_before_its_write_fails_as_deleted(
    salesforce, sf_org, account_ids
):
    sf_org.set_faults(
        {"faults": [{"kind": "delete_before_write", "ids": account_ids[:1]}]}
    )

    results = _update(salesforce, account_ids[:2])

    assert results[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert results[1]["success"] is True


def test_latency_slows_the_named_operation(salesforce, sf_org):
    sf_org.set_faults(
        {"faults": [{"kind": "latency", "operation": "query", "seconds": 0.2}]}
    )

    started = time.perf_counter()
    salesforce.query("SELECT Id FROM User")

    assert time.perf_counter() - started >= 0.2


def test_the_daily_limit_refuses_calls_with_request_limit_exceeded(salesforce, sf_org):
    sf_org.set_faults({"faults": [{"kind": "daily_limit", "after_calls": 2}]})
    salesforce.query("SELECT Id FROM User")
    salesforce.query("SELECT Id FROM User")

    with pytest.raises(SalesforceRefusedRequest) as failure:
        salesforce.query("SELECT Id FROM User")

    assert failure.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert salesforce.api_usage["api-usage"].used == 2


def test_every_api_answer_carries_the_usage_header(salesforce, sf_org):
    salesforce.query("SELECT Id FROM User")
    salesforce.limits()

    usage = salesforce.api_usage["api-usage"]
    assert (usage.used, usage.total) == (2, 1_000_000)
    assert sf_org.stats()["api_calls"] == 2


def test_the_admin_api_scripts_faults_reads_stats_and_resets(salesforce, sf_org):
    admin = f"{sf_org.instance_url}/_emulator"
    session = sf_org.requests_session()
    plan = {"faults": [{"operation": "limits", "call": 1, "kind": "request_limit"}]}

    session.post(f"{admin}/faults", json=plan).raise_for_status()
    with pytest.raises(SalesforceRefusedRequest):
        salesforce.limits()
    stats = session.get(f"{admin}/stats").json()
    session.post(f"{admin}/reset", json={}).raise_for_status()

    assert stats["calls"]["limits"] == 1
    assert stats["faults_fired"][0]["kind"] == "request_limit"
    assert session.get(f"{admin}/stats").json()["calls"] == {}


def test_an_unknown_fault_kind_is_refused_by_the_admin_api(sf_org):
    answer = sf_org.requests_session().post(
        f"{sf_org.instance_url}/_emulator/faults",
        json={"faults": [{"kind": "gremlins"}]},
    )

    assert answer.status_code == 400


def test_the_versions_list_needs_no_session_and_has_no_usage_header(sf_org):
    answer = requests.Session().get(
        f"{sf_org.instance_url}/services/data", verify=sf_org.ca_file
    )

    assert answer.status_code == 200
    assert "Sforce-Limit-Info" not in answer.headers
