"""Writes against the emulator: Collections and Bulk ingest, per-record
outcomes, lock retries and transient faults."""

from __future__ import annotations

import pytest
from sf_data import MakeConnector, seed_accounts
from sf_updates import scored, update_row, updates_frame

from connectors.salesforce import WriteMethod
from connectors.salesforce_emulator import Emulator
from mkp_core import RecordKind

ACCOUNT = RecordKind.ACCOUNT
AWKWARD_TEXT = 'Call "Zoë", then Ålesund, 3×\nsecond line; ünïcødé 日本語 ☃'


def stored(emu: Emulator, field: str) -> dict[str, object]:
    return {r["Id"]: r[field] for r in emu.records("Account")}


def test_85_records_take_one_collections_call_and_are_all_written(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 85)
    result = make_connector().write_updates(
        ACCOUNT, updates_frame([scored(i) for i in ids])
    )
    assert (result.attempted, result.written, result.failures) == (85, 85, [])
    assert sf_org.stats()["calls"]["collections_update"] == 1
    assert set(stored(sf_org, "MKP_Segment__c").values()) == {"8"}


def test_values_arrive_in_salesforce_forms(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    [record_id] = seed_accounts(sf_org, 1)
    make_connector().write_updates(ACCOUNT, updates_frame([scored(record_id)]))
    [row] = sf_org.records("Account")
    assert row["MKP_Wallet_Share__c"] == 42.37
    assert row["MKP_Potential__c"] == 125000.46
    assert row["MKP_Segment_Changed_At__c"] == "2017-12-31T00:00:00.000+0000"
    assert row["MKP_Previous_Segment__c"] == "5"


def test_one_refused_record_does_not_stop_the_others_in_its_call(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 85)
    sf_org.set_faults({"faults": [{"kind": "delete_before_write", "ids": [ids[40]]}]})
    result = make_connector().write_updates(
        ACCOUNT, updates_frame([scored(i) for i in ids])
    )
    assert result.written == 84
    assert [(f.record_id, f.code) for f in result.failures] == [
        (ids[40], "ENTITY_IS_DELETED")
    ]


def test_a_record_deleted_before_the_write_is_reported_and_not_retried(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 3)
    sf_org.set_faults({"faults": [{"kind": "delete_before_write", "ids": [ids[1]]}]})
    result = make_connector().write_updates(
        ACCOUNT, updates_frame([scored(i) for i in ids])
    )
    assert [f.code for f in result.failures] == ["ENTITY_IS_DELETED"]
    assert sf_org.stats()["calls"]["collections_update"] == 1


def test_records_locked_for_two_attempts_are_written_after_retries_of_those_only(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 20)
    locked = ids[3:6]
    sf_org.set_faults(
        {"faults": [{"kind": "lock_records", "ids": locked, "attempts": 2}]}
    )
    result = make_connector().write_updates(
        ACCOUNT, updates_frame([scored(i) for i in ids])
    )
    stats = sf_org.stats()
    assert (result.written, result.failures) == (20, [])
    assert stats["calls"]["collections_update"] == 3
    assert stats["written_more_than_once"] == []


def test_records_still_locked_after_the_last_retry_are_reported(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 4)
    sf_org.set_faults(
        {"faults": [{"kind": "lock_records", "ids": [ids[0]], "attempts": 9}]}
    )
    result = make_connector(lock_retry_attempts=2).write_updates(
        ACCOUNT, updates_frame([scored(i) for i in ids])
    )
    assert result.written == 3
    assert [(f.record_id, f.code) for f in result.failures] == [
        (ids[0], "UNABLE_TO_LOCK_ROW")
    ]
    assert sf_org.stats()["calls"]["collections_update"] == 3


@pytest.mark.parametrize("kind", ["http_503_json", "http_503_html"])
def test_a_503_on_a_write_is_retried_and_every_record_written_once(
    sf_org: Emulator, make_connector: MakeConnector, kind: str
) -> None:
    ids = seed_accounts(sf_org, 10)
    sf_org.set_faults(
        {"faults": [{"operation": "collections_update", "call": 1, "kind": kind}]}
    )
    result = make_connector().write_updates(
        ACCOUNT, updates_frame([scored(i) for i in ids])
    )
    stats = sf_org.stats()
    assert result.written == 10
    assert stats["calls"]["collections_update"] == 2
    assert stats["written_more_than_once"] == []


@pytest.mark.parametrize("threshold", [2000, 0], ids=["collections", "bulk"])
def test_awkward_text_round_trips_unchanged(
    sf_org: Emulator, make_connector: MakeConnector, threshold: int
) -> None:
    ids = seed_accounts(sf_org, 2)
    result = make_connector(bulk_write_threshold=threshold).write_updates(
        ACCOUNT,
        updates_frame([update_row(i, next_action=AWKWARD_TEXT) for i in ids]),
    )
    assert result.written == 2
    assert set(stored(sf_org, "MKP_Next_Action__c").values()) == {AWKWARD_TEXT}


def test_above_the_threshold_one_bulk_job_writes_every_record(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 30)
    connector = make_connector(bulk_write_threshold=10)
    result = connector.write_updates(ACCOUNT, updates_frame([scored(i) for i in ids]))
    calls = sf_org.stats()["calls"]
    assert (result.written, result.failures) == (30, [])
    assert calls["bulk_ingest_create"] == 1
    assert "collections_update" not in calls


def test_bulk_leaves_unchanged_fields_alone_and_clears_nulls(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 2, MKP_Segment_Name__c="Old", MKP_Next_Action__c="Keep")
    rows = [
        update_row(ids[0], segment_name="New"),
        update_row(ids[1], segment_name=None),
    ]
    make_connector(bulk_write_threshold=0).write_updates(ACCOUNT, updates_frame(rows))
    assert stored(sf_org, "MKP_Segment_Name__c") == {ids[0]: "New", ids[1]: None}
    assert set(stored(sf_org, "MKP_Next_Action__c").values()) == {"Keep"}


def test_bulk_reports_deleted_records_and_retries_locked_ones(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 12)
    sf_org.set_faults(
        {
            "faults": [
                {"kind": "delete_before_write", "ids": [ids[0]]},
                {"kind": "lock_records", "ids": ids[5:7], "attempts": 1},
            ]
        }
    )
    result = make_connector(bulk_write_threshold=5).write_updates(
        ACCOUNT, updates_frame([scored(i) for i in ids])
    )
    calls = sf_org.stats()["calls"]
    assert result.written == 11
    assert [(f.record_id, f.code) for f in result.failures] == [
        (ids[0], "ENTITY_IS_DELETED")
    ]
    assert (calls["bulk_ingest_create"], calls["collections_update"]) == (1, 1)


def test_progress_is_reported_per_batch_and_adds_up_to_every_record(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 450)
    reported: list[int] = []
    make_connector().write_updates(
        ACCOUNT, updates_frame([scored(i) for i in ids]), reported.append
    )
    assert reported == [200, 200, 50]


def test_nothing_changed_means_no_write_calls(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 5)
    connector = make_connector()
    rows = [scored(i) | {"changed": []} for i in ids]
    result = connector.write_updates(ACCOUNT, updates_frame(rows))
    assert (result.attempted, result.write_calls) == (0, 0)
    assert "collections_update" not in sf_org.stats()["calls"]


@pytest.mark.parametrize(
    ("records", "method", "calls"),
    [(85, WriteMethod.COLLECTIONS, 1), (450, WriteMethod.COLLECTIONS, 3)],
)
def test_the_dry_run_plan_matches_the_calls_a_real_write_makes(
    sf_org: Emulator,
    make_connector: MakeConnector,
    records: int,
    method: WriteMethod,
    calls: int,
) -> None:
    ids = seed_accounts(sf_org, records)
    connector = make_connector()
    updates = updates_frame([scored(i) for i in ids])
    plan = connector.dry_run_plan(ACCOUNT, updates)
    assert (plan.method, plan.api_calls) == (method, calls)
    assert connector.planned_write_calls(ACCOUNT, records) == calls
    assert connector.write_updates(ACCOUNT, updates).write_calls == plan.api_calls


def test_a_bulk_dry_run_plans_one_job_and_sends_nothing(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 30)
    connector = make_connector(bulk_write_threshold=10)
    plan = connector.dry_run_plan(ACCOUNT, updates_frame([scored(i) for i in ids]))
    assert (plan.method, plan.batches, plan.records) == (WriteMethod.BULK, 1, 30)
    assert sf_org.stats()["calls"] == {}
