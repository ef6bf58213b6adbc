"""Peak memory of a whole run as opportunities grow and accounts stay fixed.

The design asks that memory grow with accounts, not with opportunities. For
each opportunity count the synthetic org (the same accounts every time) is
written as Salesforce-shaped CSVs, and ``run_pipeline`` runs once through
the CSV connector in a fresh process: read, score, diff, write the results
file. Target: the peak RSS at ten times the opportunities stays under twice
the smaller run's.

The CSV connector stands for the Bulk API read path: both hand the deals
over page by page (blocks of 16 MiB of the file, Bulk result pages of
50,000 records), and the pipeline folds each page into per-account facts
before the next; the emulator is too slow to seed with ten million deals
for a benchmark.

The peak is the child's own high-water mark (``VmHWM``), which it reports
as it ends and ``run_child`` takes (``benchmarks._measure``): the parent
that generated ten million deals (about 1.5 GiB) does not count in it.

    python -m benchmarks.memory            # 20k accounts: 200k and 2M deals
    python -m benchmarks.memory --large    # 100k accounts: 1M and 10M deals
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._measure import emit, machine, peak_rss_mib, print_table, run_child
from benchmarks.generate import OrgShape, generate_org
from benchmarks.salesforce_shape import write_salesforce_csvs
from connectors import CsvConnector
from mkp_core import Policy
from worker.pipeline import RunOptions, run_pipeline

__all__ = ["main"]

QUICK_SIZES = (20_000, (200_000, 2_000_000))
LARGE_SIZES = (100_000, (1_000_000, 10_000_000))
GROWTH_TARGET = 2.0
_MIB = 1024 * 1024


def main(argv: list[str] | None = None) -> None:
    """Measure each size, or run one pipeline when called as a child."""
    args = _arguments(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.as_of, args.now)))
        return
    accounts, counts = LARGE_SIZES if args.large else QUICK_SIZES
    accounts = args.accounts or accounts
    print(
        f"Memory: {accounts:,} accounts, opportunities "
        f"{' and '.join(f'{n:,}' for n in counts)} (seed {args.seed})"
    )

    rows = [_measure(OrgShape(accounts, count, seed=args.seed)) for count in counts]
    growth = rows[-1]["peak_rss_mib"] / rows[0]["peak_rss_mib"]
    _print(rows, growth)
    emit(
        "memory",
        {
            "accounts": accounts,
            "runs": rows,
            "peak_growth": round(growth, 2),
            "targets_met": {"under_2x_at_10x_opportunities": growth < GROWTH_TARGET},
            "machine": machine(),
        },
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Peak memory as deals grow")
    parser.add_argument("--accounts", type=int)
    parser.add_argument(
        "--large", action="store_true", help="100k accounts, 1M and 10M deals"
    )
    parser.add_argument("--seed", type=int, default=OrgShape.seed)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--now", type=dt.datetime.fromisoformat, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _measure(shape: OrgShape) -> dict[str, Any]:
    """Write the org's CSVs, run the pipeline on them, report its cost."""
    with tempfile.TemporaryDirectory(prefix="mkp-bench-memory-") as tmp:
        started = time.perf_counter()
        org = generate_org(shape)
        profile = write_salesforce_csvs(org, Path(tmp))
        csv_bytes = sum(path.stat().st_size for path in Path(tmp).glob("*.csv"))
        print(
            f"  {shape.opportunities:,} deals: CSVs of {csv_bytes / _MIB:,.0f} MiB "
            f"written in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        frame_bytes = org.opportunities.estimated_size()
        del org
        run = run_child(
            "benchmarks.memory",
            [
                "--child",
                str(profile),
                "--as-of",
                shape.as_of.isoformat(),
                "--now",
                dt.datetime.combine(shape.as_of, dt.time(22), dt.UTC).isoformat(),
            ],
        )

    return {
        "opportunities": shape.opportunities,
        "csv_mib": round(csv_bytes / _MIB),
        "opportunity_frame_mib": round(frame_bytes / _MIB),
        "wall_s": round(float(run.result["wall_s"]), 2),
        "cpu_s": round(run.cpu_s, 2),
        "peak_rss_mib": round(run.peak_rss_mib),
        "status": run.result["status"],
        "accounts_scored": run.result["accounts_scored"],
    }


def _print(rows: list[dict[str, Any]], growth: float) -> None:
    print()
    print_table(
        [
            "opportunities",
            "CSV MiB",
            "deal frame MiB",
            "wall s",
            "cpu s",
            "peak RSS MiB",
        ],
        [
            [
                r["opportunities"],
                r["csv_mib"],
                r["opportunity_frame_mib"],
                r["wall_s"],
                r["cpu_s"],
                r["peak_rss_mib"],
            ]
            for r in rows
        ],
    )
    verdict = "met" if growth < GROWTH_TARGET else "NOT met"
    print(f"\npeak RSS grows {growth:.2f}x for 10x the deals (target < 2x: {verdict})")


def _child(profile: Path, as_of: dt.date, now: dt.datetime) -> dict[str, Any]:
    """One pipeline run through the CSV connector: its wall time and peak."""
    connector = CsvConnector.from_profile(profile)
    started = time.perf_counter()
    result = run_pipeline(
        connector, Policy(as_of=as_of), RunOptions(triggered_by="benchmark"), now=now
    )
    return {
        "wall_s": time.perf_counter() - started,
        "status": str(result.report.status),
        "accounts_scored": result.report.accounts_scored,
        "vm_hwm_mib": peak_rss_mib(),
    }


if __name__ == "__main__":
    main()
