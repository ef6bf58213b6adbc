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
# After this long with no worker on the task, say where it waits, once.
_NO_WORKER_HINT_S = 10.0
_LABELS = {
    "PENDING": "waiting for a worker",
    "RECEIVED": "received by a worker",
    "STARTED": "starting",
    "RETRY": "waiting to retry",
}


def wait_for_run(
    result: Any, history: RunHistory, console: Console, queue: str
) -> dict[str, Any] | None:
    """Draw the task's progress until it ends; return its history entry.

    ``queue`` is where the task waits, named when no worker takes it soon.
    """
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
        hint_at = time.monotonic() + _NO_WORKER_HINT_S
        while not result.ready():
            state = result.state
            phase = _show_state(progress, bar, state, result.info, phase)
            if state == "PENDING" and time.monotonic() >= hint_at:
                progress.console.print(_no_worker_hint(queue))
                hint_at = float("inf")
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


def _no_worker_hint(queue: str) -> str:
    return (
        f"No worker has taken the task from queue {queue} yet: is a worker "
        f"running with the same MKP_ORG (or MKP_QUEUE={queue}) and broker? "
        "Start one with `mkp worker`; Ctrl-C stops waiting, not the task."
    )


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
