"""The Celery app, configured once from ``Settings``.

``celery -A worker worker`` and ``celery -A worker beat`` find ``app`` through
the ``worker`` package. Building it reads settings and nothing else: no
connection to Redis or the CRM is opened until a worker or a client uses it.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from worker._beat import default_beat_schedule_file
from worker._state import redis_ssl_options
from worker.schedule import beat_schedule
from worker.settings import Settings

__all__ = ["app", "celery_config", "create_app"]


def celery_config(settings: Settings) -> dict[str, Any]:
    """The Celery settings this product runs with, derived from ``settings``."""
    broker_url = settings.broker_url.get_secret_value()
    backend_url = settings.result_backend.get_secret_value()
    config: dict[str, Any] = {
        "broker_url": broker_url,
        "result_backend": backend_url,
        # JSON only: a pickled message could run code in the worker.
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        # A task is acknowledged after it ends, so a worker that dies mid-run
        # leaves the message to be delivered again and the run resumes.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # One run at a time per worker, however it is started (`mkp worker` or
        # `celery -A worker worker`): a run holds a whole portfolio in memory,
        # so workers scale by process and --concurrency raises it knowingly.
        "worker_concurrency": 1,
        "worker_soft_shutdown_timeout": settings.shutdown_grace_s,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": settings.broker_visibility_timeout_s
        },
        "task_soft_time_limit": settings.run_soft_time_limit_s,
        "task_time_limit": settings.run_time_limit_s,
        "task_default_queue": settings.task_queue,
        "task_track_started": True,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": beat_schedule(settings),
        "beat_scheduler": "worker._beat:FolderCreatingScheduler",
        "beat_schedule_filename": str(
            settings.beat_schedule_file or default_beat_schedule_file()
        ),
    }
    if broker_url.startswith("rediss://"):
        config["broker_use_ssl"] = redis_ssl_options(settings)
    if backend_url.startswith("rediss://"):
        config["redis_backend_use_ssl"] = redis_ssl_options(settings)
    return config


def create_app(settings: Settings | None = None) -> Celery:
    """A Celery app for ``settings`` (read from the environment when omitted)."""
    settings = settings or Settings()
    celery = Celery("mkp", include=["worker.tasks"])
    celery.conf.update(celery_config(settings))
    return celery


app = create_app()
