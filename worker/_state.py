"""Run state kept in Redis beside the broker: checkpoints and done markers.

A checkpoint pins what must not change when a task is delivered again (after
a worker died, or for a retry): the run id, the run's ``now`` and ``as_of``.
It is keyed by the Celery task id, which every redelivery and retry keeps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import ssl
from typing import Any

from redis import Redis

from worker.settings import Settings

__all__ = ["Checkpoint", "DoneMarkers", "redis_ssl_options", "state_client"]

_CHECKPOINT_TTL = dt.timedelta(days=7)
_DONE_TTL = dt.timedelta(days=3)
_CERT_REQS = {
    "required": ssl.CERT_REQUIRED,
    "optional": ssl.CERT_OPTIONAL,
    "none": ssl.CERT_NONE,
}


def redis_ssl_options(settings: Settings) -> dict[str, Any]:
    """TLS options for ``rediss://`` URLs, in the shape Celery and redis-py take."""
    options: dict[str, Any] = {
        "ssl_cert_reqs": _CERT_REQS[settings.redis_ssl_cert_reqs]
    }
    if settings.redis_ssl_ca_file is not None:
        options["ssl_ca_certs"] = str(settings.redis_ssl_ca_file)
    return options


def state_client(settings: Settings) -> Redis:
    """A client for the broker's Redis, where locks, history and checkpoints live."""
    url = settings.broker_url.get_secret_value()
    tls = redis_ssl_options(settings) if url.startswith("rediss://") else {}
    return Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30, **tls)


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """What a redelivered task reuses: the run id, its ``now`` and ``as_of``."""

    run_id: str
    org: str
    now: dt.datetime
    as_of: dt.date

    @staticmethod
    def key(task_id: str) -> str:
        return f"mkp:checkpoint:{task_id}"

    @classmethod
    def claim(
        cls, client: Redis, task_id: str, fresh: Checkpoint
    ) -> tuple[Checkpoint, bool]:
        """The task's checkpoint, storing ``fresh`` if there is none yet.

        Returns the checkpoint and whether it already existed (a resumed run).
        """
        key = cls.key(task_id)
        if client.set(key, fresh.to_json(), nx=True, ex=_CHECKPOINT_TTL):
            return fresh, False
        stored = client.get(key)
        if stored is None:
            return fresh, False
        return cls.from_json(stored), True

    @classmethod
    def drop(cls, client: Redis, task_id: str) -> None:
        client.delete(cls.key(task_id))

    def to_json(self) -> str:
        return json.dumps(
            {
                "run_id": self.run_id,
                "org": self.org,
                "now": self.now.isoformat(),
                "as_of": self.as_of.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Checkpoint:
        data = json.loads(raw)
        return cls(
            run_id=data["run_id"],
            org=data["org"],
            now=dt.datetime.fromisoformat(data["now"]),
            as_of=dt.date.fromisoformat(data["as_of"]),
        )


class DoneMarkers:
    """Which local run dates already have a finished resegmentation, per org."""

    def __init__(self, client: Redis, org: str) -> None:
        self.client = client
        self.org = org

    def key(self, run_date: dt.date) -> str:
        return f"mkp:{self.org}:resegmented:{run_date.isoformat()}"

    def done_by(self, run_date: dt.date) -> str | None:
        """The run id that finished this date's resegmentation, if any."""
        value = self.client.get(self.key(run_date))
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    def mark(self, run_date: dt.date, run_id: str) -> None:
        self.client.set(self.key(run_date), run_id, ex=_DONE_TTL)
