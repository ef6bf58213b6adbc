"""Records a night's small change writes, for each write tolerance.

The "rerun, 1 % changed" night of ``benchmarks.end_to_end``, scored in this
process with no CRM: the synthetic org is scored, the CRM is taken to hold
exactly that result, 1 % of the accounts win a deal worth a year of their
spend (``benchmarks.generate.new_won_deals``), and the org is scored again.
For each tolerance it prints how many records ``mkp_core.changed_records``
would write, beside the segments that moved (the least any tolerance
writes), and how far the peers' potentials drifted, which is what the
tolerance has to absorb.

    python -m benchmarks.write_churn            # 10k accounts, 100k opportunities
    python -m benchmarks.write_churn --large    # 100k accounts, 1M opportunities
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import polars as pl

from benchmarks._measure import emit, machine, print_table
from benchmarks._org_runs import CHANGE_SHARE
from benchmarks.generate import (
    SyntheticOrg,
    chosen_shape,
    generate_org,
    new_won_deals,
    org_parser,
)
from mkp_core import (
    OUTPUT_FIELDS,
    PotentialMethod,
    RecordKind,
    changed_records,
    crm_column,
    score_portfolio,
)

__all__ = ["main"]

QUICK_SIZES = (10_000, 100_000)
LARGE_SIZES = (100_000, 1_000_000)
TOLERANCES = (0.0, 0.005, 0.01, 0.02, 0.05)
DRIFT_QUANTILES = (0.5, 0.9, 0.99, 0.999)


def main(argv: list[str] | None = None) -> None:
    """Score the org before and after the change and count the writes."""
    args = _arguments(argv)
    shape = chosen_shape(args, QUICK_SIZES, LARGE_SIZES)
    print(
        f"Write churn: {shape.accounts:,} accounts, {shape.opportunities:,} "
        f"opportunities, {shape.lead_count:,} leads (seed {shape.seed})"
    )

    scores = _rescored_after_change(generate_org(shape))
    written = {
        tolerance: sum(
            changed_records(scores, kind, write_tolerance=tolerance).height
            for kind in RecordKind
        )
        for tolerance in TOLERANCES
    }
    figures = {
        "records": scores.height,
        "segments_moved": _segments_moved(scores),
        "written_by_tolerance": {str(t): n for t, n in written.items()},
        "peer_drift_quantiles": _peer_drift(scores),
    }
    _print(figures)
    emit(
        "write_churn",
        {
            "accounts": shape.accounts,
            "opportunities": shape.opportunities,
            "leads": shape.lead_count,
            **figures,
            "machine": machine(),
        },
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = org_parser(
        "Records written per tolerance", large="100k accounts, 1M opportunities"
    )
    return parser.parse_args(argv)


def _rescored_after_change(org: SyntheticOrg) -> pl.DataFrame:
    """Scores of the night after the change, the CRM holding the night before."""
    policy, now = org.policy(), org.now()
    before = score_portfolio(
        org.accounts, org.opportunities, org.rates, policy, now=now, leads=org.leads
    ).scores

    accounts = _holding(org.accounts, before, RecordKind.ACCOUNT, "account_id")
    leads = _holding(org.leads, before, RecordKind.LEAD, "lead_id")
    deals = pl.concat([org.opportunities, new_won_deals(org, CHANGE_SHARE)])

    return score_portfolio(
        accounts, deals, org.rates, policy, now=now + dt.timedelta(days=1), leads=leads
    ).scores


def _holding(
    records: pl.DataFrame, scores: pl.DataFrame, kind: RecordKind, id_column: str
) -> pl.DataFrame:
    """The records with the CRM holding exactly what ``scores`` computed."""
    held = scores.filter(pl.col("kind") == str(kind)).select(
        pl.col("record_id").alias(id_column),
        *(pl.col(field).alias(crm_column(field)) for field in OUTPUT_FIELDS),
    )
    kept = records.drop(crm_column(field) for field in OUTPUT_FIELDS)
    joined = kept.join(held, on=id_column, how="left", maintain_order="left")
    return joined.select(records.columns)


def _segments_moved(scores: pl.DataFrame) -> int:
    moved = pl.col("segment").ne_missing(pl.col(crm_column("segment")))
    return int(scores.select(moved.sum()).item())


def _peer_drift(scores: pl.DataFrame) -> dict[str, float]:
    """Quantiles of |fresh − held| ÷ held potential over peer-estimated records."""
    held = pl.col(crm_column("potential"))
    drift = ((pl.col("potential") - held) / held).abs()
    peers = scores.filter(
        (pl.col("potential_method") == PotentialMethod.PEERS.value) & (held > 0)
    )
    return {
        str(q): round(float(peers.select(drift.quantile(q)).item()), 4)
        for q in DRIFT_QUANTILES
    }


def _print(figures: dict[str, Any]) -> None:
    print()
    print_table(
        ["write_tolerance", "records written", "share of records"],
        [
            [tolerance, n, f"{n / figures['records']:.1%}"]
            for tolerance, n in figures["written_by_tolerance"].items()
        ],
    )
    print(f"segments moved: {figures['segments_moved']:,}")
    drift = ", ".join(
        f"p{float(q) * 100:g} {v:.2%}"
        for q, v in figures["peer_drift_quantiles"].items()
    )
    print(f"peers' potential drift: {drift}")


if __name__ == "__main__":
    main()
