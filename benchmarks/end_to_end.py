"""Wall time and memory of whole pipeline runs against the emulator.

The same three runs as ``benchmarks.api_calls`` (first backfill, rerun with
no change, rerun after 1 % of the accounts changed), each in a fresh process
through the real Salesforce connector. For each run it prints the wall time
of ``run_pipeline``, the process's CPU time and peak RSS, and how the wall
time splits between waiting on the emulator (time inside HTTP requests,
measured by a ``requests`` session subclass in the benchmark) and our own
code, overall and per pipeline phase (read, score — which includes the
diff —, write).

The emulator is Python and SQLite serving from one thread, so the waiting
share says more about the emulator than about Salesforce; the share in our
own code is what the product controls.

    python -m benchmarks.end_to_end            # 10k accounts, 100k opportunities
    python -m benchmarks.end_to_end --large    # 100k accounts, 1M opportunities

``--write-tolerance 0`` runs the pipeline with the policy's write tolerance
set to 0 (every difference written, to the cent), to compare with the
default.
"""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks._measure import emit, machine, print_table
from benchmarks._org_runs import OrgRun, three_runs
from benchmarks.generate import chosen_shape, org_parser

__all__ = ["main"]

QUICK_SIZES = (10_000, 100_000)
LARGE_SIZES = (100_000, 1_000_000)
PHASES = ("read", "score", "write")


def main(argv: list[str] | None = None) -> None:
    """Run the three runs and print where their time and memory go."""
    args = _arguments(argv)
    shape = chosen_shape(args, QUICK_SIZES, LARGE_SIZES)
    tolerance = args.write_tolerance
    print(
        f"End to end: {shape.accounts:,} accounts, {shape.opportunities:,} "
        f"opportunities, {shape.lead_count:,} leads (seed {shape.seed}), "
        f"write tolerance {'default' if tolerance is None else tolerance}"
    )

    child_args = () if tolerance is None else ("--write-tolerance", str(tolerance))
    figures = [_run_figures(run) for run in three_runs(shape, child_args)]
    _print(figures)
    emit(
        "end_to_end",
        {
            "accounts": shape.accounts,
            "opportunities": shape.opportunities,
            "leads": shape.lead_count,
            "write_tolerance": tolerance,
            "runs": figures,
            "machine": machine(),
        },
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = org_parser(
        "Pipeline time and memory", large="100k accounts, 1M opportunities"
    )
    parser.add_argument(
        "--write-tolerance",
        type=float,
        help="the policy's write_tolerance (default: the policy default)",
    )
    return parser.parse_args(argv)


def _run_figures(run: OrgRun) -> dict[str, Any]:
    child = run.figures
    wall_s, http_s = float(child["wall_s"]), float(child["http_s"])
    phase_wall, phase_http = child["phase_wall_s"], child["phase_http_s"]
    return {
        "run": run.name,
        "records_changed": child["report"]["records_changed"],
        "changed_fields": child["changed_fields"],
        "wall_s": round(wall_s, 2),
        "process_wall_s": round(run.child.process_wall_s, 2),
        "cpu_s": round(run.child.cpu_s, 2),
        "peak_rss_mib": round(run.child.peak_rss_mib),
        "http_s": round(http_s, 2),
        "http_requests": child["http_requests"],
        "waiting_share": round(http_s / wall_s, 3) if wall_s else 0.0,
        "phases": {
            phase: {
                "wall_s": round(phase_wall.get(phase, 0.0), 2),
                "http_s": round(phase_http.get(phase, 0.0), 2),
            }
            for phase in PHASES
        },
    }


def _print(figures: list[dict[str, Any]]) -> None:
    print()
    print_table(
        [
            "run",
            "changed",
            "wall s",
            "cpu s",
            "peak RSS MiB",
            "waiting s",
            "waiting",
            "our code",
        ],
        [
            [
                f["run"],
                f["records_changed"],
                f["wall_s"],
                f["cpu_s"],
                f["peak_rss_mib"],
                f["http_s"],
                _share(f["waiting_share"]),
                _share(1 - f["waiting_share"]),
            ]
            for f in figures
        ],
    )
    print()
    print_table(
        ["phase: wall s / of it waiting s", *(f["run"] for f in figures)],
        [[phase, *(_phase(f["phases"][phase]) for f in figures)] for phase in PHASES],
    )
    print()
    print_table(
        ["fields changed (records)", *(f["run"] for f in figures)],
        [
            [field, *(f["changed_fields"].get(field, 0) for f in figures)]
            for field in sorted({k for f in figures for k in f["changed_fields"]})
        ],
    )


def _share(ratio: float) -> str:
    return f"{ratio:.0%}"


def _phase(phase: dict[str, float]) -> str:
    return f"{phase['wall_s']:.2f} / {phase['http_s']:.2f}"


if __name__ == "__main__":
    main()
