"""Speed of the account-side scoring steps, one by one, on per-account facts.

The steps after each account's facts exist: the size model, potential (the
four leave-one-out peer quantiles), progress, potential level, segment, next
action and explanation texts, and the calibration check the pipeline runs on
every run. The facts (window revenue, last win, open pipeline) come from one
plain aggregation of a generated org's deals, so these figures do not move
with how the deal checks are done. Each step is timed ``--repeat`` times in
one process; the least CPU and wall time are shown, as other load on the
machine only ever adds to them.

    python -m benchmarks.account_steps                      # 1M accounts
    python -m benchmarks.account_steps --accounts 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import polars as pl

from benchmarks._measure import emit, machine, print_table
from benchmarks.generate import OrgShape, SyntheticOrg, generate_org
from mkp_core import Policy, RecordKind
from mkp_core.actions import add_actions
from mkp_core.calibration import calibrate_scores
from mkp_core.potential import estimate_potential, fit_size_model
from mkp_core.progress import (
    assign_potential_level,
    assign_progress,
    potential_cutoffs,
)
from mkp_core.scoring import RECORD_COLUMNS
from mkp_core.segment import assign_segment

__all__ = ["main"]

DEFAULT_ACCOUNTS = 1_000_000
DEALS_PER_ACCOUNT = 10


def main(argv: list[str] | None = None) -> None:
    """Generate the facts, time every step, print a table and a JSON line."""
    args = _arguments(argv)
    opportunities = args.opportunities or DEALS_PER_ACCOUNT * args.accounts
    org = generate_org(OrgShape(args.accounts, opportunities, seed=args.seed))
    records = _facts(org)
    print(
        f"Account-side steps on {records.height:,} accounts "
        f"({opportunities:,} generated deals); least of {args.repeat} runs"
    )

    timings: dict[str, list[tuple[float, float]]] = {}
    for _ in range(max(1, args.repeat)):
        _run_steps(records, org, timings)

    figures = _figures(records.height, timings)
    _print(figures)
    emit("account_steps", figures)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mkp_core account-side steps")
    parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS)
    parser.add_argument("--opportunities", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=OrgShape.seed)
    return parser.parse_args(argv)


def _facts(org: SyntheticOrg) -> pl.DataFrame:
    """Accounts as the records the steps read; amounts taken as corporate
    currency, which changes the figures' values, not the work."""
    as_of = org.shape.as_of
    window_start = as_of - dt.timedelta(days=org.policy().window_days)
    close = pl.col("close_date")
    won = pl.col("is_won").fill_null(False) & (close <= as_of)
    per_account = org.opportunities.group_by("account_id").agg(
        pl.col("amount")
        .filter(won & (close > window_start) & (pl.col("amount") > 0))
        .sum()
        .alias("window_revenue"),
        close.filter(won).max().alias("last_win_date"),
        (~pl.col("is_closed").fill_null(False)).any().alias("open_pipeline"),
        won.any().alias("ever_won"),
    )
    return (
        org.accounts.join(per_account, on="account_id", how="left")
        .with_columns(
            pl.col("account_id").alias("record_id"),
            pl.lit(RecordKind.ACCOUNT.value).alias("kind"),
            pl.col("window_revenue").fill_null(0.0),
            pl.col("open_pipeline").fill_null(False),
            pl.col("ever_won").fill_null(False),
        )
        .select(RECORD_COLUMNS)
    )


def _run_steps(
    records: pl.DataFrame,
    org: SyntheticOrg,
    timings: dict[str, list[tuple[float, float]]],
) -> None:
    """One pass through the steps, each fed the previous one's output."""
    policy: Policy = org.policy()

    def timed(name: str, call: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        spent = (time.process_time() - cpu, time.perf_counter() - wall)
        timings.setdefault(name, []).append(spent)
        return result

    size = timed("fit_size_model", lambda: fit_size_model(records, policy))
    scored = timed(
        "estimate_potential", lambda: estimate_potential(records, policy, size)
    )
    scored = timed("assign_progress", lambda: assign_progress(scored, policy))
    cutoffs = timed("potential_cutoffs", lambda: potential_cutoffs(scored, policy))
    scored = timed(
        "assign_potential_level",
        lambda: assign_potential_level(scored, cutoffs, policy),
    )
    scored = timed("assign_segment", lambda: assign_segment(scored, policy, org.now()))
    scored = timed("add_actions", lambda: add_actions(scored, policy, size))
    timed("calibrate_scores", lambda: calibrate_scores(org.accounts, scored, policy))


def _figures(
    accounts: int, timings: dict[str, list[tuple[float, float]]]
) -> dict[str, Any]:
    cpu = {step: min(c for c, _ in runs) for step, runs in timings.items()}
    wall = {step: min(w for _, w in runs) for step, runs in timings.items()}
    return {
        "accounts": accounts,
        "repeat": len(next(iter(timings.values()))),
        "cpu_s": {step: round(value, 3) for step, value in cpu.items()},
        "wall_s": {step: round(value, 3) for step, value in wall.items()},
        "total_cpu_s": round(sum(cpu.values()), 3),
        "total_wall_s": round(sum(wall.values()), 3),
        "machine": machine(),
    }


def _print(figures: dict[str, Any]) -> None:
    cpu, wall = figures["cpu_s"], figures["wall_s"]
    rows = [[step, cpu[step], wall[step]] for step in cpu]
    rows.append(["total", figures["total_cpu_s"], figures["total_wall_s"]])
    print()
    print_table(["step", "cpu s", "wall s"], rows)


if __name__ == "__main__":
    main()
