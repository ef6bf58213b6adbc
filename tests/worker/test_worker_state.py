"""Checkpoints and done markers: what a redelivered task reuses."""

from __future__ import annotations

import datetime as dt
import ssl

from redis import Redis

from worker._state import Checkpoint, DoneMarkers, redis_ssl_options
from worker.settings import Settings

NOW = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)


def _checkpoint(run_id: str) -> Checkpoint:
    return Checkpoint(run_id=run_id, org="acme", now=NOW, as_of=NOW.date())


def test_first_delivery_stores_its_fresh_checkpoint(redis_db: Redis) -> None:
    checkpoint, resumed = Checkpoint.claim(redis_db, "task-1", _checkpoint("run-1"))

    assert (checkpoint.run_id, resumed) == ("run-1", False)


def test_redelivery_reuses_the_first_run_id_now_and_as_of(redis_db: Redis) -> None:
    Checkpoint.claim(redis_db, "task-1", _checkpoint("run-1"))
    later = Checkpoint(
        run_id="run-2",
        org="acme",
        now=NOW + dt.timedelta(hours=1),
        as_of=dt.date.today(),
    )

    checkpoint, resumed = Checkpoint.claim(redis_db, "task-1", later)

    assert resumed
    assert checkpoint == _checkpoint("run-1")


def test_dropped_checkpoint_lets_the_task_id_start_afresh(redis_db: Redis) -> None:
    Checkpoint.claim(redis_db, "task-1", _checkpoint("run-1"))
    Checkpoint.drop(redis_db, "task-1")

    checkpoint, resumed = Checkpoint.claim(redis_db, "task-1", _checkpoint("run-2"))

    assert (checkpoint.run_id, resumed) == ("run-2", False)


def test_done_marker_names_the_run_that_finished_the_date(redis_db: Redis) -> None:
    markers = DoneMarkers(redis_db, "acme")
    markers.mark(dt.date(2026, 3, 29), "run-1")

    assert markers.done_by(dt.date(2026, 3, 29)) == "run-1"
    assert markers.done_by(dt.date(2026, 3, 30)) is None
    assert DoneMarkers(redis_db, "globex").done_by(dt.date(2026, 3, 29)) is None


def test_tls_options_verify_the_server_certificate_by_default() -> None:
    options = redis_ssl_options(Settings(redis_ssl_ca_file="/etc/ssl/redis-ca.pem"))

    assert options == {
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
        "ssl_ca_certs": "/etc/ssl/redis-ca.pem",
    }
