"""Following a queued run from the CLI: a progress bar, then the run summary."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from worker._history_view import print_summary
from worker.history import RunHistory

__all__ = ["wait_for_run"]

_POLL_S = 0.25
_LABELS = {
    "PENDING": "waiting for a worker",
    "RECEIVED": "received by a worker",
    "STARTED": "starting",
    "RETRY": "waiting to retry",
}


def wait_for_run(
    result: Any, history: RunHistory, console: Console
) -> dict[str, Any] | None:
    """Draw the task's progress until it ends; return its history entry."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task(_LABELS["PENDING"], total=None)
        phase = ""
        while not result.ready():
            phase = _show_state(progress, bar, result.state, result.info, phase)
            time.sleep(_POLL_S)
        progress.update(bar, description=result.state.lower(), completed=1, total=1)

    entry = _entry_of(result, history)
    print_summary(console, entry, failure=_failure_text(result))
    return entry


def _show_state(progress: Progress, bar: Any, state: str, info: Any, phase: str) -> str:
    if state != "PROGRESS" or not isinstance(info, dict):
        progress.update(bar, description=_LABELS.get(state, state.lower()))
        return phase

    # A plain line per phase, so logs of a non-interactive session show it too.
    if info.get("phase") != phase:
        phase = str(info.get("phase"))
        progress.console.print(f"Run {info.get('run_id')}: {phase}")
    # A total of 0 is unknown (deals read page by page): a pulsing bar.
    total = int(info.get("total") or 0) or None
    progress.update(
        bar, description=phase, completed=int(info.get("done") or 0), total=total
    )
    return phase


def _entry_of(result: Any, history: RunHistory) -> dict[str, Any] | None:
    summary = result.result if result.successful() else None
    if isinstance(summary, dict) and "run_id" in summary:
        return history.get(str(summary["run_id"]))
    return next(
        (entry for entry in history.recent() if entry.get("task_id") == result.id),
        None,
    )


def _failure_text(result: Any) -> str:
    if result.successful():
        return ""
    return f"{type(result.result).__name__}: {result.result}"
