"""The results file: written like CRM fields, read back as the CRM's values."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from csv_samples import SF_ACCOUNT_HEADER, MakeConnector, WriteCsv
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import ConfigurationError, CrmConnector, CsvConnector, CsvProfile
from mkp_core import OUTPUT_FIELDS, RecordKind

CHANGED_AT = dt.datetime(2024, 3, 1, 2, 3, 4, 567891, tzinfo=dt.UTC)
HEADER = (
    "Object,Id,Name,MKP_Segment__c,MKP_Segment_Name__c,MKP_Potential__c,"
    "MKP_Potential_Level__c,MKP_Progress_Level__c,MKP_Wallet_Share__c,"
    "MKP_Next_Action__c,MKP_Explanation__c,MKP_Segment_Changed_At__c,"
    "MKP_Previous_Segment__c"
)


def _update(record_id: str | None = "001A", **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record_id": record_id,
        "segment": 8,
        "segment_name": "Strategic",
        "potential": 123456.789,
        "potential_level": "High",
        "progress_level": "Below potential",
        "wallet_share": 0.123456,
        "next_action": "Plan a joint review, then propose a pilot",
        "explanation": "Peers in Tech buy 9x more",
        "segment_changed_at": CHANGED_AT,
        "previous_segment": 5,
    }
    return row | values


def _updates(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(
        list(rows),
        schema_overrides={
            "segment": pl.Int8,
            "previous_segment": pl.Int8,
            "segment_changed_at": pl.Datetime("us", "UTC"),
        },
    )


def _stored_lines(connector: CsvConnector) -> list[str]:
    return connector.output_path.read_text().splitlines()


def test_csv_connector_satisfies_the_connector_protocol(
    make_connector: MakeConnector,
) -> None:
    assert isinstance(make_connector(), CrmConnector)


def test_written_file_uses_crm_field_names_and_percent(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.read_accounts()

    result = connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))

    assert (result.attempted, result.written, result.failures) == (1, 1, [])
    assert _stored_lines(connector) == [
        HEADER,
        "Account,001A,Acme,8,Strategic,123456.79,High,Below potential,12.35,"
        '"Plan a joint review, then propose a pilot",Peers in Tech buy 9x more,'
        "2024-03-01T02:03:04.567Z,5",
    ]


def test_written_values_are_read_back_as_crm_values(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))

    row = connector.read_accounts().frame.row(0, named=True)

    assert row["crm_segment"] == 8
    assert row["crm_potential"] == 123456.79
    assert row["crm_wallet_share"] == 0.1235
    assert row["crm_next_action"] == "Plan a joint review, then propose a pilot"
    assert row["crm_segment_changed_at"] == CHANGED_AT.replace(microsecond=567000)
    assert row["crm_previous_segment"] == 5


def test_second_write_of_the_same_values_writes_nothing(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))
    before = connector.output_path.stat().st_mtime_ns

    result = connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))

    assert (result.attempted, result.written) == (1, 0)
    assert connector.output_path.stat().st_mtime_ns == before


def test_change_below_the_stored_scale_is_not_a_change(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))

    result = connector.write_updates(
        RecordKind.ACCOUNT,
        _updates(_update(potential=123456.791, wallet_share=0.12349)),
    )

    assert result.written == 0


def test_written_counts_only_records_that_changed(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.write_updates(
        RecordKind.ACCOUNT, _updates(_update("001A"), _update("001B"))
    )

    result = connector.write_updates(
        RecordKind.ACCOUNT, _updates(_update("001A"), _update("001B", segment=9))
    )

    assert (result.attempted, result.written) == (2, 1)


def test_rows_of_records_outside_the_batch_are_kept(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.write_updates(
        RecordKind.ACCOUNT, _updates(_update("001A"), _update("001B"))
    )

    connector.write_updates(RecordKind.ACCOUNT, _updates(_update("001C", segment=1)))

    ids = [line.split(",")[1] for line in _stored_lines(connector)[1:]]
    assert ids == ["001A", "001B", "001C"]


def test_stored_record_takes_only_its_changed_fields(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))
    batch = _updates(_update(segment=9, segment_name="VIP")).with_columns(
        changed=pl.lit(["segment"], pl.List(pl.String))
    )

    connector.write_updates(RecordKind.ACCOUNT, batch)

    row = connector.read_accounts().frame.row(0, named=True)
    assert (row["crm_segment"], row["crm_segment_name"]) == (9, "Strategic")


def test_accounts_and_leads_share_the_file_by_object(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.write_updates(RecordKind.ACCOUNT, _updates(_update("X1", segment=2)))

    connector.write_updates(RecordKind.LEAD, _updates(_update("X1", segment=7)))

    assert [line.split(",")[:4] for line in _stored_lines(connector)[1:]] == [
        ["Account", "X1", "", "2"],
        ["Lead", "X1", "", "7"],
    ]


def test_name_comes_from_the_updates_when_they_carry_one(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    connector.read_accounts()

    connector.write_updates(RecordKind.ACCOUNT, _updates(_update(name="Acme Group")))

    assert _stored_lines(connector)[1].startswith("Account,001A,Acme Group,")


def test_duplicate_record_is_named_from_its_first_row_as_it_is_scored(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", "Id,Name", "001A,Acme", "001A,Acme Duplicate")
    connector = make_connector()
    connector.read_accounts()

    connector.write_updates(RecordKind.ACCOUNT, _updates(_update("001A")))

    assert _stored_lines(connector)[1].startswith("Account,001A,Acme,")


def test_repeated_update_of_a_record_keeps_its_first_row(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()

    connector.write_updates(
        RecordKind.ACCOUNT, _updates(_update(segment=2), _update(segment=9))
    )

    assert connector.read_accounts().frame["crm_segment"].to_list() == [2]


def test_results_path_that_is_a_directory_is_named_as_a_directory(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "taken").mkdir()
    connector = make_connector(output="taken")

    with pytest.raises(ConfigurationError, match=r"taken is a directory"):
        connector.read_accounts()


def test_unwritable_results_path_raises_a_configuration_error_naming_it(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "plain-file").write_text("")
    connector = make_connector(output="plain-file/results.csv")

    with pytest.raises(ConfigurationError) as raised:
        connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))

    cause = raised.value.__cause__
    assert isinstance(cause, OSError)
    assert "plain-file/results.csv" in raised.value.message
    assert str(cause.strerror) in raised.value.message


def test_update_without_record_id_is_a_failure(make_connector: MakeConnector) -> None:
    connector = make_connector()

    result = connector.write_updates(
        RecordKind.ACCOUNT, _updates(_update(), _update(None))
    )

    assert (result.attempted, result.written) == (2, 1)
    assert [failure.code for failure in result.failures] == ["MISSING_ID"]


def test_write_leaves_no_temporary_file(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    connector = make_connector(output="out/results.csv")

    connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))

    assert [p.name for p in (tmp_path / "out").iterdir()] == ["results.csv"]


def test_progress_receives_the_records_handled(make_connector: MakeConnector) -> None:
    seen: list[int] = []

    def progress(records_done: int) -> None:
        seen.append(records_done)

    make_connector().write_updates(
        RecordKind.ACCOUNT, _updates(_update("A"), _update("B")), progress
    )

    assert seen == [2]


def test_csv_connector_makes_no_api_calls(make_connector: MakeConnector) -> None:
    connector = make_connector()
    connector.write_updates(RecordKind.ACCOUNT, _updates(_update()))

    assert connector.api_usage().calls == 0
    assert connector.planned_write_calls(RecordKind.ACCOUNT, 1000) == 0


def test_results_file_wins_over_values_in_the_export(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", "Id,MKP_Segment__c", "001A,3", "001B,3")
    connector = make_connector()
    connector.write_updates(RecordKind.ACCOUNT, _updates(_update("001A", segment=6)))

    frame = connector.read_accounts().frame

    assert frame["crm_segment"].to_list() == [6, 3]


def test_bad_value_in_the_results_file_is_an_issue(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "mkp-scored.csv").write_text(
        "Object,Id,MKP_Potential__c\nAccount,001A,lots\n"
    )

    extract = make_connector().read_accounts()

    assert extract.frame["crm_potential"].to_list() == [None]
    assert extract.issues.select("object", "record_id", "reason").row(0) == (
        "Account",
        "001A",
        "non_numeric_amount",
    )


def test_a_results_column_removed_by_hand_is_reported_by_name(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "mkp-scored.csv").write_text(
        "Object,Id,MKP_Potential__c\nAccount,001A,100\n"
    )

    issues = make_connector().read_accounts().issues

    missing = issues.filter(pl.col("reason") == "missing_column")
    assert "MKP_Segment__c" in missing["field"].to_list()
    assert "mkp-scored.csv has no column MKP_Segment__c" in missing["message"][0]
    assert "MKP_Potential__c" not in missing["field"].to_list()


def test_check_fields_accepts_a_writable_location(
    make_connector: MakeConnector,
) -> None:
    assert make_connector(output="new/dir/out.csv").check_fields() == []


def test_check_fields_reports_an_output_that_is_a_directory(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "taken").mkdir()

    problems = make_connector(output="taken").check_fields()

    assert [p.kind for p in problems] == [RecordKind.ACCOUNT]
    assert "is a directory" in problems[0].problem


def test_check_fields_reports_an_input_file_that_is_not_there(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    connector = make_connector(
        files={"accounts": "accounts.csv", "opportunities": "deals.csv"}
    )

    problems = connector.check_fields()

    assert [(p.field, p.problem) for p in problems] == [
        (str(tmp_path / "deals.csv"), "the opportunities input file is not found")
    ]


def test_check_fields_reports_a_results_file_without_ids(
    tmp_path: Path, write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("mkp-scored.csv", "Object,Name", "Account,Acme")

    problems = make_connector().check_fields()

    assert "'Id'" in problems[0].problem


ratios = st.floats(min_value=0, max_value=1, allow_nan=False)
amounts = st.floats(min_value=0, max_value=1e12, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(wallet_share=ratios, potential=amounts, segment=st.integers(1, 9))
def test_any_written_value_reads_back_at_the_stored_scale_and_is_stable(
    wallet_share: float, potential: float, segment: int
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        (base / "a.csv").write_text(SF_ACCOUNT_HEADER + "\n001A,Acme,,,,\n")
        profile = CsvProfile.from_mapping(
            {
                "shape": "salesforce",
                "directory": base,
                "files": {"accounts": "a.csv", "opportunities": "o.csv"},
            }
        )
        connector = CsvConnector(profile)
        batch = _updates(
            _update(wallet_share=wallet_share, potential=potential, segment=segment)
        )

        first = connector.write_updates(RecordKind.ACCOUNT, batch)
        second = connector.write_updates(RecordKind.ACCOUNT, batch)
        row = connector.read_accounts().frame.row(0, named=True)

    assert (first.written, second.written) == (1, 0)
    assert math.isclose(row["crm_wallet_share"], wallet_share, abs_tol=0.00005 + 1e-12)
    assert math.isclose(row["crm_potential"], potential, abs_tol=0.005 + 1e-6)
    assert row["crm_segment"] == segment


def test_update_frame_with_only_some_fields_leaves_the_others_empty(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()

    connector.write_updates(
        RecordKind.ACCOUNT, pl.DataFrame({"record_id": ["001A"], "segment": [4]})
    )

    row = connector.read_accounts().frame.row(0, named=True)
    assert row["crm_segment"] == 4
    assert all(row[f"crm_{f}"] is None for f in OUTPUT_FIELDS if f != "segment")
