"""Where beat keeps its schedule file, and the scheduler that can put it there.

Celery's default is ``celerybeat-schedule`` in the working directory, which
scatters ``.bak``/``.dat``/``.dir`` files into whatever folder beat was started
from; this product keeps them in the user's data folder unless configured.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from celery.beat import PersistentScheduler

__all__ = ["FolderCreatingScheduler", "default_beat_schedule_file"]


def default_beat_schedule_file() -> Path:
    """Beat's schedule file when none is configured: in the user's data folder."""
    data = platformdirs.user_data_path("mkp-worker", appauthor=False)
    return data / "celerybeat-schedule"


class FolderCreatingScheduler(PersistentScheduler):  # type: ignore[misc]
    """Celery's file-backed scheduler that first creates its file's folder.

    The schedule is opened before any beat signal is sent, and a missing folder
    there ends beat at start, so the folder is created here.
    """

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
