"""The per-org run lock: one holder, named; renewed while held; freed on death."""

from __future__ import annotations

import time

from redis import Redis

from worker.lock import RunLock, lock_key


def test_second_run_of_an_org_cannot_take_the_lock_and_sees_the_holder(
    redis_db: Redis,
) -> None:
    first = RunLock(redis_db, "acme", "run-1", ttl_s=5)
    second = RunLock(redis_db, "acme", "run-2", ttl_s=5)

    with first:
        assert first.acquire()
        taken = second.acquire()
        holder = second.holder()

    assert not taken
    assert holder == "run-1"


def test_runs_of_different_orgs_do_not_block_each_other(redis_db: Redis) -> None:
    acme = RunLock(redis_db, "acme", "run-1", ttl_s=5)
    globex = RunLock(redis_db, "globex", "run-2", ttl_s=5)

    both = acme.acquire() and globex.acquire()
    acme.release()
    globex.release()

    assert both


def test_released_lock_frees_the_org(redis_db: Redis) -> None:
    first = RunLock(redis_db, "acme", "run-1", ttl_s=5)
    first.acquire()
    first.release()

    assert RunLock(redis_db, "acme", "run-2", ttl_s=5).acquire()


def test_heartbeat_keeps_the_lock_past_its_ttl_while_the_run_lives(
    redis_db: Redis,
) -> None:
    lock = RunLock(redis_db, "acme", "run-1", ttl_s=0.6)
    lock.acquire()

    time.sleep(1.5)
    holder = lock.holder()
    lock.release()

    assert holder == "run-1"


def test_lock_of_a_dead_run_expires_after_its_ttl(redis_db: Redis) -> None:
    # A run that died leaves the key with a TTL and no heartbeat.
    redis_db.set(lock_key("acme"), "dead-run", px=300)
    waiting = RunLock(redis_db, "acme", "run-2", ttl_s=5)

    taken = waiting.acquire(wait_s=2)
    waiting.release()

    assert taken


def test_release_of_a_lock_lost_to_expiry_does_not_raise(redis_db: Redis) -> None:
    lock = RunLock(redis_db, "acme", "run-1", ttl_s=5)
    lock.acquire()
    redis_db.delete(lock_key("acme"))

    lock.release()

    assert redis_db.get(lock_key("acme")) is None
