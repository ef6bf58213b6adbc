"""Issues about a file's rows rather than single cells: malformed rows, and
text that was not UTF-8.

Both name the file and the row (spreadsheet numbering, the header is row 1)
so an operator can open the file at the right place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from connectors.csv._rows import MalformedRow
from connectors.csv._tables import TableSpec
from mkp_core import ISSUE_SCHEMA, empty_frame

__all__ = [
    "REPLACEMENT",
    "ROW_COLUMN",
    "garbled_cells",
    "issue_object",
    "issue_record_id",
    "malformed_row_issues",
    "not_utf8_issue",
    "not_utf8_remedy",
]

ROW_COLUMN = "_row"
# What lossy UTF-8 decoding puts where bytes were not UTF-8.
REPLACEMENT = "\ufffd"


def not_utf8_remedy() -> str:
    """What an operator does about a file that is not UTF-8."""
    return "re-save it as UTF-8 (in Excel: Save As > 'CSV UTF-8')"


def not_utf8_issue(garbled: pl.DataFrame, path: Path, spec: TableSpec) -> pl.DataFrame:
    """One issue for the whole file when text it read was not UTF-8.

    ``garbled`` holds the ``garbled_cells`` of every page of the file, in
    file order. The values stay as read, with U+FFFD where the bytes were
    not UTF-8.
    """
    if garbled.height == 0:
        return empty_frame(ISSUE_SCHEMA)

    row, header = garbled.row(0)
    rows = garbled[ROW_COLUMN].n_unique()
    message = (
        f"{path.name} is not UTF-8 (perhaps Windows-1251 or Latin-1): "
        f"{rows} row(s) hold bytes read as {REPLACEMENT!r}, first row {row} "
        f"({header}); {not_utf8_remedy()}"
    )
    # About the file, not a record: no record id, so it never stands in
    # for a record's own issue when issues are counted per record.
    return pl.DataFrame(
        {
            "object": [spec.object_name],
            "record_id": [None],
            "field": [header],
            "reason": ["not_utf8"],
            "message": [message],
        },
        schema=ISSUE_SCHEMA,
    )


def garbled_cells(parsed: pl.DataFrame, texts: Mapping[str, str]) -> pl.DataFrame:
    """Row and header of each cell holding U+FFFD, in file order.

    ``texts`` maps each column of ``parsed`` still holding text as read (a
    text field, or the failed text of a typed one) onto its header.
    """
    found = [empty_frame({ROW_COLUMN: pl.UInt32(), "header": pl.String()})]
    for column, header in texts.items():
        text = parsed.get_column(column)
        # A column of ASCII only (most ids, codes and numbers) is ruled out
        # by counting, far cheaper than searching every cell.
        if text.str.len_bytes().sum() == text.str.len_chars().sum():
            continue
        cells = parsed.filter(text.str.contains(REPLACEMENT, literal=True))
        found.append(
            cells.select(pl.col(ROW_COLUMN).cast(pl.UInt32), header=pl.lit(header))
        )

    return pl.concat(found).sort(ROW_COLUMN, maintain_order=True)


def malformed_row_issues(
    path: Path, spec: TableSpec, malformed: Sequence[MalformedRow]
) -> pl.DataFrame:
    """One issue per skipped row, named by its file, row and lines.

    The row's cells cannot be trusted to hold its id, so the record is
    named by file and row, which no other file's rows share.
    """
    return pl.DataFrame(
        {
            "object": [spec.object_name] * len(malformed),
            "record_id": [f"{path.name} row {row.row}" for row in malformed],
            "field": [None] * len(malformed),
            "reason": ["malformed_row"] * len(malformed),
            "message": [
                f"{path.name} row {row.row} ({row.lines}): {row.problem}"
                for row in malformed
            ],
        },
        schema=ISSUE_SCHEMA,
    )


def issue_object(spec: TableSpec) -> pl.Expr:
    """The object an issue is about: the file's, or each row's own."""
    if spec.object_name is None:
        return pl.col("object")
    return pl.lit(spec.object_name)


def issue_record_id(spec: TableSpec) -> pl.Expr:
    """The record's id, or ``row N`` when the row has none.

    The id is copied into a new string: a filtered string column points into
    the whole page's buffers, and issues outlive their page.
    """
    own_id = pl.concat_str(pl.col(spec.id_field), pl.lit(""))
    return pl.coalesce(own_id, pl.format("row {}", pl.col(ROW_COLUMN)))
