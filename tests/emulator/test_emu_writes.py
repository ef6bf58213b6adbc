"""Writes: single-record PATCH, sObject Collections, type rules, describe."""

from __future__ import annotations

import time

import pytest
from emulator_clients import make_salesforce
from simple_salesforce import SalesforceMalformedRequest, SalesforceResourceNotFound

from connectors.salesforce_emulator import Emulator, EmulatorConfig


def _collection(ids, **fields):
    return [{"attributes": {"type": "Account"}, "id": i, **fields} for i in ids]


@pytest.fixture
def account_ids(sf_org):
    return sf_org.insert("Account", [{"Name": f"Acme {i}"} for i in range(3)])


def test_a_single_update_answers_204_and_moves_the_modstamp(
    salesforce, sf_org, account_ids
):
    before = sf_org.records("Account")[0]["SystemModstamp"]
    time.sleep(0.002)

    status = salesforce.Account.update(account_ids[0], {"MKP_Segment__c": "5"})

    after = sf_org.records("Account")[0]
    assert status == 204
    assert after["MKP_Segment__c"] == "5"
    assert after["SystemModstamp"] > before
    assert after["LastModifiedDate"] == after["SystemModstamp"]


def test_updating_a_deleted_record_answers_entity_is_deleted(
    salesforce, sf_org, account_ids
):
    sf_org.delete("Account", account_ids[:1])

    with pytest.raises(SalesforceResourceNotFound) as failure:
        salesforce.Account.update(account_ids[0], {"MKP_Segment__c": "5"})

    assert failure.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"Nope__c": 1}, "INVALID_FIELD"),
        ({"MKP_Segment__c": "10"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"MKP_Segment_Name__c": "x" * 81}, "STRING_TOO_LONG"),
        ({"MKP_Potential__c": "lots"}, "INVALID_TYPE_ON_FIELD_IN_RECORD"),
        ({"MKP_Wallet_Share__c": 1000.0}, "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"MKP_Segment_Changed_At__c": "yesterday"}, "INVALID_TYPE_ON_FIELD_IN_RECORD"),
        ({"MKP_Potential_Override__c": 5.0}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Name": None}, "REQUIRED_FIELD_MISSING"),
    ],
)
def test_values_breaking_field_rules_are_refused(salesforce, account_ids, fields, code):
    with pytest.raises(SalesforceMalformedRequest) as failure:
        salesforce.Account.update(account_ids[0], fields)

    assert failure.value.content[0]["errorCode"] == code


def test_collections_report_each_record_in_order_with_status_codes(
    salesforce, sf_org, account_ids
):
    records = _collection(account_ids, MKP_Segment__c="5")
    records[1]["MKP_Segment__c"] = "42"

    results = salesforce.restful(
        "composite/sobjects",
        method="PATCH",
        json={"allOrNone": False, "records": records},
    )

    assert [r["success"] for r in results] == [True, False, True]
    assert (
        results[1]["errors"][0]["statusCode"]
        == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    )
    assert sf_org.stats()["records_written"] == {"Account": 2}


def test_all_or_none_rolls_back_every_record_when_one_fails(
    salesforce, sf_org, account_ids
):
    records = _collection(account_ids, MKP_Segment__c="5")
    records[2]["MKP_Segment__c"] = "42"

    results = salesforce.restful(
        "composite/sobjects",
        method="PATCH",
        json={"allOrNone": True, "records": records},
    )

    codes = [r["errors"][0]["statusCode"] for r in results]
    assert codes[:2] == ["ALL_OR_NONE_OPERATION_ROLLED_BACK"] * 2
    assert {r["MKP_Segment__c"] for r in sf_org.records("Account")} == {None}


def test_collections_over_200_records_are_refused(salesforce, account_ids):
    records = _collection(account_ids * 70, MKP_Segment__c="5")

    with pytest.raises(SalesforceMalformedRequest) as failure:
        salesforce.restful(
            "composite/sobjects",
            method="PATCH",
            json={"allOrNone": False, "records": records},
        )

    assert failure.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_stage_decides_won_closed_and_forecast_category(salesforce, sf_org):
    [opportunity] = sf_org.insert(
        "Opportunity",
        [{"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2024-05-01"}],
    )

    salesforce.Opportunity.update(opportunity, {"StageName": "Closed Won"})

    [row] = sf_org.records("Opportunity")
    assert (row["IsWon"], row["IsClosed"], row["ForecastCategory"]) == (
        True,
        True,
        "Closed",
    )
    assert row["Probability"] == 100.0


def test_ids_are_18_characters_with_the_object_prefix(sf_org):
    [account] = sf_org.insert("Account", [{"Name": "A"}])
    [lead] = sf_org.insert("Lead", [{"LastName": "L", "Company": "C"}])

    assert (len(account), account[:3]) == (18, "001")
    assert lead[:3] == "00Q"


def test_a_fifteen_character_id_reaches_the_same_record(
    salesforce, sf_org, account_ids
):
    salesforce.Account.update(account_ids[0][:15], {"MKP_Segment__c": "3"})

    assert sf_org.records("Account")[0]["MKP_Segment__c"] == "3"


def test_describe_lists_custom_fields_with_picklists_and_permissions(salesforce):
    fields = {f["name"]: f for f in salesforce.Account.describe()["fields"]}

    assert [v["value"] for v in fields["MKP_Potential_Level__c"]["picklistValues"]] == [
        "Low",
        "Medium",
        "High",
    ]
    assert fields["MKP_Segment_Name__c"]["length"] == 80
    assert fields["MKP_Potential_Override__c"]["updateable"] is False
    assert fields["MKP_Potential__c"]["updateable"] is True


def test_an_omitted_field_is_missing_from_describe_and_queries():
    with Emulator(EmulatorConfig(omit_fields=("Account.MKP_Segment__c",))) as emu:
        client = make_salesforce(emu)
        names = {f["name"] for f in client.Account.describe()["fields"]}
        with pytest.raises(SalesforceMalformedRequest) as failure:
            client.query("SELECT MKP_Segment__c FROM Account")

    assert "MKP_Segment__c" not in names
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"
