"""Only values that really changed, after the CRM's rounding, are written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from core_builders import NOW

from mkp_core import (
    OUTPUT_FIELDS,
    SCORE_SCHEMA,
    RecordKind,
    changed_records,
    crm_column,
)

OUTPUTS = {
    "segment": 8,
    "segment_name": "Strategic",
    "potential": 1234.564,
    "potential_level": "High",
    "progress_level": "Below potential",
    "wallet_share": 0.4321,
    "next_action": "Call.",
    "explanation": "Because.",
    "segment_changed_at": NOW,
    "previous_segment": 5,
}


def scores(*rows: dict[str, Any]) -> pl.DataFrame:
    full = []
    for index, row in enumerate(rows):
        crm = {crm_column(field): OUTPUTS[field] for field in OUTPUT_FIELDS}
        full.append(
            {"record_id": f"A{index}", "kind": "account", **OUTPUTS, **crm, **row}
        )
    return pl.DataFrame(
        [{name: row.get(name) for name in SCORE_SCHEMA} for row in full],
        schema=SCORE_SCHEMA,
        orient="row",
    )


def test_identical_values_give_no_rows() -> None:
    assert changed_records(scores({}), RecordKind.ACCOUNT).is_empty()


def test_currency_differences_below_a_cent_are_not_changes() -> None:
    frame = scores({"crm_potential": 1234.56})

    assert changed_records(frame, RecordKind.ACCOUNT).is_empty()


def test_a_cent_of_potential_is_a_change() -> None:
    frame = scores({"crm_potential": 1234.55})

    changed = changed_records(frame, RecordKind.ACCOUNT)

    assert changed.get_column("changed").to_list() == [["potential"]]
    assert changed.get_column("potential").to_list() == [1234.56]


def test_wallet_share_compares_to_a_tenth_of_a_percent() -> None:
    same = scores({"crm_wallet_share": 0.432})
    different = scores({"crm_wallet_share": 0.431})

    assert changed_records(same, RecordKind.ACCOUNT).is_empty()
    assert changed_records(different, RecordKind.ACCOUNT).get_column(
        "changed"
    ).to_list() == [["wallet_share"]]


def test_date_times_compare_to_the_second() -> None:
    frame = scores({"crm_segment_changed_at": NOW + dt.timedelta(milliseconds=400)})

    assert changed_records(frame, RecordKind.ACCOUNT).is_empty()


def test_a_value_the_crm_lacks_is_a_change() -> None:
    frame = scores({"crm_next_action": None})

    assert changed_records(frame, "account").get_column("changed").to_list() == [
        ["next_action"]
    ]


def test_changed_lists_fields_in_contract_order() -> None:
    frame = scores(
        {"crm_segment": 5, "crm_explanation": "Old.", "crm_previous_segment": 2}
    )

    changed = changed_records(frame, RecordKind.ACCOUNT).get_column("changed").to_list()

    assert changed == [["segment", "explanation", "previous_segment"]]


def test_only_records_of_the_asked_kind_are_returned() -> None:
    frame = scores({"crm_segment": 1}, {"kind": "lead", "crm_segment": 1})

    changed = changed_records(frame, RecordKind.LEAD)

    assert changed.get_column("record_id").to_list() == ["A1"]


def test_updates_carry_the_id_the_fields_and_the_changed_list() -> None:
    changed = changed_records(scores({"crm_segment": 1}), RecordKind.ACCOUNT)

    assert changed.columns == ["record_id", *OUTPUT_FIELDS, "changed"]
    assert changed.schema["changed"] == pl.List(pl.String)
