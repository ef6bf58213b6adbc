"""The tasks on a real worker process, real Redis and the Salesforce emulator."""

from __future__ import annotations

import re
from typing import Any

from redis import Redis
from worker_process import ORG, StartWorker, run_cli_here, seed_portfolio, worker_env

from connectors.salesforce_emulator import Emulator
from worker.history import RunHistory

RESEGMENT = "mkp.resegment"
BACKFILL = "mkp.backfill"


def _send(client_app: Any, task: str, **kwargs: Any) -> Any:
    return client_app.send_task(
        task, kwargs={"org": ORG, "triggered_by": "test", **kwargs}
    )


def test_resegment_task_writes_the_segments_and_mkp_runs_shows_it(
    sf_org: Emulator, client_app: Any, start_worker: StartWorker
) -> None:
    seed_portfolio(sf_org, accounts=30)
    env = worker_env(sf_org)
    start_worker(env)

    summary = _send(client_app, RESEGMENT).get(timeout=60)
    table = run_cli_here(env, "runs")

    assert summary["status"] == "succeeded"
    segments = [a["MKP_Segment__c"] for a in sf_org.records("Account")]
    assert len(segments) == 30
    assert all(segment in {str(n) for n in range(1, 10)} for segment in segments)
    assert table.exit_code == 0
    row = next(line for line in table.stdout.splitlines() if summary["run_id"] in line)
    assert "succeeded" in row


def test_second_resegment_of_the_same_local_date_is_skipped_as_done(
    sf_org: Emulator, client_app: Any, start_worker: StartWorker
) -> None:
    seed_portfolio(sf_org, accounts=10)
    start_worker(worker_env(sf_org))

    first = _send(client_app, RESEGMENT).get(timeout=60)
    calls_after_first = sf_org.stats()["api_calls"]
    second = _send(client_app, RESEGMENT).get(timeout=60)

    assert first["status"] == "succeeded"
    assert second["status"] == "skipped: already done"
    assert first["run_id"] in second["message"]
    assert sf_org.stats()["api_calls"] == calls_after_first


def test_three_resegments_sent_at_once_run_once_and_two_skip_naming_the_runner(
    sf_org: Emulator, client_app: Any, start_worker: StartWorker
) -> None:
    seed_portfolio(sf_org, accounts=20)
    start_worker(worker_env(sf_org), pool="prefork", concurrency=3)
    # Slow calls keep the first run busy while the other two arrive.
    sf_org.set_faults(
        {"faults": [{"kind": "latency", "operation": "*", "seconds": 0.2}]}
    )

    results = [_send(client_app, RESEGMENT) for _ in range(3)]
    summaries = [result.get(timeout=60) for result in results]

    statuses = sorted(summary["status"] for summary in summaries)
    assert statuses == ["skipped: already running"] * 2 + ["succeeded"]
    winner = next(s for s in summaries if s["status"] == "succeeded")
    for skipped in (s for s in summaries if s is not winner):
        assert winner["run_id"] in skipped["message"]
    stats = sf_org.stats()
    assert stats["written_more_than_once"] == []
    assert stats["records_written"].get("Account") == 20


def test_run_hitting_the_daily_api_limit_ends_budget_exhausted_without_retry(
    sf_org: Emulator, client_app: Any, start_worker: StartWorker, redis_db: Redis
) -> None:
    seed_portfolio(sf_org, accounts=10)
    worker = start_worker(worker_env(sf_org))
    sf_org.set_faults({"faults": [{"kind": "daily_limit", "after_calls": 3}]})

    result = _send(client_app, BACKFILL)
    summary = result.get(timeout=60)

    assert summary["status"] == "budget exhausted"
    assert result.state == "SUCCESS"
    entries = RunHistory(redis_db, ORG).recent()
    assert [(e["status"], e["attempts"]) for e in entries] == [("budget exhausted", 1)]
    assert " retry: " not in worker.log


def test_task_message_serialized_with_pickle_is_refused(
    sf_org: Emulator, client_app: Any, start_worker: StartWorker, redis_db: Redis
) -> None:
    seed_portfolio(sf_org, accounts=5)
    worker = start_worker(worker_env(sf_org))

    pickled = client_app.send_task(
        BACKFILL, kwargs={"org": ORG, "triggered_by": "pickle"}, serializer="pickle"
    )
    # Tasks run in order on one solo worker: once this one is done, the
    # pickled one before it has been dealt with.
    _send(client_app, BACKFILL).get(timeout=60)

    assert pickled.state == "PENDING"
    triggers = [e["triggered_by"] for e in RunHistory(redis_db, ORG).recent()]
    assert "pickle" not in triggers
    assert "untrusted content" in worker.log or "ContentDisallowed" in worker.log


def test_transient_fault_escaping_the_pipeline_is_retried_as_the_same_run(
    sf_org: Emulator, client_app: Any, start_worker: StartWorker, redis_db: Redis
) -> None:
    seed_portfolio(sf_org, accounts=10)
    # One attempt in the connector, so the fault reaches the task.
    start_worker(worker_env(sf_org, MKP_SALESFORCE__RETRY_ATTEMPTS="1"))
    sf_org.set_faults(
        {"faults": [{"kind": "http_503_json", "operation": "query", "call": 1}]}
    )

    summary = _send(client_app, BACKFILL).get(timeout=60)

    assert summary["status"] == "succeeded"
    entries = RunHistory(redis_db, ORG).recent()
    assert [(e["run_id"], e["attempts"]) for e in entries] == [(summary["run_id"], 2)]


def test_worker_logs_one_start_and_one_end_line_per_run_with_its_figures(
    sf_org: Emulator, client_app: Any, start_worker: StartWorker
) -> None:
    seed_portfolio(sf_org, accounts=12)
    worker = start_worker(worker_env(sf_org))

    summary = _send(client_app, RESEGMENT).get(timeout=60)

    run_id = summary["run_id"]
    lines = [line for line in worker.log.splitlines() if f"Run {run_id} " in line]
    [start] = [line for line in lines if " started for org " in line]
    [end] = [line for line in lines if f"Run {run_id} succeeded:" in line]
    assert f"org {ORG}" in start
    assert f"org={ORG}" in end
    assert "accounts=12 " in end
    assert re.search(r"written=12 .* api_calls=[1-9]\d* duration=\d+\.\ds$", end)
