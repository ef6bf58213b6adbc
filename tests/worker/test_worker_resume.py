"""A backfill whose worker is killed mid-write resumes on another worker."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from redis import Redis
from worker_process import ORG, StartWorker, seed_portfolio, worker_env

from connectors import SalesforceConnector, SalesforceSettings
from connectors.salesforce_emulator import Emulator, EmulatorConfig
from mkp_core import Policy
from worker.history import RunHistory
from worker.pipeline import RunOptions, run_pipeline

ACCOUNTS = 600
WRITE_BATCH = 200  # records per sObject Collections call
MKP_FIELDS = (
    "MKP_Segment__c",
    "MKP_Segment_Name__c",
    "MKP_Potential__c",
    "MKP_Potential_Level__c",
    "MKP_Progress_Level__c",
    "MKP_Wallet_Share__c",
    "MKP_Next_Action__c",
    "MKP_Segment_Changed_At__c",
    "MKP_Previous_Segment__c",
)


def _values_by_name(emulator: Emulator) -> dict[str, tuple[Any, ...]]:
    return {
        row["Name"]: tuple(row.get(field) for field in MKP_FIELDS)
        for row in emulator.records("Account")
    }


def _connector_for(emulator: Emulator) -> SalesforceConnector:
    prefix = "MKP_SALESFORCE__"
    values = {k.removeprefix(prefix).lower(): v for k, v in emulator.env.items()}
    return SalesforceConnector(SalesforceSettings(**values))


def _clean_run(now: dt.datetime, as_of: dt.date) -> dict[str, tuple[Any, ...]]:
    """The same portfolio scored once, without interruption, in a second org."""
    with Emulator(EmulatorConfig()) as clean:
        seed_portfolio(clean, accounts=ACCOUNTS)
        policy = Policy().model_copy(update={"as_of": as_of})
        options = RunOptions(org=ORG, triggered_by="test")
        run_pipeline(_connector_for(clean), policy, options, now=now)
        return _values_by_name(clean)


def _wait_for_writes(emulator: Emulator, records: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while emulator.stats()["records_written"].get("Account", 0) < records:
        assert time.monotonic() < deadline, "the backfill never started writing"
        time.sleep(0.05)


def test_backfill_killed_mid_write_completes_on_a_new_worker_writing_once(
    sf_org: Emulator, client_app: Any, start_worker: StartWorker, redis_db: Redis
) -> None:
    seed_portfolio(sf_org, accounts=ACCOUNTS)
    # A short visibility timeout so the killed worker's task is handed out
    # again within the test; the solo pool runs no time limits.
    env = worker_env(
        sf_org,
        MKP_RUN_SOFT_TIME_LIMIT_S="1",
        MKP_RUN_TIME_LIMIT_S="2",
        MKP_VISIBILITY_TIMEOUT_S="3",
    )
    slow_writes = {"kind": "latency", "operation": "collections_update", "seconds": 0.4}
    sf_org.set_faults({"faults": [slow_writes]})
    first = start_worker(env)

    sent_at = time.monotonic()
    result = client_app.send_task(
        "mkp.backfill", kwargs={"org": ORG, "triggered_by": "test"}
    )
    _wait_for_writes(sf_org, WRITE_BATCH)
    first.kill()
    interrupted = RunHistory(redis_db, ORG).recent()
    time.sleep(max(0.0, sent_at + 3.5 - time.monotonic()))
    second = start_worker(env)
    summary = result.get(timeout=60)

    assert [e["status"] for e in interrupted] == ["running"]
    assert summary["status"] == "succeeded"
    assert summary["run_id"] == interrupted[0]["run_id"]
    assert f"Run {summary['run_id']} resumed" in second.log
    stats = sf_org.stats()
    assert len(stats["written_more_than_once"]) <= WRITE_BATCH
    assert len(stats["writes_by_id"]) == ACCOUNTS
    entry = RunHistory(redis_db, ORG).get(summary["run_id"])
    assert entry is not None
    now = dt.datetime.fromisoformat(entry["started_at"])
    expected = _clean_run(now, dt.date.fromisoformat(entry["as_of"]))
    assert _values_by_name(sf_org) == expected
