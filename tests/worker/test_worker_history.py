"""Run history per org in Redis: newest first, one entry per run, bounded."""

from __future__ import annotations

from redis import Redis

from worker.history import RunHistory
from worker.report import RunReport, RunStatus


def _report(run_id: str, started_at: str, status: RunStatus) -> RunReport:
    return RunReport(
        run_id=run_id,
        org="acme",
        triggered_by="schedule",
        started_at=started_at,
        status=status,
    )


def test_recent_lists_runs_newest_first(redis_db: Redis) -> None:
    history = RunHistory(redis_db, "acme")
    history.record(_report("a", "2026-01-01T02:30:00+00:00", RunStatus.SUCCEEDED))
    history.record(_report("b", "2026-01-02T02:30:00+00:00", RunStatus.FAILED))

    assert [entry["run_id"] for entry in history.recent()] == ["b", "a"]


def test_recording_a_run_again_updates_its_one_entry(redis_db: Redis) -> None:
    history = RunHistory(redis_db, "acme")
    history.record(_report("a", "2026-01-01T02:30:00+00:00", RunStatus.RUNNING))
    history.record(_report("a", "2026-01-01T02:30:00+00:00", RunStatus.SUCCEEDED))

    entries = history.recent()

    assert [(e["run_id"], e["status"]) for e in entries] == [("a", "succeeded")]


def test_history_keeps_only_the_newest_entries_up_to_its_size(
    redis_db: Redis,
) -> None:
    history = RunHistory(redis_db, "acme", size=3)
    for day in range(1, 6):
        started = f"2026-01-0{day}T02:30:00+00:00"
        history.record(_report(f"run-{day}", started, RunStatus.SUCCEEDED))

    kept = [entry["run_id"] for entry in history.recent()]

    assert kept == ["run-5", "run-4", "run-3"]
    assert history.get("run-1") is None


def test_entry_carries_the_report_and_the_task_that_ran_it(redis_db: Redis) -> None:
    history = RunHistory(redis_db, "acme")
    report = _report("a", "2026-01-01T02:30:00+00:00", RunStatus.BUDGET_EXHAUSTED)
    report.api_calls = 42

    history.record(report, task="resegment", task_id="t-1")
    entry = history.get("a")

    assert entry is not None
    assert entry["status"] == "budget exhausted"
    assert entry["api_calls"] == 42
    assert entry["task_id"] == "t-1"
    assert RunReport.from_dict(entry).status is RunStatus.BUDGET_EXHAUSTED


def test_histories_of_two_orgs_are_separate(redis_db: Redis) -> None:
    RunHistory(redis_db, "acme").record(
        _report("a", "2026-01-01T02:30:00+00:00", RunStatus.SUCCEEDED)
    )

    assert RunHistory(redis_db, "globex").recent() == []
