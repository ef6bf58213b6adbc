"""Terminal rendering of runs: the 3×3 matrix, skipped input, dry-run changes."""

from __future__ import annotations

import os
from typing import Any

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mkp_core import PotentialLevel, ProgressLevel, RecordKind
from worker.pipeline import PipelineResult

__all__ = [
    "make_console",
    "print_changes",
    "print_error",
    "print_events",
    "print_matrix",
    "print_skipped",
]


def make_console(*, stderr: bool = False) -> Console:
    """A console that stays readable when piped: 120 columns, not 80, unless a
    terminal (or COLUMNS) says otherwise. On stderr a message stays one line
    however long, so it can be searched for in logs."""
    console = Console(stderr=stderr, soft_wrap=stderr)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 120
    return console


def print_error(console: Console, message: str) -> None:
    """One error line; the message is shown as it is, never read as markup.

    Messages carry paths, CSV values and CRM texts such as ``[stages]`` or
    Salesforce's ``[Name]`` field lists, which markup would silently drop.
    """
    console.print(Text.assemble(("error:", "bold red"), f" {message}"))


# Key growth segments and the capture priority get a marker in the matrix.
_MARKED = {5: "★", 7: "◆", 8: "★"}


def print_matrix(
    console: Console, summary: pl.DataFrame, names: dict[int, str], currency: str
) -> None:
    """Rows: progress (Reached on top); columns: potential (Low to High)."""
    table = Table(title="Customer Potential Matrix", show_lines=True)
    table.add_column("Progress ↑  Potential →", style="bold", max_width=16)
    for level in PotentialLevel:
        table.add_column(str(level), justify="left")

    cells: dict[int, dict[str, Any]] = {
        row["segment"]: row for row in summary.iter_rows(named=True)
    }
    for progress in reversed(list(ProgressLevel)):
        row: list[str | Text] = [str(progress)]
        for potential in PotentialLevel:
            segment = 3 * potential.axis + progress.axis + 1
            row.append(_cell(cells.get(segment), segment, names, currency))
        table.add_row(*row)
    console.print(table)
    console.print("★ key growth segment   ◆ capture priority", style="dim")


def _cell(
    cell: dict[str, Any] | None, segment: int, names: dict[int, str], currency: str
) -> Text:
    cell = cell or {"accounts": 0, "window_revenue": 0.0, "unrealised": 0.0}
    title = f"{segment} {names.get(segment, '')} {_MARKED.get(segment, '')}".strip()
    text = Text(title + "\n", style="bold")
    text.append(f"{cell['accounts']} accounts\n")
    text.append(f"revenue {_money(cell['window_revenue'])} {currency}\n")
    text.append(f"unrealised {_money(cell['unrealised'])} {currency}", style="dim")
    return text


def _money(amount: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(amount) >= size:
            return f"{amount / size:.1f}{suffix}"
    return f"{amount:.0f}"


def print_skipped(console: Console, skipped: dict[str, int]) -> None:
    if not skipped:
        console.print("No input was skipped.")
        return
    table = Table(title="Input kept out of scoring")
    table.add_column("reason")
    table.add_column("records", justify="right")
    for reason, count in sorted(skipped.items()):
        table.add_row(reason, str(count))
    console.print(table)


def print_changes(
    console: Console, result: PipelineResult, *, makes_api_calls: bool = True
) -> None:
    """What a run changes (or would change): records, fields, segment moves.

    ``makes_api_calls`` is False for a connector that writes files (CSV): a
    dry run then says how many records it would write, not "0 write calls".
    """
    for kind, updates in result.updates.items():
        label = "accounts" if kind is RecordKind.ACCOUNT else "leads"
        console.print(f"{updates.height} {label} with changed values")
        if updates.height == 0:
            continue
        fields = updates.select(pl.col("changed").explode().value_counts(sort=True))
        for row in fields.unnest("changed").iter_rows():
            console.print(f"  {row[0]}: {row[1]}")
    moves = (
        result.scores.filter(
            pl.col("crm_segment").is_not_null()
            & (pl.col("crm_segment") != pl.col("segment"))
        )
        .group_by("kind", "crm_segment", "segment")
        .len()
        .sort("len", descending=True)
    )
    for kind, before, after, count in moves.head(10).iter_rows():
        moved = f"{kind} moves" if count == 1 else f"{kind}s move"
        console.print(f"  {count} {moved} {before} → {after}")
    if not result.report.dry_run:
        return
    if makes_api_calls:
        calls = result.report.planned_write_calls
        console.print(f"A real run would make {calls} write call{_s(calls)}.")
    else:
        records = result.report.records_changed
        console.print(f"A real run would write {records} record{_s(records)}.")


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def print_events(console: Console, events: dict[str, int]) -> None:
    """What happened at the CRM boundary: retries, re-logins, locked records…"""
    if events:
        listed = ", ".join(f"{key} × {count}" for key, count in sorted(events.items()))
        console.print(f"CRM events: {listed}")
