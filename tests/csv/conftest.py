"""Small CSV files and profiles built in a temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from csv_samples import (
    SF_ACCOUNT_HEADER,
    SF_OPPORTUNITY_HEADER,
    MakeConnector,
    WriteCsv,
)

from connectors.csv import CsvConnector, CsvProfile


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write lines as a CSV file in tmp_path; CRLF and a BOM on request."""

    def write(name: str, *lines: str, crlf: bool = False, bom: bool = False) -> Path:
        ending = "\r\n" if crlf else "\n"
        text = "".join(line + ending for line in lines)
        path = tmp_path / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        return path

    return write


@pytest.fixture
def make_connector(tmp_path: Path, write_csv: WriteCsv) -> MakeConnector:
    """A connector over tmp_path; Salesforce shape and one-row files by default.

    Keyword arguments replace keys of the profile mapping.
    """

    def make(**profile: Any) -> CsvConnector:
        if not (tmp_path / "accounts.csv").exists():
            write_csv("accounts.csv", SF_ACCOUNT_HEADER, "001A,Acme,Tech,1000,10,005X")
        if not (tmp_path / "opportunities.csv").exists():
            write_csv(
                "opportunities.csv",
                SF_OPPORTUNITY_HEADER,
                "006A,001A,100,Closed Won,true,true,2024-01-15,USD",
            )
        data: dict[str, Any] = {
            "shape": "salesforce",
            "directory": tmp_path,
            "files": {"accounts": "accounts.csv", "opportunities": "opportunities.csv"},
        }
        data.update(profile)
        return CsvConnector(CsvProfile.from_mapping(data))

    return make
