"""Seeding from sObject-tree JSON (the Maven example) and Data Loader CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.salesforce_emulator import Emulator, EmulatorError

MAVEN = Path(__file__).resolve().parents[2] / "examples" / "maven-crm" / "salesforce"


@pytest.fixture(scope="module")
def maven_org():
    org = Emulator()
    org.load_dir(MAVEN)
    yield org
    org.stop()


def test_the_maven_example_loads_every_record_with_links(maven_org):
    accounts = {a["Id"]: a for a in maven_org.records("Account")}
    opportunities = maven_org.records("Opportunity")
    assert len(accounts) == 85
    assert len(opportunities) == 8800
    assert len(maven_org.records("User")) == 36
    assert sum(1 for a in accounts.values() if a["ParentId"] in accounts) == 15
    assert all(o["AccountId"] in accounts for o in opportunities if o["AccountId"])


def test_maven_open_deals_have_no_amount_and_closed_ones_do(maven_org):
    opportunities = maven_org.records("Opportunity")
    assert all(o["Amount"] is None for o in opportunities if not o["IsClosed"])
    assert sum(o["IsWon"] for o in opportunities) == 4238


def test_tree_references_and_nested_children_resolve(sf_org, tmp_path):
    tree = {
        "records": [
            {
                "attributes": {"type": "Account", "referenceId": "Acc1"},
                "Name": "Parent",
                "Opportunities": {
                    "records": [
                        {
                            "attributes": {
                                "type": "Opportunity",
                                "referenceId": "Opp1",
                            },
                            "Name": "Child deal",
                            "StageName": "Closed Won",
                            "CloseDate": "2024-01-01",
                        }
                    ]
                },
            }
        ]
    }
    (tmp_path / "Account.json").write_text(json.dumps(tree), encoding="utf-8")

    sf_org.load_dir(tmp_path)

    [account] = sf_org.records("Account")
    [deal] = sf_org.records("Opportunity")
    assert deal["AccountId"] == account["Id"]


def test_data_loader_csv_loads_with_api_name_headers(sf_org, tmp_path):
    (tmp_path / "Account.csv").write_text(
        'Name,AnnualRevenue,MKP_Potential_Override__c\n"Acme, Inc.",1200000,5000\n',
        encoding="utf-8",
    )

    sf_org.load_dir(tmp_path)

    [account] = sf_org.records("Account")
    assert (account["Name"], account["AnnualRevenue"]) == ("Acme, Inc.", 1200000.0)
    assert account["MKP_Potential_Override__c"] == 5000.0


def test_an_unknown_reference_names_the_file(sf_org, tmp_path):
    tree = {
        "records": [
            {
                "attributes": {"type": "Opportunity", "referenceId": "O"},
                "Name": "x",
                "StageName": "Prospecting",
                "CloseDate": "2024-01-01",
                "AccountId": "@Missing",
            }
        ]
    }
    (tmp_path / "Opportunity.json").write_text(json.dumps(tree), encoding="utf-8")

    with pytest.raises(EmulatorError, match="@Missing"):
        sf_org.load_dir(tmp_path)
