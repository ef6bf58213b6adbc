"""Running one measured thing in a fresh process, and printing what it cost.

A child is ``python -m <module> ...`` started from the repository root. Its
CPU time comes from ``os.wait4`` (the rusage of that one child); its own
figures come from the last line it prints, a JSON object, which carries its
peak resident memory as ``vm_hwm_mib`` (its own ``VmHWM``). The kernel's
``ru_maxrss`` is no measure of the child alone: a child starts from its
parent's memory image, so a parent holding a generated org of 10M deals
would lend the child its size. ``ru_maxrss`` is the fallback only for a
child that reports no peak.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

__all__ = [
    "ROOT",
    "BenchmarkError",
    "ChildRun",
    "emit",
    "machine",
    "median_run",
    "peak_rss_mib",
    "print_table",
    "run_child",
]

ROOT = Path(__file__).resolve().parents[1]


class BenchmarkError(RuntimeError):
    """A measured child failed; the message carries its exit code."""


@dataclasses.dataclass(frozen=True)
class ChildRun:
    """One child process: its own figures plus what the kernel counted."""

    result: dict[str, Any]
    process_wall_s: float
    cpu_s: float
    peak_rss_mib: float


def run_child(
    module: str, args: Sequence[str], *, env: dict[str, str] | None = None
) -> ChildRun:
    """Run ``python -m module args`` to the end and measure it.

    The child's standard error passes through, so its log stays visible.
    """
    command = [sys.executable, "-m", module, *args]
    with tempfile.TemporaryFile() as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=stdout, env=env)
        # wait4 reaps the child itself, so Popen is told the exit status.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall_s = time.perf_counter() - started
        stdout.seek(0)
        lines = stdout.read().decode("utf-8").strip().splitlines()

    if process.returncode != 0 or not lines:
        raise BenchmarkError(
            f"{' '.join(command[1:])} exited with {process.returncode}"
        )
    result = json.loads(lines[-1])
    return ChildRun(
        result=result,
        process_wall_s=wall_s,
        cpu_s=usage.ru_utime + usage.ru_stime,
        # Linux reports ru_maxrss in KiB.
        peak_rss_mib=float(result.get("vm_hwm_mib", usage.ru_maxrss / 1024)),
    )


def median_run(runs: Sequence[ChildRun], key: str = "wall_s") -> ChildRun:
    """The run whose measured ``key`` is the median (the lower one of two)."""
    ordered = sorted(runs, key=lambda run: float(run.result[key]))
    return ordered[(len(ordered) - 1) // 2]


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy it was."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "polars": pl.__version__,
    }


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows as right-aligned columns; floats with two decimals, ints grouped."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max(len(header), *(len(row[i]) for row in cells))
        for i, header in enumerate(headers)
    ]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def emit(benchmark: str, figures: dict[str, Any]) -> None:
    """The final line every benchmark prints: its figures as one JSON object."""
    print(json.dumps({"benchmark": benchmark, **figures}, default=str))


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
