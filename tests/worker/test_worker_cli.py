"""``mkp backfill --wait`` and ``mkp runs`` against a real worker."""

from __future__ import annotations

import json
import re
import signal
import socket
import time

import pytest
from redis import Redis
from worker_process import (
    ORG,
    StartWorker,
    run_cli,
    run_cli_here,
    seed_portfolio,
    start_cli,
    wait_for_history,
    worker_env,
)

from connectors.salesforce_emulator import Emulator
from worker.history import RunHistory
from worker.report import RunReport, RunStatus


def test_backfill_wait_shows_progress_then_the_summary_and_exits_zero(
    sf_org: Emulator, start_worker: StartWorker
) -> None:
    seed_portfolio(sf_org, accounts=20)
    env = worker_env(sf_org)
    start_worker(env)

    done = run_cli_here(env, "backfill", "--wait")

    assert done.exit_code == 0, done.stdout
    assert "queued as task" in done.stdout
    assert re.search(r"Run \S+: (read|score|write)\n", done.stdout)
    assert re.search(r"Run \S+: succeeded; 20 accounts", done.stdout)


def test_backfill_wait_exits_non_zero_when_the_run_fails(
    sf_org: Emulator, start_worker: StartWorker
) -> None:
    env = worker_env(sf_org)
    start_worker(env)

    done = run_cli_here(env, "backfill", "--wait", "--csv", "/nonexistent/profile.toml")

    assert done.exit_code == 1
    assert re.search(r"Run \S+: failed", done.stdout)


def test_backfill_wait_names_the_queue_when_no_worker_takes_the_task(
    redis_db: Redis,
) -> None:
    env = worker_env(None, MKP_ORG="served-by-no-worker")

    waiting = start_cli(env, "backfill", "--wait")
    time.sleep(13)  # the hint comes after 10 s without a worker
    waiting.send_signal(signal.SIGINT)
    stdout, _ = waiting.communicate(timeout=30)

    assert "No worker has taken the task from queue mkp.served-by-no-worker" in (
        " ".join(stdout.split())
    )
    assert waiting.returncode == 130


def test_a_backfill_as_of_outside_the_supported_calendar_is_refused_before_queueing(
    redis_db: Redis,
) -> None:
    refused = run_cli_here(worker_env(None), "backfill", "--as-of", "1899-12-31")

    assert refused.exit_code == 2
    assert "--as-of: invalid policy: as_of" in refused.output
    assert redis_db.keys("*") == []


def _unreachable_redis_env() -> dict[str, str]:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://:s3cret-pw@127.0.0.1:{port}/0"
    return worker_env(None, MKP_BROKER_URL=url, MKP_RESULT_BACKEND=url)


@pytest.mark.parametrize("command", ["runs", "backfill"])
def test_a_redis_that_does_not_answer_is_named_in_one_line_without_its_password(
    command: str,
) -> None:
    done = run_cli_here(_unreachable_redis_env(), command)

    assert done.exit_code == 1
    assert "Redis at redis://:***@127.0.0.1:" in done.output
    assert "does not answer" in done.output
    assert "s3cret-pw" not in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)


def test_runs_says_so_when_no_run_is_recorded(redis_db: Redis) -> None:
    done = run_cli_here(worker_env(None), "runs")

    assert done.exit_code == 0
    assert f"No runs recorded for org {ORG}" in done.stdout


def test_runs_json_lists_history_entries_newest_first(redis_db: Redis) -> None:
    history = RunHistory(redis_db, ORG)
    for day in (1, 2):
        started = f"2026-01-0{day}T02:30:00+00:00"
        report = RunReport(run_id=f"run-{day}", org=ORG, triggered_by="test",
                           started_at=started, status=RunStatus.SUCCEEDED)  # fmt: skip
        history.record(report, task="resegment")

    done = run_cli_here(worker_env(None), "runs", "--json", "--limit", "1")

    assert done.exit_code == 0
    entries = json.loads(done.stdout)
    assert [(e["run_id"], e["task"]) for e in entries] == [("run-2", "resegment")]


def test_runs_shows_a_running_run_that_lost_its_lock_as_interrupted(
    redis_db: Redis,
) -> None:
    report = RunReport(run_id="run-1", org=ORG, triggered_by="test",
                       started_at="2026-01-01T02:30:00+00:00")  # fmt: skip
    RunHistory(redis_db, ORG).record(report, task="backfill")

    done = run_cli_here(worker_env(None), "runs")

    row = next(line for line in done.stdout.splitlines() if "run-1" in line)
    assert "interrupted" in row


def test_runs_fits_100_columns_with_whole_ids_statuses_and_as_of_dates(
    redis_db: Redis,
) -> None:
    report = RunReport(
        run_id="20260101T023000Z-0a1b2c",
        org=ORG,
        triggered_by="test",
        started_at="2026-01-01T02:30:00+00:00",
        as_of="2025-12-31",
        status=RunStatus.BUDGET_EXHAUSTED,
        finished_at="2026-01-01T03:00:00+00:00",
        message="stopped at the API budget: 15000 of 15000 calls used",
    )
    RunHistory(redis_db, ORG).record(report, task="backfill")

    done = run_cli(worker_env(None, COLUMNS="100"), "runs")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert "…" not in done.stdout
    row = next(line for line in lines if "budget exhausted" in line)
    assert row.split()[:4] == [
        "20260101T023000Z-0a1b2c",
        "backfill",
        "budget",
        "exhausted",
    ]
    assert "2025-12-31" in row
    assert "stopped at the API budget: 15000 of 15000 calls used" in done.stdout


def test_mkp_beat_hands_its_options_to_celery_beat() -> None:
    done = run_cli(worker_env(None), "beat", "--help")

    assert done.returncode == 0
    assert "--schedule" in done.stdout


def test_ctrl_c_stops_waiting_but_not_the_backfill(
    sf_org: Emulator, start_worker: StartWorker, redis_db: Redis
) -> None:
    seed_portfolio(sf_org, accounts=20)
    env = worker_env(sf_org, PYTHONUNBUFFERED="1")
    start_worker(env)
    sf_org.set_faults(
        {"faults": [{"kind": "latency", "operation": "*", "seconds": 0.1}]}
    )

    waiting = start_cli(env, "backfill", "--wait")
    assert waiting.stdout is not None
    assert "queued as task" in waiting.stdout.readline()
    waiting.send_signal(signal.SIGINT)
    _, stderr = waiting.communicate(timeout=30)
    finished = wait_for_history(redis_db, lambda e: e["status"] != "running")

    assert waiting.returncode == 130
    assert "the backfill goes on" in stderr
    assert finished["status"] == "succeeded"
