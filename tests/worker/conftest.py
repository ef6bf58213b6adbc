"""Fixtures for the worker tests: a real Redis database and real worker processes.

Database 15 on 127.0.0.1:6379 (or ``TEST_REDIS_URL``) is flushed before and
after every test that uses it, so no test sees another's locks, history or
queued tasks. Workers are started per test, after the flush, and stopped
before the final flush.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from worker_process import ORG, REDIS_URL, StartWorker, WorkerProcess


@pytest.fixture
def redis_db() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def client_app(redis_db: Redis) -> Iterator[Any]:
    """A Celery app in the test process that sends tasks to the test database."""
    from worker.celery_app import create_app
    from worker.settings import Settings

    settings = Settings(broker_url=REDIS_URL, result_backend=REDIS_URL, org=ORG)
    app = create_app(settings)
    yield app
    app.close()


@pytest.fixture
def start_worker(redis_db: Redis, tmp_path: Path) -> Iterator[StartWorker]:
    """Start worker processes: ``start_worker(env, pool="prefork", concurrency=3)``."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], **options: Any) -> WorkerProcess:
        log = tmp_path / f"worker{len(started) + 1}.log"
        process = WorkerProcess(env, log, **options)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.kill()
