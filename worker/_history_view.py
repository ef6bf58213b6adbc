"""Terminal rendering of the run history and of one finished run."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["print_summary", "runs_table"]

_MESSAGE_WIDTH = 60
# Statuses of runs that went through the pipeline and so have counts to show.
_FINISHED = ("succeeded", "partial", "budget exhausted")


def runs_table(entries: list[dict[str, Any]], *, lock_holder: str | None) -> Table:
    """One row per run; a "running" run that no longer holds the lock died."""
    table = Table(title="Runs, newest first")
    # The run id and the status are what a reader looks for: never shortened.
    table.add_column("run", no_wrap=True, min_width=10)
    table.add_column("task")
    table.add_column("status", no_wrap=True, min_width=len("budget exhausted"))
    for column in ("triggered by", "started", "duration"):
        table.add_column(column)
    for column in ("accounts", "changed", "written", "refused", "API calls"):
        table.add_column(column, justify="right")
    table.add_column("message")

    for entry in entries:
        table.add_row(
            entry["run_id"],
            str(entry.get("task", "")),
            _status(entry, lock_holder),
            entry.get("triggered_by", ""),
            entry.get("started_at", ""),
            f"{entry.get('duration_s', 0.0):.1f}s" if entry.get("finished_at") else "",
            str(entry.get("accounts_scored", 0)),
            str(entry.get("records_changed", 0)),
            str(entry.get("records_written", 0)),
            str(len(entry.get("write_failures", []))),
            str(entry.get("api_calls", 0)),
            _shorten(entry.get("message", "")),
        )
    return table


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


def _shorten(message: str) -> str:
    if len(message) <= _MESSAGE_WIDTH:
        return message
    return message[: _MESSAGE_WIDTH - 1] + "…"
