"""Three orgs on two worker processes: do their nightly runs overlap, and what
does each org's run cost it in API calls?

Three synthetic orgs of different sizes, each in an emulator of its own
process, are declared in one orgs file; two Celery worker processes (solo
pool, one run each at a time) serve them from one queue, as a deployment
would. The benchmark sends each org's nightly resegmentation the way beat
does (one entry per org) and waits for all three. It prints each run's start
and end (seconds after the tasks were sent), the worker that ran it, how long
runs overlapped, and each org's API calls as its own emulator counted them.

Needs a Redis on loopback (``--redis-url``, default DB 15). Keys, queue and
org names carry this process's id, and only those keys are removed at the
end, so the benchmark shares the database with anything else::

    python -m benchmarks.multi_org            # orgs of 6k, 4k and 2k accounts
    python -m benchmarks.multi_org --large    # 60k, 40k and 20k
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import requests
from redis import Redis

from benchmarks._measure import ROOT, emit, machine, print_table
from benchmarks.generate import AS_OF, OrgShape
from worker.history import RunHistory
from worker.orgs import org_env_prefix

__all__ = ["main"]

QUICK_ACCOUNTS = 6_000
LARGE_ACCOUNTS = 60_000
# The three orgs' sizes as shares of --accounts, so the runs differ in length.
ORG_SHARES = (1.0, 2 / 3, 1 / 3)
DEALS_PER_ACCOUNT = 10
WORKERS = 2
_READY_TIMEOUT_S = 3600.0
_RUN_TIMEOUT_S = 4 * 3600.0
# Celery's log line prefix: "[2026-01-01 02:30:00,123: INFO/MainProcess] ".
_LOG_TIME = r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): \w+/\w+\] "


@dataclasses.dataclass(frozen=True)
class BenchOrg:
    """One org: its name, its shape and how to reach its emulator."""

    name: str
    shape: OrgShape
    ready: dict[str, Any]

    @property
    def instance_url(self) -> str:
        return str(self.ready["instance_url"])

    def admin(self, method: str, path: str) -> Any:
        """Call the emulator's admin API (``/_emulator/...``)."""
        url = f"{self.instance_url}/_emulator/{path}"
        answer = requests.request(method, url, verify=self.ready["ca_file"], timeout=60)
        answer.raise_for_status()
        return answer.json()


def main(argv: list[str] | None = None) -> None:
    """Run three orgs' nightly resegmentations on two workers and print the costs."""
    args = _arguments(argv)
    base = args.accounts or (LARGE_ACCOUNTS if args.large else QUICK_ACCOUNTS)
    token = f"bench-{os.getpid()}"
    shapes = [
        OrgShape(
            accounts=round(base * share),
            opportunities=round(base * share) * DEALS_PER_ACCOUNT,
            seed=args.seed + n,
        )
        for n, share in enumerate(ORG_SHARES)
    ]
    print(f"Multi-org: {len(shapes)} orgs on {WORKERS} worker processes")

    with TemporaryDirectory(prefix="mkp-multi-org-") as folder, ExitStack() as stack:
        figures = _measure(stack, Path(folder), shapes, token, args.redis_url)
    _print(figures)
    emit("multi_org", {**figures, "machine": machine()})


def _measure(
    stack: ExitStack, folder: Path, shapes: list[OrgShape], token: str, redis_url: str
) -> dict[str, Any]:
    orgs = _start_emulators(stack, folder, shapes, token)
    env = _worker_env(folder, orgs, token, redis_url)
    logs = [_start_worker(stack, env, folder / f"worker{n}.log") for n in (1, 2)]
    redis = Redis.from_url(redis_url)
    stack.callback(redis.close)
    stack.callback(_forget, redis, token)

    for org in orgs:
        org.admin("POST", "reset")
    sent_at = dt.datetime.now()
    summaries = _send_nightly(env, orgs, token)
    runs = [
        _run_figures(org, summary, redis, logs, sent_at)
        for org, summary in zip(orgs, summaries, strict=True)
    ]

    return {"orgs": len(orgs), "workers": WORKERS, "runs": runs, **_overlap(runs)}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Three orgs on two workers")
    parser.add_argument("--accounts", type=int, help="accounts of the largest org")
    parser.add_argument(
        "--large", action="store_true", help="orgs of 60k, 40k and 20k accounts"
    )
    parser.add_argument("--seed", type=int, default=OrgShape.seed)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    return parser.parse_args(argv)


def _start_emulators(
    stack: ExitStack, folder: Path, shapes: list[OrgShape], token: str
) -> list[BenchOrg]:
    """One emulator process per org, seeded in parallel; waits until all serve."""
    pending = []
    for n, shape in enumerate(shapes):
        ready_file = folder / f"emulator{n}.json"
        process = subprocess.Popen(
            [
                sys.executable, "-m", "benchmarks._org_emulator",
                "--accounts", str(shape.accounts),
                "--opportunities", str(shape.opportunities),
                "--seed", str(shape.seed), "--ready-file", str(ready_file),
            ],
            cwd=ROOT,
        )  # fmt: skip
        stack.callback(_stop, process)
        pending.append((f"org{n + 1}-{token}", shape, ready_file, process))

    print("Seeding one emulator per org ...", flush=True)
    orgs = [
        BenchOrg(name, shape, _wait_for_ready(ready_file, process))
        for name, shape, ready_file, process in pending
    ]
    for org in orgs:
        print(
            f"  {org.name}: {org.shape.accounts:,} accounts, "
            f"{org.shape.opportunities:,} opportunities, {org.shape.lead_count:,} "
            f"leads, seeded in {org.ready['seeded_s']} s"
        )
    return orgs


def _wait_for_ready(path: Path, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the emulator for {path.stem} did not start")
        time.sleep(0.2)
    ready: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return ready


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _orgs_file(folder: Path, orgs: list[BenchOrg]) -> Path:
    tables = [
        f"[orgs.{org.name}.salesforce]\n"
        f'login_url = "{org.ready["login_url"]}"\n'
        f'client_id = "{org.ready["credentials"]["client_id"]}"\n'
        f'ca_bundle = "{org.ready["ca_file"]}"\n'
        for org in orgs
    ]
    path = folder / "orgs.toml"
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def _worker_env(
    folder: Path, orgs: list[BenchOrg], token: str, redis_url: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MKP_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "MKP_BROKER_URL": redis_url,
            "MKP_RESULT_BACKEND": redis_url,
            "MKP_QUEUE": f"mkp.{token}",
            "MKP_ORGS_FILE": str(_orgs_file(folder, orgs)),
            "MKP_SNAPSHOT_DIR": str(folder / "snapshots"),
        }
    )
    for org in orgs:
        variable = f"{org_env_prefix(org.name)}SALESFORCE__CLIENT_SECRET"
        env[variable] = org.ready["credentials"]["client_secret"]
    return env


def _start_worker(stack: ExitStack, env: dict[str, str], log_path: Path) -> Path:
    command = [
        sys.executable, "-m", "celery", "-A", "worker", "worker",
        "--pool=solo", "--concurrency=1", "--loglevel=INFO",
        f"--hostname={log_path.stem}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    stack.callback(_stop, process)

    deadline = time.monotonic() + 60
    while " ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start; see {log_path}")
        time.sleep(0.1)
    return log_path


def _send_nightly(
    env: dict[str, str], orgs: list[BenchOrg], token: str
) -> list[dict[str, Any]]:
    """Send every beat entry at once, as if all orgs' local times had come."""
    from worker.celery_app import create_app
    from worker.settings import Settings

    settings = Settings(
        broker_url=env["MKP_BROKER_URL"],
        result_backend=env["MKP_RESULT_BACKEND"],
        queue=env["MKP_QUEUE"],
        orgs_file=Path(env["MKP_ORGS_FILE"]),
    )
    app = create_app(settings)
    options = {"as_of": AS_OF.isoformat()}
    results: list[Any] = []
    try:
        results = [
            app.send_task(entry["task"], kwargs={**entry["kwargs"], "options": options})
            for entry in app.conf.beat_schedule.values()
        ]
        print(f"Sent {len(results)} nightly resegmentations ...", flush=True)
        return [result.get(timeout=_RUN_TIMEOUT_S) for result in results]
    finally:
        for result in results:
            result.forget()
        app.close()


def _run_figures(
    org: BenchOrg,
    summary: dict[str, Any],
    redis: Redis,
    logs: list[Path],
    sent_at: dt.datetime,
) -> dict[str, Any]:
    entry = RunHistory(redis, org.name).get(summary["run_id"]) or {}
    worker, started = _run_start(logs, summary["run_id"])
    start_s = (started - sent_at).total_seconds() if started else None
    duration_s = float(entry.get("duration_s", 0.0))
    stats = org.admin("GET", "stats")

    return {
        "org": org.name,
        "accounts": org.shape.accounts,
        "opportunities": org.shape.opportunities,
        "status": summary["status"],
        "worker": worker,
        "start_s": round(start_s, 2) if start_s is not None else None,
        "end_s": round(start_s + duration_s, 2) if start_s is not None else None,
        "duration_s": round(duration_s, 2),
        "records_written": int(entry.get("records_written", 0)),
        # Every request the org's emulator answered, and those of them it
        # charged to the org's daily API allowance.
        "calls_emulator": int(stats["total_calls"]),
        "charged_calls_emulator": int(stats["api_calls"]),
        "calls_report": int(entry.get("api_calls", 0)),
        "calls_by_operation": dict(sorted(stats["calls"].items())),
    }


def _run_start(logs: list[Path], run_id: str) -> tuple[str, dt.datetime | None]:
    """Which worker logged the run's start, and when (to the millisecond)."""
    pattern = re.compile(_LOG_TIME + re.escape(f"Run {run_id} started"), re.M)
    for log in logs:
        found = pattern.search(log.read_text(errors="replace"))
        if found:
            moment = dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f")
            return log.stem, moment
    return "?", None


def _overlap(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds each pair of runs ran at the same time, and runs at a time."""
    timed = [run for run in runs if run["start_s"] is not None]
    pairs = {
        f"{a['org']} & {b['org']}": round(
            max(0.0, min(a["end_s"], b["end_s"]) - max(a["start_s"], b["start_s"])), 2
        )
        for i, a in enumerate(timed)
        for b in timed[i + 1 :]
    }
    span_s = max((r["end_s"] for r in timed), default=0.0) - min(
        (r["start_s"] for r in timed), default=0.0
    )
    busy_s = sum(run["duration_s"] for run in timed)

    return {
        "overlap_s": pairs,
        "span_s": round(span_s, 2),
        "runs_at_a_time": round(busy_s / span_s, 2) if span_s else 0.0,
    }


def _forget(redis: Redis, token: str) -> None:
    """Remove this benchmark's keys, and only those, from the shared database."""
    keys = list(redis.scan_iter(match=f"*{token}*"))
    if keys:
        redis.delete(*keys)


def _print(figures: dict[str, Any]) -> None:
    runs = figures["runs"]
    print()
    print_table(
        ["org", "accounts", "worker", "start s", "end s", "status", "written", "calls"],
        [
            [
                run["org"],
                run["accounts"],
                run["worker"],
                run["start_s"],
                run["end_s"],
                run["status"],
                run["records_written"],
                run["calls_emulator"],
            ]
            for run in runs
        ],
    )
    print()
    print("API calls by operation, as each org's own emulator counted them:")
    for run in runs:
        calls = ", ".join(f"{op} {n:,}" for op, n in run["calls_by_operation"].items())
        print(f"  {run['org']}: {calls}")
    print()
    for pair, seconds in figures["overlap_s"].items():
        print(f"Overlap {pair}: {seconds:.2f} s")
    print(
        f"All runs within {figures['span_s']:.2f} s: "
        f"{figures['runs_at_a_time']:.2f} runs at a time on average "
        f"({figures['workers']} workers)"
    )


if __name__ == "__main__":
    main()
