"""No secret reaches a log line, the CLI's output or the run history."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from redis import Redis
from worker_process import (
    REDIS_URL,
    StartWorker,
    run_cli_here,
    seed_portfolio,
    worker_env,
)

from connectors.salesforce_emulator import Emulator


@pytest.fixture
def redis_password(redis_db: Redis) -> Iterator[tuple[str, str]]:
    """A Redis user with a sentinel password, removed afterwards."""
    user = f"mkp-test-{secrets.token_hex(4)}"
    password = f"sentinel-{secrets.token_hex(12)}"
    redis_db.execute_command(
        "ACL", "SETUSER", user, "on", f">{password}", "~*", "&*", "+@all"
    )
    yield user, password
    redis_db.execute_command("ACL", "DELUSER", user)


def _stored_values(redis_db: Redis) -> Iterator[bytes]:
    for key in redis_db.scan_iter():
        kind = redis_db.type(key)
        if kind == b"string":
            yield redis_db.get(key) or b""
        elif kind == b"hash":
            yield from redis_db.hvals(key)
        elif kind == b"list":
            yield from redis_db.lrange(key, 0, -1)


def test_sentinel_secrets_appear_in_no_log_output_or_stored_state(
    sf_org: Emulator,
    start_worker: StartWorker,
    redis_db: Redis,
    redis_password: tuple[str, str],
) -> None:
    seed_portfolio(sf_org, accounts=10)
    user, password = redis_password
    url = REDIS_URL.replace("redis://", f"redis://{user}:{password}@")
    env = worker_env(sf_org, MKP_BROKER_URL=url, MKP_RESULT_BACKEND=url)
    client_secret = sf_org.credentials["client_secret"]
    worker = start_worker(env, loglevel="DEBUG")

    waited = run_cli_here(env, "backfill", "--wait")
    failed = run_cli_here(env, "backfill", "--wait", "--csv", "/nonexistent/p.toml")
    listed = run_cli_here(env, "runs")

    captured = worker.log + waited.stdout + failed.stdout + listed.stdout
    assert [r.exit_code for r in (waited, failed, listed)] == [0, 1, 0]
    assert "succeeded" in captured
    assert "failed" in captured
    for sentinel in (password, client_secret):
        assert sentinel not in captured
        assert not any(sentinel.encode() in value for value in _stored_values(redis_db))
