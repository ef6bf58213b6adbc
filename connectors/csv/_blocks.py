"""A CSV file cut into blocks of whole records, each led by the header row.

Polars maps a file it scans into memory and keeps what it has touched, so a
file read through one scan costs its own size in memory however the rows
are handed on. Cut into blocks of about ``block_bytes`` that are read,
parsed and dropped one after another, a file of any size costs a block.

A block ends after a line break outside quotes: the count of quote
characters before the break is even, as RFC 4180 doubles a quote inside a
quoted value. A quote left open has no such break after it: when two
blocks pass without one, the rest of the file comes as one block, which
Polars refuses as it refuses the whole file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.errors import InputFileError

__all__ = ["csv_blocks"]

_QUOTE = b'"'
_NEWLINE = b"\n"


def csv_blocks(path: Path, block_bytes: int) -> Iterator[bytes]:
    """The header row followed by the next whole records, block by block."""
    try:
        with path.open("rb") as handle:
            header = handle.readline()
            carried = b""
            while data := handle.read(block_bytes):
                block = carried + data
                end = _records_end(block)
                if end == 0 and not carried:
                    carried = block  # a record longer than a block: read on
                    continue
                if end == 0:
                    # Two blocks without a break: a quote left open, most
                    # likely; Polars is given the rest and refuses it.
                    block += handle.read()
                    end = len(block)
                yield header + block[:end]
                carried = block[end:]
            if carried.strip():
                yield header + carried
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read: {exc.strerror}") from exc


def _records_end(block: bytes) -> int:
    """The index just after the last line break outside quotes; 0 if none.

    Walks back from the end one line at a time, counting only the quotes of
    the lines passed, so a block costs one pass however it ends.
    """
    quotes = block.count(_QUOTE)
    end = len(block)
    while (newline := block.rfind(_NEWLINE, 0, end)) != -1:
        quotes -= block.count(_QUOTE, newline, end)
        if quotes % 2 == 0:
            return newline + 1
        end = newline
    return 0
