"""The three pipeline runs the API-call and end-to-end benchmarks measure.

A multi-currency emulated org (corporate currency USD) is seeded with a
synthetic org, then the pipeline runs three times, each in a fresh process
through the real Salesforce connector:

1. the first backfill: no MKP field holds a value yet;
2. a rerun with no change in the CRM;
3. a rerun after 1 % of the accounts changed: each got a won deal worth a
   year of its spend, so its segment moves off "Not working".

The emulator's counters are reset before each run, so each run's stats are
its own. The emulator serves from this process; the pipeline runs in the
child, so the child's memory and time are the pipeline's alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from typing import Any

from benchmarks._measure import ChildRun, run_child
from benchmarks.generate import OrgShape, SyntheticOrg, generate_org, new_won_deals
from benchmarks.salesforce_shape import insert_opportunities, load_emulator
from connectors.salesforce_emulator import Emulator, EmulatorConfig

__all__ = ["CHANGE_SHARE", "RUN_NAMES", "OrgRun", "three_runs"]

RUN_NAMES = ("first backfill", "rerun, no change", "rerun, 1% changed")
CHANGE_SHARE = 0.01
# Far above what the runs use: the benchmark measures calls, not the limit.
_DAILY_API_LIMIT = 100_000_000
_PROGRESS_EVERY = 100_000


@dataclasses.dataclass(frozen=True)
class OrgRun:
    """One pipeline run: the child's figures and the emulator's counters."""

    name: str
    child: ChildRun
    stats: dict[str, Any]
    org: SyntheticOrg  # the org as the run saw it

    @property
    def figures(self) -> dict[str, Any]:
        """What the child printed: timings, report counts, memory."""
        return self.child.result


def three_runs(shape: OrgShape, child_args: tuple[str, ...] = ()) -> list[OrgRun]:
    """Seed an emulator with the org of ``shape`` and run the pipeline thrice.

    ``child_args`` go to every pipeline process (``benchmarks._pipeline_child``).
    """
    org = generate_org(shape)
    config = EmulatorConfig(
        multi_currency=True, corporate_currency="USD", daily_api_limit=_DAILY_API_LIMIT
    )
    with Emulator(config) as emu:
        account_map = _seed(emu, org)
        runs = [
            _run(emu, org, RUN_NAMES[0], 0, child_args),
            _run(emu, org, RUN_NAMES[1], 1, child_args),
        ]

        deals = new_won_deals(org, CHANGE_SHARE)
        insert_opportunities(emu, deals, account_map)
        print(f"Added {deals.height:,} won deals to as many idle accounts")
        changed = org.with_opportunities(deals)
        runs.append(_run(emu, changed, RUN_NAMES[2], 2, child_args))

    return runs


def _seed(emu: Emulator, org: SyntheticOrg) -> Any:
    started = time.perf_counter()
    reported = {"records": 0}

    def progress(sobject: str, done: int) -> None:
        if done - reported["records"] >= _PROGRESS_EVERY or done < reported["records"]:
            reported["records"] = done
            print(f"  seeding: {done:,} {sobject} records", flush=True)

    account_map = load_emulator(emu, org, progress=progress)
    records = org.accounts.height + org.opportunities.height + org.leads.height
    seconds = time.perf_counter() - started
    print(
        f"Seeded the emulator with {records:,} records in {seconds:.0f} s "
        f"({records / seconds:,.0f} records/s)"
    )
    return account_map


def _run(
    emu: Emulator,
    org: SyntheticOrg,
    name: str,
    night: int,
    child_args: tuple[str, ...],
) -> OrgRun:
    """One pipeline process against the emulator, on the ``night``-th day."""
    emu.reset()
    now = org.now() + dt.timedelta(days=night)
    when = ["--as-of", org.shape.as_of.isoformat(), "--now", now.isoformat()]
    child = run_child(
        "benchmarks._pipeline_child",
        [*when, *child_args],
        env={**os.environ, **emu.env},
    )
    stats = emu.stats()
    stats.pop("writes_by_id", None)
    report = child.result["report"]
    print(
        f"{name}: {report['status']}, {report['records_changed']:,} records "
        f"changed, {stats['total_calls']:,} calls, {child.result['wall_s']:.1f} s"
    )

    return OrgRun(name, child, stats, org)
