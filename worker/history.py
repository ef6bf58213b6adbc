"""Run history in Redis: the last ``history_size`` runs of each org.

An entry is the run report as a dict (run id, who triggered it, start, end,
status, counts, API calls, failures, message) plus the task that ran it. A run
is recorded when it starts and again when it ends, under its run id, so a
retried or resumed run stays one entry.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from redis import Redis

from worker.report import RunReport

__all__ = ["RunHistory"]


class RunHistory:
    """Bounded run history of one org, newest first."""

    def __init__(self, client: Redis, org: str, *, size: int = 200) -> None:
        self.client = client
        self.org = org
        self.size = size
        self._order_key = f"mkp:{org}:runs"
        self._entries_key = f"mkp:{org}:runs:entries"

    def record(self, report: RunReport, **extra: Any) -> dict[str, Any]:
        """Insert or update the run's entry, then drop the oldest beyond the bound."""
        entry = {**report.to_dict(), **extra}
        started = _timestamp(report.started_at)

        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self._entries_key, report.run_id, json.dumps(entry))
            pipe.zadd(self._order_key, {report.run_id: started})
            pipe.execute()
        self._trim()

        return entry

    def get(self, run_id: str) -> dict[str, Any] | None:
        """The entry of one run, if it is still in the history."""
        raw = self.client.hget(self._entries_key, run_id)
        return json.loads(raw) if raw is not None else None

    def recent(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest entries first, at most ``limit`` of them."""
        end = (limit or self.size) - 1
        run_ids = cast("list[bytes]", self.client.zrevrange(self._order_key, 0, end))
        if not run_ids:
            return []
        raws = self.client.hmget(self._entries_key, run_ids)
        return [json.loads(raw) for raw in raws if raw is not None]

    def _trim(self) -> None:
        stale = self.client.zrange(self._order_key, 0, -(self.size + 1))
        if not stale:
            return
        with self.client.pipeline(transaction=True) as pipe:
            pipe.zrem(self._order_key, *stale)
            pipe.hdel(self._entries_key, *stale)
            pipe.execute()


def _timestamp(iso: str) -> float:
    moment = dt.datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()
