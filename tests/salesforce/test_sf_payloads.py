"""Write payloads carry Salesforce's value forms, and answers map back to
records: Collections by position, Bulk by sf__Id."""

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sf_updates import scored, update_row, updates_frame

from connectors.base import WriteFailure
from connectors.fields import DEFAULT_FIELD_NAMES
from connectors.salesforce._payloads import (
    WireRecord,
    bulk_csv_jobs,
    bulk_outcome,
    collection_outcome,
    collections_payload,
    wire_records,
)

FIELDS = dict(DEFAULT_FIELD_NAMES)


def test_values_leave_in_salesforce_forms() -> None:
    [record] = wire_records(updates_frame([scored("001A")]), FIELDS)
    assert dict(record.values) == {
        "MKP_Segment__c": "8",
        "MKP_Segment_Name__c": "Strategic",
        "MKP_Potential__c": 125000.46,
        "MKP_Potential_Level__c": "High",
        "MKP_Progress_Level__c": "Below potential",
        "MKP_Wallet_Share__c": 42.37,
        "MKP_Next_Action__c": "Invest",
        "MKP_Explanation__c": "Peers in Retail buy 3.1x more.",
        "MKP_Segment_Changed_At__c": "2017-12-31T00:00:00.000+0000",
        "MKP_Previous_Segment__c": "5",
    }


def test_only_changed_fields_are_sent() -> None:
    row = scored("001A") | {"changed": ["segment", "segment_name"]}
    [record] = wire_records(updates_frame([row]), FIELDS)
    assert set(record.values) == {"MKP_Segment__c", "MKP_Segment_Name__c"}


def test_a_record_with_nothing_changed_is_not_sent() -> None:
    frame = updates_frame([scored("001A") | {"changed": []}, scored("001B")])
    assert [r.record_id for r in wire_records(frame, FIELDS)] == ["001B"]


def test_a_cleared_value_is_sent_as_null_and_nan_never_leaves() -> None:
    frame = updates_frame(
        [update_row("001A", previous_segment=None, potential=float("nan"))]
    )
    [record] = wire_records(frame, FIELDS)
    assert dict(record.values) == {
        "MKP_Previous_Segment__c": None,
        "MKP_Potential__c": None,
    }


def test_the_collections_payload_is_plain_json_and_not_all_or_none() -> None:
    records = wire_records(updates_frame([scored("001A"), scored("001B")]), FIELDS)
    payload = collections_payload("Account", records)
    decoded = json.loads(json.dumps(payload, allow_nan=False))
    assert decoded["allOrNone"] is False
    assert decoded["records"][1]["attributes"] == {"type": "Account"}
    assert decoded["records"][1]["id"] == "001B"


def test_collection_results_are_matched_by_position_not_by_id() -> None:
    records = [WireRecord("001A", {}), WireRecord("001B", {}), WireRecord("001C", {})]
    results = [
        {"id": "001A", "success": True, "errors": []},
        {
            "success": False,
            "errors": [
                {"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted"}
            ],
        },
        {
            "success": False,
            "errors": [
                {
                    "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    "message": "Segment locked",
                    "fields": ["MKP_Segment__c"],
                }
            ],
        },
    ]
    outcome = collection_outcome(records, results)
    assert outcome.written == 1
    assert outcome.failures == [
        WriteFailure("001B", "ENTITY_IS_DELETED", "entity is deleted"),
        WriteFailure(
            "001C",
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Segment locked",
            ("MKP_Segment__c",),
        ),
    ]


def test_a_locked_record_is_set_aside_for_a_retry_not_failed() -> None:
    records = [WireRecord("001A", {"MKP_Segment__c": "1"})]
    results = [
        {
            "success": False,
            "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "x"}],
        }
    ]
    outcome = collection_outcome(records, results)
    assert outcome.failures == []
    assert [record for record, _ in outcome.locked] == records


def read_csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body, newline="")))


def test_the_bulk_csv_leaves_unchanged_cells_empty_and_clears_with_na() -> None:
    records = [
        WireRecord("001A", {"MKP_Segment__c": "8"}),
        WireRecord("001B", {"MKP_Segment_Name__c": None}),
    ]
    [(body, batch)] = bulk_csv_jobs(records, max_bytes=10_000)
    assert read_csv(body) == [
        {"Id": "001A", "MKP_Segment__c": "8", "MKP_Segment_Name__c": ""},
        {"Id": "001B", "MKP_Segment__c": "", "MKP_Segment_Name__c": "#N/A"},
    ]
    assert batch == records


def test_bulk_bodies_are_cut_between_records_at_the_byte_limit() -> None:
    records = [
        WireRecord(f"001{i:03d}", {"MKP_Next_Action__c": "x" * 40}) for i in range(10)
    ]
    jobs = list(bulk_csv_jobs(records, max_bytes=200))
    assert all(len(body.encode()) <= 200 for body, _ in jobs)
    assert [r for _, batch in jobs for r in batch] == records
    assert all(body.startswith("Id,MKP_Next_Action__c\r\n") for body, _ in jobs)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])))
def test_any_text_survives_the_bulk_csv_round_trip(text: str) -> None:
    records = [WireRecord("001A", {"MKP_Explanation__c": text})]
    [(body, _)] = bulk_csv_jobs(records, max_bytes=10**6)
    assert read_csv(body)[0]["MKP_Explanation__c"] == text


def test_bulk_failures_are_matched_by_sf_id_in_any_order() -> None:
    records = [WireRecord(f"001{c}", {}) for c in "ABCD"]
    failed = (
        '"sf__Id","sf__Error","Id"\n'
        '"001C","ENTITY_IS_DELETED:entity is deleted:--","001C"\n'
        '"001A","UNABLE_TO_LOCK_ROW:unable to obtain exclusive access:--","001A"\n'
        '"001B","STRING_TOO_LONG:Next Action: data value too large:MKP_Next_Action__c",'
        '"001B"\n'
    )
    outcome = bulk_outcome(records, failed, "")
    assert outcome.written == 1
    assert [r.record_id for r, _ in outcome.locked] == ["001A"]
    assert outcome.failures == [
        WriteFailure("001C", "ENTITY_IS_DELETED", "entity is deleted"),
        WriteFailure(
            "001B",
            "STRING_TOO_LONG",
            "Next Action: data value too large",
            ("MKP_Next_Action__c",),
        ),
    ]


def test_unprocessed_bulk_rows_are_failures() -> None:
    records = [WireRecord("001A", {}), WireRecord("001B", {})]
    outcome = bulk_outcome(records, "", "Id,MKP_Segment__c\n001B,3\n")
    assert outcome.written == 1
    assert [(f.record_id, f.code) for f in outcome.failures] == [
        ("001B", "BULK_UNPROCESSED")
    ]


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0, 0.123456])
def test_wallet_share_is_written_as_a_percent_rounded_to_cents(share: float) -> None:
    [record] = wire_records(
        updates_frame([update_row("001A", wallet_share=share)]), FIELDS
    )
    assert record.values["MKP_Wallet_Share__c"] == round(share * 100, 2)
