"""One run at a time per org: a Redis lock whose value is the holding run's id.

The lock expires ``ttl_s`` after its last renewal, and a heartbeat thread
renews it every third of that while the run lives. A worker that dies (kill,
lost node) stops renewing, so the org is free again within one TTL and no
operator has to clear anything.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

__all__ = ["RunLock", "lock_holder", "lock_key"]

logger = logging.getLogger(__name__)


def lock_key(org: str) -> str:
    """The Redis key holding the id of the run that owns the org."""
    return f"mkp:{org}:lock"


def lock_holder(client: Redis, org: str) -> str | None:
    """The id of the run holding the org's lock now, if any."""
    value = client.get(lock_key(org))
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


class RunLock:
    """The per-org lock for one run, held under the run's id.

    Use ``acquire`` / ``release``, or ``with`` once ``acquire`` succeeded.
    """

    def __init__(self, client: Redis, org: str, run_id: str, *, ttl_s: float) -> None:
        self.client = client
        self.org = org
        self.run_id = run_id
        self.ttl_s = ttl_s
        # Not thread-local: the heartbeat thread renews with the same token.
        self._lock = Lock(client, lock_key(org), timeout=ttl_s, thread_local=False)
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def acquire(self, wait_s: float = 0.0) -> bool:
        """Take the lock, waiting up to ``wait_s``; on success start renewing it."""
        acquired = self._lock.acquire(
            blocking=wait_s > 0,
            blocking_timeout=wait_s or None,
            token=self.run_id,
        )
        if acquired:
            self._start_heartbeat()
        return bool(acquired)

    def holder(self) -> str | None:
        """The run id holding the org's lock now, if any."""
        return lock_holder(self.client, self.org)

    def release(self) -> None:
        """Stop renewing and free the org, unless the lock was already lost."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
        try:
            self._lock.release()
        except LockError:
            logger.warning(
                "Run %s no longer held the lock of org %s at its end",
                self.run_id,
                self.org,
            )
        except RedisError as exc:
            # The TTL frees the org soon anyway; the run's outcome matters more.
            logger.warning(
                "Run %s could not release the lock of org %s: %s",
                self.run_id,
                self.org,
                type(exc).__name__,
            )

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._heartbeat = threading.Thread(
            target=self._renew_until_stopped,
            name=f"mkp-lock-{self.org}",
            daemon=True,
        )
        self._heartbeat.start()

    def _renew_until_stopped(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            try:
                self._lock.reacquire()
            except LockError:
                logger.error(
                    "Run %s lost the lock of org %s: another run may start",
                    self.run_id,
                    self.org,
                )
                return
            except RedisError as exc:
                # A blip is survivable: the lock outlives two missed renewals.
                logger.warning(
                    "Run %s could not renew the lock of org %s: %s",
                    self.run_id,
                    self.org,
                    type(exc).__name__,
                )
