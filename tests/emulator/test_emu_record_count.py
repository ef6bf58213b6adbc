"""The record-count resource: its wire shape, accounting and failures."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import SalesforceRefusedRequest, SalesforceResourceNotFound

RECORD_COUNT = "limits/recordCount"


@pytest.fixture
def seeded(sf_org):
    sf_org.insert("Account", [{"Name": f"Count {i}"} for i in range(7)])
    deleted = sf_org.insert("Account", [{"Name": "Binned"}])
    sf_org.insert(
        "Lead", [{"LastName": f"Lead {i}", "Company": "Co"} for i in range(3)]
    )
    return deleted[0]


def _counts(answer):
    return {entry["name"]: entry["count"] for entry in answer["sObjects"]}


def test_each_listed_object_comes_back_with_its_name_and_count(salesforce, seeded):
    answer = salesforce.restful(RECORD_COUNT, params={"sObjects": "Account,Lead"})

    assert list(answer) == ["sObjects"]
    assert sorted(answer["sObjects"], key=lambda e: e["name"]) == [
        {"count": 8, "name": "Account"},
        {"count": 3, "name": "Lead"},
    ]


def test_records_in_the_recycle_bin_are_not_counted(salesforce, sf_org, seeded):
    salesforce.restful(f"sobjects/Account/{seeded}", method="DELETE")

    answer = salesforce.restful(RECORD_COUNT, params={"sObjects": "Account"})

    assert _counts(answer) == {"Account": 7}


def test_an_object_the_org_lacks_is_left_out_of_the_answer(salesforce, seeded):
    answer = salesforce.restful(
        RECORD_COUNT, params={"sObjects": "Account,CurrencyType,Nope__c"}
    )

    assert _counts(answer) == {"Account": 8}


def test_without_a_list_every_object_of_the_org_is_counted(salesforce, seeded):
    counts = _counts(salesforce.restful(RECORD_COUNT))

    assert counts["Account"] == 8
    assert {"Opportunity", "Lead", "User"} <= set(counts)


def test_a_record_counts_fault_answers_stale_figures_or_none(
    salesforce, sf_org, seeded
):
    stale = {"Account": 50_000, "Lead": None}
    sf_org.set_faults({"faults": [{"kind": "record_counts", "counts": stale}]})

    answer = salesforce.restful(
        RECORD_COUNT, params={"sObjects": "Account,Opportunity,Lead"}
    )

    assert _counts(answer) == {"Account": 50_000, "Opportunity": 0}


def test_the_call_is_charged_and_counted_under_its_own_operation(salesforce, sf_org):
    salesforce.restful(RECORD_COUNT, params={"sObjects": "Account"})

    stats = sf_org.stats()
    assert stats["calls"] == {"login": 1, "record_count": 1}
    assert stats["api_calls"] == 1
    assert salesforce.api_usage["api-usage"].used == 1


def test_the_daily_limit_refuses_it_like_any_rest_call(salesforce, sf_org):
    sf_org.set_faults({"faults": [{"kind": "daily_limit", "after_calls": 0}]})

    with pytest.raises(SalesforceRefusedRequest) as failure:
        salesforce.restful(RECORD_COUNT, params={"sObjects": "Account"})

    assert failure.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_it_needs_a_valid_session(sf_org):
    answer = requests.get(
        f"{sf_org.instance_url}/services/data/v59.0/{RECORD_COUNT}",
        params={"sObjects": "Account"},
        headers={"Authorization": "Bearer not-a-session"},
        verify=sf_org.ca_file,
        timeout=10,
    )

    assert answer.status_code == 401
    assert answer.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_api_versions_before_40_do_not_have_it(salesforce_factory, sf_org):
    old = salesforce_factory(version="39.0")

    with pytest.raises(SalesforceResourceNotFound):
        old.restful(RECORD_COUNT, params={"sObjects": "Account"})


@pytest.mark.parametrize("counts", [[1], {"Account": -1}, {"Account": "many"}])
def test_a_record_counts_fault_without_usable_figures_is_refused(sf_org, counts):
    answer = sf_org.requests_session().post(
        f"{sf_org.instance_url}/_emulator/faults",
        json={"faults": [{"kind": "record_counts", "counts": counts}]},
    )

    assert answer.status_code == 400
