"""Terminal rendering of the run history and of one finished run."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

__all__ = ["print_summary", "runs_table"]

# Statuses of runs that went through the pipeline and so have counts to show.
_FINISHED = ("succeeded", "partial", "budget exhausted")


def runs_table(entries: list[dict[str, Any]], *, lock_holder: str | None) -> Group:
    """One row per run, then each run's message; a "running" run that no
    longer holds the lock died.

    Narrow enough for 100 columns: the run id carries the start time (UTC),
    and who started a run, its duration and its other counts are in
    ``mkp runs --json``.
    """
    table = Table(
        title="Runs, newest first",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        show_edge=False,
    )
    # Ids, statuses and dates are what a reader looks for: never shortened.
    for column in ("run", "task", "status", "as of"):
        table.add_column(column, no_wrap=True)
    for column in ("accounts", "written", "calls"):
        table.add_column(column, justify="right", no_wrap=True)
    for entry in entries:
        table.add_row(
            entry["run_id"],
            str(entry.get("task", "")),
            _status(entry, lock_holder),
            entry.get("as_of") or "",
            str(entry.get("accounts_scored", 0)),
            str(entry.get("records_written", 0)),
            str(entry.get("api_calls", 0)),
        )

    messages = [
        Text.assemble((entry["run_id"], "bold"), f"  {entry['message']}")
        for entry in entries
        if entry.get("message")
    ]
    if not messages:
        return Group(table)
    return Group(table, Text(""), *messages)


def print_summary(
    console: Console, entry: dict[str, Any] | None, *, failure: str = ""
) -> None:
    """The outcome of one run, as recorded in the history."""
    if entry is None:
        message = f"The run left no history entry. {failure}".strip()
        console.print(message, markup=False)
        return
    if entry["status"] in _FINISHED:
        console.print(_counts(entry))
    else:
        console.print(f"Run {entry['run_id']}: {entry['status']}.")
    counts = entry.get("segment_counts") or {}
    if any(counts.values()):
        cells = "  ".join(f"{segment}: {n}" for segment, n in sorted(counts.items()))
        console.print(f"Accounts per segment: {cells}")
    if entry.get("message"):
        console.print(entry["message"], markup=False)


def _counts(entry: dict[str, Any]) -> str:
    return (
        f"Run {entry['run_id']}: {entry['status']}; "
        f"{entry.get('accounts_scored', 0)} accounts and "
        f"{entry.get('leads_scored', 0)} leads scored as of {entry.get('as_of')}; "
        f"{entry.get('records_changed', 0)} records changed, "
        f"{entry.get('records_written', 0)} written, "
        f"{len(entry.get('write_failures', []))} refused, "
        f"{entry.get('api_calls', 0)} API calls, "
        f"{entry.get('duration_s', 0.0):.1f}s."
    )


def _status(entry: dict[str, Any], lock_holder: str | None) -> str:
    status = str(entry.get("status", ""))
    if status == "running" and lock_holder != entry["run_id"]:
        return "interrupted"
    return status
