"""The worker: the pipeline, the Celery app and tasks, locks, history and CLI.

``celery -A worker worker`` finds ``app`` here. It is built on first access,
so importing ``worker`` stays cheap and opens no connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery

    app: Celery
    celery: Celery

__all__ = ["app", "celery"]


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        from worker.celery_app import app

        return app
    raise AttributeError(f"module 'worker' has no attribute {name!r}")
