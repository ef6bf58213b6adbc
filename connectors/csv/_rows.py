"""Reading a CSV file record by record when Polars refuses it as a whole.

Polars stops at the first record with more fields than the header, or at a
quote it cannot close, without naming the record. This pass reads the file
with Python's ``csv`` module, writes every well-formed record to a clean copy
Polars can read, and lists each malformed record with its row and lines.

Row numbers follow the spreadsheet (the header is row 1) and count records,
as Polars does; line numbers count physical lines, which differ once a quoted
value spans lines. A quote left open swallows the rest of the file; its first
line is skipped and reading resumes on the next line, so the records after
it are kept. So does a stray quote that runs into a later line and breaks
there, when every line it swallowed reads as a record of its own.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import TextIO

__all__ = ["MalformedRow", "well_formed_copy"]

_PREVIEW_CHARS = 40
_PREVIEW_VALUES = 3
# Quotes left open that are each resumed after; the rest is then skipped.
_MAX_RESUMPTIONS = 20


@dataclasses.dataclass(frozen=True)
class MalformedRow:
    """A record that was skipped: where it is and what is wrong with it."""

    row: int
    first_line: int
    last_line: int
    problem: str

    @property
    def lines(self) -> str:
        """``line 3`` or ``lines 3-7``."""
        if self.first_line == self.last_line:
            return f"line {self.first_line}"
        return f"lines {self.first_line}-{self.last_line}"


@dataclasses.dataclass(frozen=True)
class _Record:
    """One record as the csv module split it; ``error`` when it could not."""

    fields: list[str]
    error: str | None
    first_line: int
    last_line: int


def well_formed_copy(
    source: Path, target: Path, *, delimiter: str, row_column: str
) -> list[MalformedRow]:
    """Copy ``source``'s well-formed records to ``target``; list the others.

    ``target`` gets the same header plus ``row_column``, each record's row
    number in ``source``. Short records are padded with empty cells and blank
    extra cells are dropped, as neither loses a value.
    """
    scan = _Scan(source, delimiter)
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow([*scan.header, row_column])
        for row, fields in scan.well_formed():
            writer.writerow([*fields, row])

    return scan.malformed


class _Scan:
    """One file read record by record, resuming after a quote left open."""

    def __init__(self, source: Path, delimiter: str) -> None:
        self._source = source
        self._delimiter = delimiter
        self.malformed: list[MalformedRow] = []
        with _open(source) as handle:
            first = next(_records(handle, delimiter, skip=0), None)
        self.header = [] if first is None else first.fields
        self._first_data_line = 2 if first is None else first.last_line + 1
        self._row = 1
        self._span_checks = 0

    def well_formed(self) -> Iterator[tuple[int, list[str]]]:
        """Row number and cells of each well-formed record, header excluded."""
        line: int | None = self._first_data_line
        resumptions = 0
        while line is not None:
            open_quote = yield from self._pass(line)
            if open_quote is None:
                return
            resumptions += 1
            line = self._never_closed(*open_quote, resumptions)

    def _pass(
        self, first_line: int
    ) -> Generator[tuple[int, list[str]], None, tuple[int, _Record] | None]:
        """Read from ``first_line`` to the end of the file.

        Returns the last record when it could not be split and spans lines:
        a quote opened there may have swallowed everything after it.
        """
        width = len(self.header)
        open_quote: tuple[int, _Record] | None = None
        with _open(self._source) as handle:
            for record in _records(handle, self._delimiter, skip=first_line - 1):
                self._row += 1
                if open_quote is not None:
                    self._skip(*open_quote)
                    open_quote = None
                problem = _problem(record, width)
                if problem is not None and self._swallowed_records(record):
                    return self._row, record
                if record.error and record.last_line > record.first_line:
                    open_quote = (self._row, record)
                elif problem is not None:
                    self._skip(self._row, record, problem)
                else:
                    yield self._row, _fitted(record.fields, width)

        return open_quote

    def _swallowed_records(self, record: _Record) -> bool:
        """Whether a malformed record spanning lines swallowed whole records.

        Every line after its first then reads alone as a full-width record:
        the quote was stray, and skipping the span would lose those records.
        A quoted text broken over lines rarely splits into full records.
        """
        # Each check reads the file again up to the span, so only the first
        # few spans are checked; a file with more is broken beyond guessing.
        if record.last_line == record.first_line:
            return False
        if self._span_checks >= _MAX_RESUMPTIONS:
            return False
        self._span_checks += 1
        width = len(self.header)
        with _open(self._source) as handle:
            lines = itertools.islice(handle, record.first_line, record.last_line)
            for line in lines:
                [alone] = _records(iter([line]), self._delimiter, skip=0)
                if alone.error or len(alone.fields) < width:
                    return False
                if _problem(alone, width) is not None:
                    return False
        return True

    def _skip(self, row: int, record: _Record, problem: str | None = None) -> None:
        """List a record as skipped, with ``problem`` or the one it has."""
        reason = problem or _problem(record, len(self.header))
        self.malformed.append(
            MalformedRow(
                row,
                record.first_line,
                record.last_line,
                f"{reason}; the row is skipped",
            )
        )

    def _never_closed(self, row: int, record: _Record, resumptions: int) -> int | None:
        """Report a quote that ran to the end of the file; the line to resume on.

        Each resumption reads the rest of the file again, so after a few the
        remainder is reported as one block instead.
        """
        line = record.first_line
        if resumptions > _MAX_RESUMPTIONS:
            self._skip(
                row,
                record,
                f"a quote opened on line {line} is never closed, like "
                f"{_MAX_RESUMPTIONS} before it, so reading stops here",
            )
            return None
        problem = (
            f"a quote opened on line {line} is never closed at the end of a "
            f"value; line {line} is skipped and reading resumes on the next line"
        )
        self.malformed.append(MalformedRow(row, line, line, problem))
        return line + 1


def _open(source: Path) -> TextIO:
    # Bytes that are not UTF-8 become U+FFFD, as in Polars' lossy reading,
    # so the encoding check downstream sees the same text on both paths.
    return source.open(encoding="utf-8-sig", errors="replace", newline="")


def _records(handle: Iterable[str], delimiter: str, *, skip: int) -> Iterator[_Record]:
    """Each record after the first ``skip`` lines, with its first and last line."""
    reader = csv.reader(
        itertools.islice(handle, skip, None), delimiter=delimiter, strict=True
    )
    last_line = skip
    while True:
        first_line = last_line + 1
        try:
            fields, error = next(reader), None
        except StopIteration:
            return
        except csv.Error as exc:
            fields, error = [], str(exc)
        last_line = skip + reader.line_num
        yield _Record(fields, error, first_line, last_line)


def _problem(record: _Record, width: int) -> str | None:
    """Why a record cannot be kept, or None."""
    fields, first, last = record.fields, record.first_line, record.last_line
    if record.error is not None and last > first:
        return (
            f"a quoted value opened on line {first} runs to line {last} and "
            f"the record cannot be split into fields ({record.error})"
        )
    if record.error is not None:
        return f"it cannot be split into fields ({record.error})"
    if len(fields) > width and any(cell.strip() for cell in fields[width:]):
        extra = fields[width:]
        shown = ", ".join(repr(c[:_PREVIEW_CHARS]) for c in extra[:_PREVIEW_VALUES])
        more = ", …" if len(extra) > _PREVIEW_VALUES else ""
        return (
            f"{len(fields)} fields where the header has {width} (extra: {shown}{more})"
        )
    if len(fields) < width and last > first:
        return (
            f"{len(fields)} fields where the header has {width}: a quoted value "
            f"opened on line {first} runs to line {last}"
        )
    return None


def _fitted(fields: list[str], width: int) -> list[str]:
    return (fields + [""] * width)[:width]
