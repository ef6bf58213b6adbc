"""API calls per pipeline run, beside the least the API allows and a naive script.

Three runs against the emulator (see ``benchmarks._org_runs``): the first
backfill, a rerun with no change, a rerun after 1 % of the accounts changed.
For each run it prints the calls the emulator counted, by operation, and
compares them with

- the minimum for the same data moved: one login; each object read by REST
  pages of 2,000 records or by one Bulk API 2.0 query job (create, one
  status check, one request per result page of the connector's
  ``bulk_query_page_records``), whichever is fewer; each object's changed
  records written by sObject Collections of 200 or by Bulk API 2.0 ingest
  jobs (create, upload, close, one status check; a job holds up to 150 MB of
  CSV, estimated at 700 bytes a row), whichever is fewer. It takes every
  size as known in advance, so the connector's record-count call (how it
  learns them) is overhead counted against it, never part of the minimum;
- a naive script: one login, ``query_all`` of every object in REST pages of
  2,000, one PATCH per changed record.

Targets: within 5 % of the minimum on every run, no write call on the
no-change rerun, at least 100x fewer calls than the naive script on the
first backfill.

    python -m benchmarks.api_calls            # 20k accounts, 200k opportunities
    python -m benchmarks.api_calls --large    # 100k accounts, 1M opportunities
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import polars as pl

from benchmarks._measure import emit, machine, print_table
from benchmarks._org_runs import RUN_NAMES, OrgRun, three_runs
from benchmarks.generate import chosen_shape, org_parser
from connectors import SalesforceSettings

__all__ = ["main", "minimum_calls", "naive_calls"]

QUICK_SIZES = (20_000, 200_000)
LARGE_SIZES = (100_000, 1_000_000)
MINIMUM_RATIO_TARGET = 1.05
NAIVE_RATIO_TARGET = 100.0

REST_PAGE_RECORDS = 2_000
COLLECTION_RECORDS = 200
BULK_QUERY_FIXED_CALLS = 2  # create the job, see it complete
BULK_INGEST_CALLS = 4  # create, upload, close, see it complete
BULK_INGEST_MAX_BYTES = 150 * 1024 * 1024
BULK_ROW_BYTES = 700
_WRITE_OPERATIONS = ("bulk_ingest_", "collections_", "sobject_update")


def minimum_calls(
    reads: dict[str, int], writes: dict[str, int], bulk_page_records: int
) -> dict[str, int]:
    """The fewest calls that read ``reads`` and write ``writes`` (records per
    object), by step."""
    calls = {"login": 1}
    for sobject, records in reads.items():
        rest = max(1, math.ceil(records / REST_PAGE_RECORDS))
        bulk = BULK_QUERY_FIXED_CALLS + max(1, math.ceil(records / bulk_page_records))
        calls[f"read {sobject}"] = min(rest, bulk)
    for sobject, records in writes.items():
        if records:
            collections = math.ceil(records / COLLECTION_RECORDS)
            jobs = math.ceil(records * BULK_ROW_BYTES / BULK_INGEST_MAX_BYTES)
            calls[f"write {sobject}"] = min(collections, BULK_INGEST_CALLS * jobs)
    return calls


def naive_calls(reads: dict[str, int], writes: dict[str, int]) -> int:
    """A login, ``query_all`` of every object, one PATCH per changed record."""
    pages = sum(max(1, math.ceil(n / REST_PAGE_RECORDS)) for n in reads.values())
    return 1 + pages + sum(writes.values())


def main(argv: list[str] | None = None) -> None:
    """Run the three runs and print calls against the minimum and naive."""
    args = _arguments(argv)
    shape = chosen_shape(args, QUICK_SIZES, LARGE_SIZES)
    print(
        f"API calls: {shape.accounts:,} accounts, {shape.opportunities:,} "
        f"opportunities, {shape.lead_count:,} leads (seed {shape.seed})"
    )

    runs = three_runs(shape)
    page_records = SalesforceSettings.model_fields["bulk_query_page_records"].default
    figures = [_run_figures(run, page_records) for run in runs]
    _print(figures)
    emit(
        "api_calls",
        {
            "accounts": shape.accounts,
            "opportunities": shape.opportunities,
            "leads": shape.lead_count,
            "runs": figures,
            "targets_met": _targets(figures),
            "machine": machine(),
        },
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = org_parser(
        "API calls against the minimum", large="100k accounts, 1M opportunities"
    )
    return parser.parse_args(argv)


def _run_figures(run: OrgRun, bulk_page_records: int) -> dict[str, Any]:
    org, stats = run.org, run.stats
    dated = org.rates.filter(pl.col("start_date").is_not_null()).height
    reads = {
        "CurrencyType": org.rates.height - dated,
        "DatedConversionRate": dated,
        "Account": org.accounts.height,
        "Opportunity": org.opportunities.height,
        "Lead": org.leads.height,
    }
    writes = {name: int(n) for name, n in stats["records_written"].items()}
    by_operation = dict(sorted(stats["calls"].items()))
    minimum = minimum_calls(reads, writes, bulk_page_records)
    total, least = int(stats["total_calls"]), sum(minimum.values())

    return {
        "run": run.name,
        "records_changed": run.figures["report"]["records_changed"],
        "records_written": writes,
        "calls": total,
        "charged_api_calls": int(stats["api_calls"]),
        "write_calls": sum(
            n for op, n in by_operation.items() if op.startswith(_WRITE_OPERATIONS)
        ),
        "calls_by_operation": by_operation,
        "minimum": least,
        "minimum_by_step": minimum,
        "over_minimum": round(total / least, 3),
        "naive": naive_calls(reads, writes),
        "naive_over_ours": round(naive_calls(reads, writes) / total, 1),
    }


def _targets(figures: list[dict[str, Any]]) -> dict[str, bool]:
    by_run = {run["run"]: run for run in figures}
    return {
        "within_5pct_of_minimum": all(
            run["over_minimum"] <= MINIMUM_RATIO_TARGET for run in figures
        ),
        "no_writes_when_nothing_changed": by_run[RUN_NAMES[1]]["write_calls"] == 0,
        "100x_fewer_than_naive_on_backfill": (
            by_run[RUN_NAMES[0]]["naive_over_ours"] >= NAIVE_RATIO_TARGET
        ),
    }


def _print(figures: list[dict[str, Any]]) -> None:
    print()
    print_table(
        [
            "run",
            "changed",
            "calls",
            "writes",
            "minimum",
            "x minimum",
            "naive",
            "naive / ours",
        ],
        [
            [
                f["run"],
                f["records_changed"],
                f["calls"],
                f["write_calls"],
                f["minimum"],
                f["over_minimum"],
                f["naive"],
                f["naive_over_ours"],
            ]
            for f in figures
        ],
    )
    _print_breakdown("calls by operation (emulator)", figures, "calls_by_operation")
    _print_breakdown("minimum by step", figures, "minimum_by_step")
    for name, met in _targets(figures).items():
        print(f"target {name.replace('_', ' ')}: {'met' if met else 'NOT met'}")


def _print_breakdown(title: str, figures: list[dict[str, Any]], key: str) -> None:
    keys = sorted({k for f in figures for k in f[key]})
    print()
    print_table(
        [title, *(f["run"] for f in figures)],
        [[k, *(f[key].get(k, 0) for f in figures)] for k in keys],
    )


if __name__ == "__main__":
    main()
