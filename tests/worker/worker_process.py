"""Real Celery worker processes and the CLI, run as subprocesses for the tests."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis import Redis

from connectors.salesforce_emulator import Emulator
from worker.history import RunHistory

REPO = Path(__file__).resolve().parents[2]
# Flushed before and after every test: two suites sharing one database wipe
# each other's queued tasks, locks and history, so a second checkout on the
# same Redis sets TEST_REDIS_URL to a database of its own.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# An org (and so a task queue, "mkp.<org>") of this test session's own, so
# another session's workers on the same Redis never take these tasks.
ORG = f"acme-{os.getpid()}"
_READY_TIMEOUT_S = 30.0


def worker_env(emulator: Emulator | None, **overrides: str) -> dict[str, str]:
    """Environment of a worker or CLI process: test Redis, the emulator, short TTLs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MKP_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "COLUMNS": "200",
            "MKP_ORG": ORG,
            "MKP_BROKER_URL": REDIS_URL,
            "MKP_RESULT_BACKEND": REDIS_URL,
            "MKP_LOCK_TTL_S": "3",
            "MKP_RETRY_BACKOFF_S": "1",
            "MKP_RUN_SOFT_TIME_LIMIT_S": "40",
            "MKP_RUN_TIME_LIMIT_S": "45",
            "MKP_VISIBILITY_TIMEOUT_S": "50",
            "MKP_SHUTDOWN_GRACE_S": "0",
        }
    )
    if emulator is not None:
        env.update(emulator.env)
    env.update(overrides)
    return env


class WorkerProcess:
    """``celery -A worker worker`` in a subprocess, logging to a file."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        pool: str = "solo",
        concurrency: int = 1,
        loglevel: str = "INFO",
    ) -> None:
        self.env = env
        self.log_path = log_path
        self.args = [
            sys.executable, "-m", "celery", "-A", "worker", "worker",
            f"--pool={pool}", f"--concurrency={concurrency}",
            f"--loglevel={loglevel}", f"--hostname={log_path.stem}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        """Start and wait until the worker consumes from the queue."""
        with self.log_path.open("ab") as log:
            # A session of its own, so the worker and its pool children can
            # be killed together.
            self.process = subprocess.Popen(
                self.args,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while " ready." not in self.log:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log}")
            time.sleep(0.05)
        return self

    @property
    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the worker and its children: no shutdown, no acknowledgement."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def run_cli_here(env: dict[str, str], *args: str) -> Any:
    """``mkp ARGS`` in this process, with ``env`` as its environment."""
    from typer.testing import CliRunner

    from worker.cli import app

    return CliRunner().invoke(app, list(args), env=env)


def start_cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``mkp ARGS`` started in a subprocess, its output readable as it comes."""
    command = [sys.executable, "-c", "from worker.cli import app; app()", *args]
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_history(
    client: Redis, done: Callable[[dict[str, Any]], bool], timeout_s: float = 60
) -> dict[str, Any]:
    """The newest history entry of the test org, once ``done`` says it is."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        entries = RunHistory(client, ORG).recent(1)
        if entries and done(entries[0]):
            return entries[0]
        time.sleep(0.1)
    raise AssertionError(f"no finished run in the history after {timeout_s}s")


def run_cli(env: dict[str, str], *args: str, timeout: float = 90) -> Any:
    """``mkp ARGS`` in a subprocess; returns the completed process."""
    command = [sys.executable, "-c", "from worker.cli import app; app()", *args]
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def seed_portfolio(emulator: Emulator, accounts: int) -> list[str]:
    """Accounts in three industries, each with won deals in the last year."""
    today = dt.date.today()
    industries = ("Technology", "Retail", "Finance")
    ids = emulator.insert(
        "Account",
        [
            {
                "Name": f"Account {n:04d}",
                "Industry": industries[n % 3],
                "NumberOfEmployees": 50 + 37 * n,
                "AnnualRevenue": 1_000_000.0 + 25_000.0 * n,
            }
            for n in range(accounts)
        ],
    )
    deals = [
        {
            "Name": f"Deal {n}-{k}",
            "AccountId": account_id,
            "Amount": 1000.0 * ((n * 7 + k * 3) % 40 + 1),
            "StageName": "Closed Won",
            "CloseDate": (today - dt.timedelta(days=20 + 50 * k + n % 30)).isoformat(),
        }
        for n, account_id in enumerate(ids)
        for k in range(2)
        if (n + k) % 5
    ]
    emulator.insert("Opportunity", deals)
    return ids


StartWorker = Callable[..., WorkerProcess]
