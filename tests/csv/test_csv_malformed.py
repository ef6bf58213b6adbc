"""Malformed rows are skipped with an issue naming file and row; the rest is read."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from connector_reads import read_opportunities
from csv_samples import MakeConnector, WriteCsv
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import CsvConnector, CsvProfile
from mkp_core import ISSUE_SCHEMA, RecordKind

HEADER = "Id,Name,NumberOfEmployees"


def _malformed(issues: pl.DataFrame) -> list[tuple[str, str]]:
    """Record id and message of each malformed-row issue."""
    rows = issues.filter(pl.col("reason") == "malformed_row")
    return list(rows.select("record_id", "message").iter_rows())


def test_row_with_extra_fields_is_skipped_and_the_rest_is_read(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", HEADER, "A1,Acme,10", "A2,Beta,20,extra", "A3,Gam,30")

    extract = make_connector().read_accounts()

    assert extract.frame["account_id"].to_list() == ["A1", "A3"]
    assert extract.frame["employees"].to_list() == [10.0, 30.0]
    [(record_id, message)] = _malformed(extract.issues)
    assert record_id == "accounts.csv row 3"
    assert message.startswith("accounts.csv row 3 (line 3): 4 fields")
    assert "'extra'" in message


def test_malformed_row_issue_follows_the_issue_schema(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", HEADER, "A1,Acme,10,extra")

    issues = make_connector().read_accounts().issues

    assert issues.schema == ISSUE_SCHEMA
    assert issues.select("object", "reason").row(0) == ("Account", "malformed_row")


def test_quote_never_closed_names_its_line_and_keeps_the_rows_after_it(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", HEADER, "A1,Acme,10", 'A2,"Beta,20', "A3,Gam,30")

    extract = make_connector().read_accounts()

    assert extract.frame["account_id"].to_list() == ["A1", "A3"]
    [(_, message)] = _malformed(extract.issues)
    assert "accounts.csv row 3 (line 3)" in message
    assert "never closed" in message


def test_quote_closed_lines_later_names_the_lines_it_spans(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "accounts.csv",
        HEADER,
        "A1,Acme,10",
        'A2,"Beta,20',
        "a note typed over lines",
        'and closed" badly,40',
        "A5,Eps,50",
    )

    extract = make_connector().read_accounts()

    assert extract.frame["account_id"].to_list() == ["A1", "A5"]
    [(_, message)] = _malformed(extract.issues)
    assert "row 3 (lines 3-5)" in message


def test_a_stray_quote_closed_lines_later_loses_only_its_own_line(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "accounts.csv",
        HEADER,
        "A1,Acme,10",
        'A2,"Beta,20',
        "A3,Gam,30",
        'A4,De"lta,40',
        "A5,Eps,50",
    )

    extract = make_connector().read_accounts()

    assert extract.frame["account_id"].to_list() == ["A1", "A3", "A4", "A5"]
    assert extract.frame["name"].to_list() == ["Acme", "Gam", 'De"lta', "Eps"]
    [(record_id, message)] = _malformed(extract.issues)
    assert record_id == "accounts.csv row 3"
    assert "(line 3)" in message


def test_a_stray_quote_longer_than_a_field_can_be_loses_only_its_own_line(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    # 3,000 records of about 50 bytes pass the csv module's field limit
    # (128 KiB) before any quote could close the stray one.
    after = [f"B{i},Company number {i} of the long export,{i}" for i in range(3000)]
    write_csv("accounts.csv", HEADER, "A1,Acme,10", 'A2,"Beta,20', *after)

    extract = make_connector().read_accounts()

    assert extract.frame.height == 1 + 3000
    assert [record_id for record_id, _ in _malformed(extract.issues)] == [
        "accounts.csv row 3"
    ]


def test_quote_inside_a_value_is_read_as_text_when_polars_refuses_it(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", HEADER, "A1,Acme,10", 'A2,Be"ta,20', "A3,Gam,30")

    extract = make_connector().read_accounts()

    assert extract.frame["name"].to_list() == ["Acme", 'Be"ta', "Gam"]
    assert extract.issues.is_empty()


def test_rows_after_a_skipped_row_keep_their_row_numbers(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", HEADER, "A1,Acme,10,extra", "A2,Beta,lots")

    extract = make_connector().read_accounts()

    bad_value = extract.issues.filter(extract.issues["reason"] == "non_numeric_value")
    assert "accounts.csv row 3:" in bad_value["message"].item()


def test_blank_extra_cells_are_not_a_malformed_row(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", HEADER, "A1,Acme,10,,", "A2,Beta,20,extra")

    extract = make_connector().read_accounts()

    assert extract.frame["account_id"].to_list() == ["A1"]
    assert [record_id for record_id, _ in _malformed(extract.issues)] == [
        "accounts.csv row 3"
    ]


def test_short_row_is_padded_with_empty_cells_as_polars_pads_it(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", HEADER, "A1,Acme", "A2,Beta,20,extra")

    extract = make_connector().read_accounts()

    assert extract.frame.select("account_id", "employees").row(0) == ("A1", None)


def test_malformed_opportunity_row_does_not_stop_the_other_deals(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "opportunities.csv",
        "Id,AccountId,Amount,IsWon,IsClosed,CloseDate",
        "006A,001A,100,true,true,2024-01-15",
        "006B,001A,200,true,true,2024-01-15,x",
    )

    extract = read_opportunities(make_connector())

    assert extract.frame["opportunity_id"].to_list() == ["006A"]
    assert _malformed(extract.issues)[0][0] == "opportunities.csv row 3"


def test_junk_row_in_the_results_file_is_reported_and_the_stored_rows_are_read(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "mkp-scored.csv").write_text(
        "Object,Id,MKP_Segment__c\nAccount,001A,8\nA2,Beta,20,extra\n"
    )

    extract = make_connector().read_accounts()

    assert extract.frame["crm_segment"].to_list() == [8]
    assert _malformed(extract.issues)[0][0] == "mkp-scored.csv row 3"


def test_junk_row_in_the_results_file_is_reported_once_not_per_object(
    tmp_path: Path, write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("leads.csv", "Id,Name", "00QA,Ann")
    (tmp_path / "mkp-scored.csv").write_text("Object,Id\nA2,Beta,20,extra\n")
    connector = make_connector(
        files={
            "accounts": "accounts.csv",
            "opportunities": "opportunities.csv",
            "leads": "leads.csv",
        }
    )

    found = [connector.read_accounts().issues, connector.read_leads().issues]

    assert [len(_malformed(issues)) for issues in found] == [1, 0]


def test_next_write_still_works_after_a_junk_row_in_the_results_file(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "mkp-scored.csv").write_text("Object,Id\nA2,Beta,20,extra\n")
    connector = make_connector()
    connector.read_accounts()

    result = connector.write_updates(
        RecordKind.ACCOUNT,
        pl.DataFrame({"record_id": ["001A"], "segment": [4]}),
    )

    assert result.written == 1
    assert connector.read_accounts().frame["crm_segment"].to_list() == [4]


# Each row: (account id, number of extra non-empty cells; 0 = well formed).
row_plans = st.lists(
    st.tuples(st.from_regex(r"[A-Z][0-9]{2}", fullmatch=True), st.integers(0, 2)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None)
@given(plans=row_plans)
def test_every_ragged_row_is_reported_and_every_other_row_is_kept(
    plans: list[tuple[str, int]],
) -> None:
    lines = [
        ",".join([record_id, "Name", "5", *(["x"] * extra)])
        for record_id, extra in plans
    ]
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        (base / "a.csv").write_text("\n".join([HEADER, *lines]) + "\n")
        profile = CsvProfile.from_mapping(
            {
                "shape": "salesforce",
                "directory": base,
                "files": {"accounts": "a.csv", "opportunities": "o.csv"},
            }
        )
        extract = CsvConnector(profile).read_accounts()

    kept = [record_id for record_id, extra in plans if extra == 0]
    ragged = [f"a.csv row {i + 2}" for i, (_, e) in enumerate(plans) if e > 0]
    assert extract.frame["account_id"].to_list() == kept
    assert [record_id for record_id, _ in _malformed(extract.issues)] == ragged
