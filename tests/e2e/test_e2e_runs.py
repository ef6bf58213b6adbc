"""The Maven org through the one pipeline: what a first and a second run
write, REST against Bulk, and awkward text through both write paths."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import (
    AS_OF,
    MAVEN_ACCOUNTS,
    Values,
    mkp_values,
    run_maven,
    write_calls,
)

from connectors.salesforce_emulator import Emulator
from mkp_core import Locale, Policy, SegmentText

BULK: dict[str, Any] = {"bulk_read_threshold": 0, "bulk_write_threshold": 0}
AWKWARD_NAME = 'Focus, "Zoë"\nÅlesund'
AWKWARD_ACTION = 'Call "Zoë", then Ålesund; bring 3×\nsecond line: ünïcødé 日本語'


def test_a_first_run_writes_all_85_accounts_in_one_collections_call(
    maven_org: Emulator,
) -> None:
    result = run_maven(maven_org)

    assert result.report.status == "succeeded"
    assert result.report.records_written == MAVEN_ACCOUNTS
    assert maven_org.stats()["calls"]["collections_update"] == 1
    assert len(maven_org.stats()["writes_by_id"]) == MAVEN_ACCOUNTS


def test_an_immediate_second_run_makes_no_write_call(maven_org: Emulator) -> None:
    run_maven(maven_org)
    maven_org.reset()

    second = run_maven(maven_org)

    assert second.report.status == "succeeded"
    assert second.report.records_changed == 0
    assert write_calls(maven_org) == 0


def test_the_bulk_path_leaves_the_same_values_as_the_rest_path(
    fault_free_values: Values, maven_org: Emulator
) -> None:
    result = run_maven(maven_org, **BULK)

    # Both runs share one clock, so even MKP_Segment_Changed_At__c must match.
    assert result.report.records_written == MAVEN_ACCOUNTS
    assert maven_org.stats()["calls"]["bulk_query_create"] >= 2  # accounts, deals
    assert maven_org.stats()["calls"]["bulk_ingest_create"] == 1
    assert mkp_values(maven_org) == fault_free_values


@pytest.mark.parametrize("path", [{}, BULK], ids=["collections", "bulk"])
def test_text_with_comma_quote_newline_and_non_ascii_round_trips_unchanged(
    maven_org: Emulator, path: dict[str, Any]
) -> None:
    awkward = SegmentText(name=AWKWARD_NAME, next_action=AWKWARD_ACTION)
    policy = Policy(
        as_of=AS_OF, segment_texts={Locale.EN: dict.fromkeys(range(1, 10), awkward)}
    )

    first = run_maven(maven_org, policy, **path)
    second = run_maven(maven_org, policy, **path)

    sent = dict(first.scores.select("record_id", "next_action").iter_rows())
    stored = maven_org.records("Account")
    assert {r["MKP_Segment_Name__c"] for r in stored} == {AWKWARD_NAME}
    assert {r["Id"]: r["MKP_Next_Action__c"] for r in stored} == sent
    assert first.scores["next_action"].str.contains(AWKWARD_ACTION, literal=True).all()
    assert second.report.records_changed == 0  # read back equal, both ways
