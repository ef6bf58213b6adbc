"""Parsing input files: bad cells become nulls plus issues, bad files raise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from connector_reads import read_opportunities
from csv_samples import (
    SF_ACCOUNT_HEADER,
    SF_OPPORTUNITY_HEADER,
    MakeConnector,
    WriteCsv,
)

from connectors import InputFileError
from mkp_core import ACCOUNT_SCHEMA, ISSUE_SCHEMA, OPPORTUNITY_SCHEMA


def _opportunities(write_csv: WriteCsv, *rows: str) -> None:
    write_csv("opportunities.csv", SF_OPPORTUNITY_HEADER, *rows)


def test_non_numeric_amount_becomes_null_with_an_issue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _opportunities(write_csv, "006A,001A,12k,Closed Won,true,true,2024-01-15,USD")

    extract = read_opportunities(make_connector())

    assert extract.frame["amount"].to_list() == [None]
    issue = extract.issues.row(0, named=True)
    assert issue["reason"] == "non_numeric_amount"
    assert (issue["object"], issue["record_id"]) == ("Opportunity", "006A")
    assert issue["field"] == "Amount"
    assert "opportunities.csv row 2" in issue["message"]
    assert "'12k'" in issue["message"]


def test_not_a_number_text_is_a_non_numeric_amount(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _opportunities(write_csv, "006A,001A,NaN,Closed Won,true,true,2024-01-15,USD")

    extract = read_opportunities(make_connector())

    assert extract.frame["amount"].to_list() == [None]
    assert extract.issues["reason"].to_list() == ["non_numeric_amount"]


def test_blank_amount_on_an_open_deal_is_not_an_issue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _opportunities(write_csv, "006A,001A,,Prospecting,false,false,2024-01-15,USD")

    extract = read_opportunities(make_connector())

    assert extract.frame["amount"].to_list() == [None]
    assert extract.issues.is_empty()


def test_unparseable_date_becomes_null_with_an_issue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _opportunities(
        write_csv,
        "006A,001A,100,Closed Won,true,true,2024-02-30,USD",
        "006B,001A,100,Closed Won,true,true,2024-02-29,USD",
    )

    extract = read_opportunities(make_connector())

    assert extract.frame["close_date"].to_list() == [None, dt.date(2024, 2, 29)]
    assert extract.issues.select("record_id", "field", "reason").row(0) == (
        "006A",
        "CloseDate",
        "unparseable_date",
    )


def test_bad_value_on_a_row_without_id_names_the_row(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    _opportunities(
        write_csv,
        "006A,001A,100,Closed Won,true,true,2024-01-15,USD",
        ",001A,100,Closed Won,maybe,true,2024-01-15,USD",
    )

    extract = read_opportunities(make_connector())

    assert extract.frame.height == 2
    assert extract.issues.select("record_id", "reason").row(0) == (
        "row 3",
        "invalid_boolean",
    )


def test_account_row_without_id_is_skipped_with_an_issue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", SF_ACCOUNT_HEADER, "001A,Acme,,,,", ",Nameless,,,,")

    extract = make_connector().read_accounts()

    assert extract.frame["account_id"].to_list() == ["001A"]
    assert extract.issues.select("record_id", "reason").row(0) == (
        "row 3",
        "missing_id",
    )


def test_missing_required_column_names_the_file_and_the_column(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("opportunities.csv", "Id,AccountId,StageName,IsWon,IsClosed,CloseDate")

    with pytest.raises(InputFileError, match=r"opportunities\.csv.*'Amount'"):
        read_opportunities(make_connector())


def test_semicolon_export_is_named_with_the_delimiter_to_set(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", SF_ACCOUNT_HEADER.replace(",", ";"), "001A;Acme;;;;")

    with pytest.raises(InputFileError) as raised:
        make_connector().read_accounts()

    message = raised.value.message
    assert "accounts.csv" in message
    assert "looks ';'-separated" in message
    assert "set delimiter = ';'" in message


def test_missing_input_file_raises_naming_the_file(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector(
        files={"accounts": "accounts.csv", "opportunities": "nowhere.csv"}
    )

    with pytest.raises(InputFileError, match=r"nowhere\.csv"):
        read_opportunities(connector)


def test_input_path_that_is_a_directory_is_named_as_a_directory(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "deals").mkdir()
    connector = make_connector(
        files={"accounts": "accounts.csv", "opportunities": "deals"}
    )

    with pytest.raises(InputFileError, match=r"deals is a directory"):
        read_opportunities(connector)


def _write_cp1251(path: Path, *lines: str) -> None:
    path.write_bytes("".join(f"{line}\n" for line in lines).encode("cp1251"))


def test_cp1251_file_with_cyrillic_headers_is_named_as_not_utf8(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    _write_cp1251(tmp_path / "accounts.csv", "Номер,Название", "A1,Ромашка")
    connector = make_connector(columns={"accounts": {"account_id": "Номер"}})

    with pytest.raises(InputFileError) as raised:
        connector.read_accounts()

    message = raised.value.message
    assert "accounts.csv" in message
    assert "not UTF-8" in message
    assert "re-save it as UTF-8" in message


def test_garbled_values_give_one_not_utf8_issue_for_the_file(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    _write_cp1251(tmp_path / "accounts.csv", "Id,Name", "A1,Ромашка", "A2,Василёк")

    extract = make_connector().read_accounts()

    assert extract.frame["account_id"].to_list() == ["A1", "A2"]
    issue = extract.issues.row(0, named=True)
    assert extract.issues.height == 1
    assert (issue["reason"], issue["field"]) == ("not_utf8", "Name")
    assert "accounts.csv is not UTF-8" in issue["message"]
    assert "2 row(s)" in issue["message"]


def test_utf8_cyrillic_values_are_not_a_not_utf8_issue(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", "Id,Name", "A1,Ромашка")

    extract = make_connector().read_accounts()

    assert extract.frame["name"].to_list() == ["Ромашка"]
    assert extract.issues.is_empty()


@pytest.mark.parametrize(
    "content",
    [b"", b"\xef\xbb\xbf\r\n", SF_OPPORTUNITY_HEADER.encode() + b"\r\n"],
    ids=["no bytes", "bom and blank line", "header only"],
)
def test_empty_opportunity_file_gives_an_empty_frame_and_one_issue(
    tmp_path: Path, make_connector: MakeConnector, content: bytes
) -> None:
    (tmp_path / "opportunities.csv").write_bytes(content)

    extract = read_opportunities(make_connector())

    assert extract.frame.is_empty()
    assert extract.frame.schema == pl.Schema(OPPORTUNITY_SCHEMA)
    assert extract.issues["reason"].to_list() == ["empty_file"]


def test_empty_accounts_file_is_an_issue_not_a_crash(
    tmp_path: Path, make_connector: MakeConnector
) -> None:
    (tmp_path / "accounts.csv").write_bytes(b"")

    extract = make_connector().read_accounts()

    assert extract.frame.is_empty()
    assert extract.frame.schema == pl.Schema(ACCOUNT_SCHEMA)
    assert extract.issues.select("object", "reason").row(0) == (
        "Account",
        "empty_file",
    )


def test_bom_crlf_and_quoted_commas_are_read_as_values(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv(
        "accounts.csv",
        SF_ACCOUNT_HEADER,
        '001A,"Acme, Inc.","Banking, Retail", 1000 ,"1,5",005X',
        crlf=True,
        bom=True,
    )

    extract = make_connector().read_accounts()

    row = extract.frame.row(0, named=True)
    assert (row["account_id"], row["name"]) == ("001A", "Acme, Inc.")
    assert (row["industry"], row["annual_revenue"]) == ("Banking, Retail", 1000.0)
    assert row["employees"] is None
    assert extract.issues["reason"].to_list() == ["non_numeric_value"]


def test_quoted_field_may_span_lines(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", SF_ACCOUNT_HEADER, '001A,"Acme\r\nEurope",,,,', crlf=True)

    extract = make_connector().read_accounts()

    assert extract.frame["name"].to_list() == ["Acme\r\nEurope"]


def test_padded_headers_and_cells_are_trimmed(
    write_csv: WriteCsv, make_connector: MakeConnector
) -> None:
    write_csv("accounts.csv", " Id , Name ", " 001A ,  ")

    extract = make_connector().read_accounts()

    assert extract.frame.select("account_id", "name").row(0) == ("001A", None)


def test_every_read_conforms_to_its_schema(make_connector: MakeConnector) -> None:
    connector = make_connector()

    extracts = [connector.read_accounts(), read_opportunities(connector)]

    assert extracts[0].frame.schema == pl.Schema(ACCOUNT_SCHEMA)
    assert extracts[1].frame.schema == pl.Schema(OPPORTUNITY_SCHEMA)
    assert all(e.issues.schema == pl.Schema(ISSUE_SCHEMA) for e in extracts)


def test_opportunity_values_are_typed(make_connector: MakeConnector) -> None:
    row = read_opportunities(make_connector()).frame.row(0, named=True)

    assert row == {
        "opportunity_id": "006A",
        "account_id": "001A",
        "amount": 100.0,
        "currency_code": "USD",
        "stage": "Closed Won",
        "is_won": True,
        "is_closed": True,
        "close_date": dt.date(2024, 1, 15),
    }
