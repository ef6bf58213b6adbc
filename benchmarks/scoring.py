"""Scoring speed and memory: mkp_core beside a bare aggregation and DuckDB.

Three things are measured on the same synthetic frames, each in a fresh
process that first loads the frames (not timed) and then times one call:

- ``floor``: one Polars query, won revenue per account in the window — the
  least work any model of this kind has to do;
- ``ours``: ``mkp_core.score_portfolio`` on accounts, opportunities and
  rates (leads left out, as the other two have none);
- ``duckdb``: the same model as one DuckDB SQL query
  (``benchmarks/_duckdb_model.py`` says what it leaves out).

Targets at 1,000,000 accounts and 10,000,000 opportunities: ours within 3×
the floor, no slower than DuckDB, peak RSS under 4 GiB. ``--profile`` adds
a cProfile run of ours, listing the mkp_core functions by cumulative time.

    python -m benchmarks.scoring            # 100k accounts, 1M opportunities
    python -m benchmarks.scoring --large    # 1M accounts, 10M opportunities
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from benchmarks._measure import (
    ChildRun,
    emit,
    machine,
    median_run,
    peak_rss_mib,
    print_table,
    run_child,
)
from benchmarks.generate import (
    OrgShape,
    SyntheticOrg,
    chosen_shape,
    generate_org,
    org_parser,
)
from mkp_core import Scoring, score_portfolio

__all__ = ["main"]

QUICK_SIZES = (100_000, 1_000_000)
LARGE_SIZES = (1_000_000, 10_000_000)
KINDS = ("floor", "ours", "duckdb")
FLOOR_RATIO_TARGET = 3.0
DUCKDB_RATIO_TARGET = 1.0
PEAK_RSS_TARGET_MIB = 4096.0
_PROFILE_LINES = 15

T = TypeVar("T")


def main(argv: list[str] | None = None) -> None:
    """Measure the three, or run one of them when called as a child."""
    args = _arguments(argv)
    if args.child:
        figures = _CHILDREN[args.child](args.data)
        print(json.dumps({**figures, "vm_hwm_mib": peak_rss_mib()}))
        return
    shape = chosen_shape(args, QUICK_SIZES, LARGE_SIZES)
    print(
        f"Scoring {shape.accounts:,} accounts and {shape.opportunities:,} "
        f"opportunities (seed {args.seed}); {args.repeat} fresh process(es) "
        "each, median shown"
    )

    with tempfile.TemporaryDirectory(prefix="mkp-bench-scoring-") as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        generate_org(shape).save(data)
        print(f"Generated the org in {time.perf_counter() - started:.1f} s")
        runs = {kind: _measure(kind, data, args.repeat) for kind in KINDS}
        agreement = _agreement(data)
        profile = _child("profile", data).result if args.profile else None

    figures = _figures(shape, runs, agreement)
    _print(figures)
    if profile is not None:
        _print_profile(profile)
    emit("scoring", figures)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = org_parser(
        "mkp_core scoring beside a Polars floor and DuckDB",
        large="1M accounts, 10M opportunities",
    )
    parser.add_argument("--repeat", type=int, default=3, help="processes per kind")
    parser.add_argument("--profile", action="store_true", help="cProfile ours")
    parser.add_argument("--child", choices=[*KINDS, "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _measure(kind: str, data: Path, repeat: int) -> list[ChildRun]:
    runs = [_child(kind, data) for _ in range(max(1, repeat))]
    wall = ", ".join(f"{run.result['wall_s']:.2f}" for run in runs)
    print(f"  {kind:>6}: {wall} s")
    return runs


def _child(kind: str, data: Path) -> ChildRun:
    return run_child("benchmarks.scoring", ["--child", kind, "--data", str(data)])


def _figures(
    shape: OrgShape, runs: dict[str, list[ChildRun]], agreement: float
) -> dict[str, Any]:
    median = {kind: median_run(kind_runs) for kind, kind_runs in runs.items()}
    wall = {kind: float(run.result["wall_s"]) for kind, run in median.items()}
    cpu = {kind: float(run.result["cpu_s"]) for kind, run in median.items()}
    peak = {kind: max(r.peak_rss_mib for r in runs[kind]) for kind in runs}
    return {
        "accounts": shape.accounts,
        "opportunities": shape.opportunities,
        "repeat": len(runs["ours"]),
        "wall_s": {kind: round(value, 3) for kind, value in wall.items()},
        "cpu_s": {kind: round(value, 3) for kind, value in cpu.items()},
        "peak_rss_mib": {kind: round(value) for kind, value in peak.items()},
        "ours_over_floor": round(wall["ours"] / wall["floor"], 2),
        "ours_over_duckdb": round(wall["ours"] / wall["duckdb"], 2),
        "ours_over_floor_cpu": round(cpu["ours"] / cpu["floor"], 2),
        "ours_over_duckdb_cpu": round(cpu["ours"] / cpu["duckdb"], 2),
        "size_exponent": median["ours"].result["size_exponent"],
        "segment_agreement_with_duckdb": round(agreement, 4),
        "targets_met": {
            "within_3x_floor": wall["ours"] <= FLOOR_RATIO_TARGET * wall["floor"],
            "not_slower_than_duckdb": wall["ours"] <= wall["duckdb"],
            "peak_rss_under_4gib": peak["ours"] < PEAK_RSS_TARGET_MIB,
        },
        "machine": machine(),
    }


def _print(figures: dict[str, Any]) -> None:
    wall, cpu = figures["wall_s"], figures["cpu_s"]
    rows = [
        [
            kind,
            wall[kind],
            cpu[kind],
            figures["peak_rss_mib"][kind],
            round(wall[kind] / wall["floor"], 1),
            round(cpu[kind] / cpu["floor"], 1),
        ]
        for kind in KINDS
    ]
    print()
    print_table(
        ["", "wall s", "cpu s", "peak RSS MiB", "wall x floor", "cpu x floor"], rows
    )
    met = figures["targets_met"]
    print()
    print(
        f"ours / floor  = {figures['ours_over_floor']:.1f}x wall, "
        f"{figures['ours_over_floor_cpu']:.1f}x cpu "
        f"(target <= {FLOOR_RATIO_TARGET:g}x: {_verdict(met['within_3x_floor'])})"
    )
    print(
        f"ours / duckdb = {figures['ours_over_duckdb']:.2f}x wall, "
        f"{figures['ours_over_duckdb_cpu']:.2f}x cpu "
        f"(target <= 1x: {_verdict(met['not_slower_than_duckdb'])})"
    )
    print(
        f"peak RSS ours = {figures['peak_rss_mib']['ours']:,} MiB "
        f"(target < 4,096 MiB: {_verdict(met['peak_rss_under_4gib'])})"
    )
    print(
        "segments equal to the DuckDB model's: "
        f"{figures['segment_agreement_with_duckdb']:.1%} of accounts "
        f"(fitted size exponent {figures['size_exponent']:.3f})"
    )
    print("(targets are stated for 1M accounts / 10M opportunities)")


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _print_profile(profile: dict[str, Any]) -> None:
    print("\nmkp_core functions by cumulative time (cProfile, one run):")
    print_table(["function", "calls", "cumulative s"], profile["functions"])


def _agreement(data: Path) -> float:
    """Share of accounts both models put in the same segment."""
    ours = pl.read_parquet(data / "ours-segments.parquet")
    duckdb = pl.read_parquet(data / "duckdb-segments.parquet")
    joined = ours.join(duckdb, on="account_id", suffix="_duckdb")
    equal = joined.filter(pl.col("segment") == pl.col("segment_duckdb")).height
    return equal / max(joined.height, 1)


# Children: each loads its input untimed, times one call, saves segments.
# CPU seconds count every thread of the process during the call, so they
# say how much work was done even when other processes slow the wall clock.


def _timed(call: Callable[[], T]) -> tuple[T, dict[str, float]]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    timing = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
    }
    return result, timing


def _floor(data: Path) -> dict[str, Any]:
    org = SyntheticOrg.load(data)
    as_of = org.shape.as_of
    window_start = as_of - dt.timedelta(days=365)
    in_window = pl.col("close_date").is_between(window_start, as_of, closed="right")
    query = (
        org.opportunities.lazy()
        .filter(pl.col("is_won") & in_window)
        .group_by("account_id")
        .agg(pl.col("amount").sum().alias("window_revenue"))
    )

    revenue, timing = _timed(query.collect)

    return {"kind": "floor", **timing, "rows": revenue.height}


def _ours(data: Path) -> dict[str, Any]:
    org = SyntheticOrg.load(data)

    scoring, timing = _timed(lambda: _score(org))

    scoring.scores.select(
        pl.col("record_id").alias("account_id"), "segment"
    ).write_parquet(data / "ours-segments.parquet")
    return {"kind": "ours", **timing, "size_exponent": scoring.size_exponent}


def _duckdb(data: Path) -> dict[str, Any]:
    # Imported here so that only this child pays for loading DuckDB.
    import duckdb

    from benchmarks._duckdb_model import load_tables, run_model

    connection = duckdb.connect()
    load_tables(connection, data)
    policy = SyntheticOrg.load(data).policy()

    _, timing = _timed(lambda: run_model(connection, policy))

    connection.execute(
        "COPY (SELECT account_id, segment FROM scores) TO ? (FORMAT parquet)",
        [str(data / "duckdb-segments.parquet")],
    )
    return {"kind": "duckdb", **timing}


def _profile(data: Path) -> dict[str, Any]:
    org = SyntheticOrg.load(data)
    profiler = cProfile.Profile()
    profiler.runcall(_score, org)
    stats = pstats.Stats(profiler)

    rows = []
    for (path, line, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        if "/mkp_core/" in path:
            rows.append([f"{Path(path).stem}.{name}:{line}", entry[1], entry[3]])
    rows.sort(key=lambda row: -row[2])
    return {"kind": "profile", "functions": rows[:_PROFILE_LINES]}


def _score(org: SyntheticOrg) -> Scoring:
    return score_portfolio(
        org.accounts, org.opportunities, org.rates, org.policy(), now=org.now()
    )


_CHILDREN: dict[str, Callable[[Path], dict[str, Any]]] = {
    "floor": _floor,
    "ours": _ours,
    "duckdb": _duckdb,
    "profile": _profile,
}


if __name__ == "__main__":
    main()
