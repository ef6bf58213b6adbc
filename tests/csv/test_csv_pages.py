"""The deals file read in pages gives the deals and issues of the file read whole."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from connector_reads import read_opportunities
from csv_samples import SF_OPPORTUNITY_HEADER

from connectors.csv import CsvConnector, CsvProfile

DEALS = 3000
# Pages of about 400 deals; the refused row comes after several pages.
PAGE_BYTES = 20_000
RAGGED_ROW = 2501


def _deal(index: int) -> bytes:
    amount = "lots" if index % 700 == 0 else str(index)
    deal_id = "" if index == 1200 else f"006{index:05d}"
    stage = "Gagn\xe9" if index == 1800 else "Closed Won"
    line = f"{deal_id},001A,{amount},{stage},true,true,2024-01-15,USD"
    if index + 2 == RAGGED_ROW:
        line += ",extra"
    return line.encode("latin-1") + b"\n"


@pytest.fixture
def deals_dir(tmp_path: Path) -> Path:
    (tmp_path / "accounts.csv").write_text("Id,Name\n001A,Acme\n")
    rows = b"".join(_deal(index) for index in range(DEALS))
    (tmp_path / "opportunities.csv").write_bytes(
        SF_OPPORTUNITY_HEADER.encode() + b"\n" + rows
    )
    return tmp_path


def _connector(directory: Path, page_bytes: int = PAGE_BYTES) -> CsvConnector:
    profile = CsvProfile.from_mapping(
        {
            "shape": "salesforce",
            "directory": directory,
            "files": {"accounts": "accounts.csv", "opportunities": "opportunities.csv"},
        }
    )
    return CsvConnector(profile, opportunity_page_bytes=page_bytes)


def test_deals_read_in_pages_are_the_deals_read_whole(deals_dir: Path) -> None:
    whole = read_opportunities(_connector(deals_dir, page_bytes=2**30))

    paged = read_opportunities(_connector(deals_dir))

    assert paged.frame.equals(whole.frame)
    assert paged.issues.sort(pl.all()).equals(whole.issues.sort(pl.all()))


def test_every_page_holds_about_the_bytes_asked_for(deals_dir: Path) -> None:
    pages = list(_connector(deals_dir).iter_opportunities())

    heights = [page.frame.height for page in pages]
    assert len(pages) > 5
    assert max(heights) <= PAGE_BYTES // 40  # no deal line is under 40 bytes
    assert sum(heights) == DEALS - 1  # all but the ragged row


def test_a_refused_row_after_the_first_pages_is_skipped_once_and_no_deal_twice(
    deals_dir: Path,
) -> None:
    extract = read_opportunities(_connector(deals_dir))

    malformed = extract.issues.filter(pl.col("reason") == "malformed_row")
    assert malformed.get_column("record_id").to_list() == [
        f"opportunities.csv row {RAGGED_ROW}"
    ]
    assert extract.frame.get_column("opportunity_id").is_unique().all()


def test_the_file_level_issues_come_once_from_the_last_page(deals_dir: Path) -> None:
    pages = list(_connector(deals_dir).iter_opportunities())

    not_utf8 = [page.issues.filter(pl.col("reason") == "not_utf8") for page in pages]
    assert [frame.height for frame in not_utf8] == [0] * (len(pages) - 1) + [1]
    assert "first row 1802" in not_utf8[-1].item(0, "message")


def test_a_file_with_a_bom_and_crlf_line_ends_reads_the_same_in_pages(
    tmp_path: Path,
) -> None:
    (tmp_path / "accounts.csv").write_text("Id,Name\n001A,Acme\n")
    header = b"\xef\xbb\xbf" + SF_OPPORTUNITY_HEADER.encode() + b"\r\n"
    rows = b"".join(_deal(index).replace(b"\n", b"\r\n") for index in range(2000))
    (tmp_path / "opportunities.csv").write_bytes(header + rows)

    whole = read_opportunities(_connector(tmp_path, page_bytes=2**30))
    paged = read_opportunities(_connector(tmp_path))

    assert whole.frame.height == 2000
    assert paged.frame.equals(whole.frame)
    assert paged.issues.sort(pl.all()).equals(whole.issues.sort(pl.all()))


def test_quoted_line_breaks_never_split_a_deal_between_pages(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text("Id,Name\n001A,Acme\n")
    stage = '"Closed\nWon, ""really"""'
    rows = "".join(
        f"006{index:05d},001A,{index},{stage},true,true,2024-01-15,USD\n"
        for index in range(2000)
    )
    (tmp_path / "opportunities.csv").write_text(f"{SF_OPPORTUNITY_HEADER}\n{rows}")

    whole = read_opportunities(_connector(tmp_path, page_bytes=2**30))
    pages = list(_connector(tmp_path).iter_opportunities())

    assert len(pages) > 5
    paged = pl.concat([page.frame for page in pages])
    assert paged.equals(whole.frame)
    assert set(paged.get_column("stage")) == {'Closed\nWon, "really"'}
