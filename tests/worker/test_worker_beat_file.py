"""Where beat keeps its schedule file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from worker_process import worker_env

from worker.celery_app import create_app
from worker.settings import Settings

_START_TIMEOUT_S = 30.0


def _files_appear(folder: Path, pattern: str) -> list[Path]:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern))
        if found:
            return found
        time.sleep(0.2)
    return []


def test_beat_keeps_its_schedule_in_the_data_folder_not_the_working_one(
    tmp_path: Path,
) -> None:
    data_home, started_in = tmp_path / "data", tmp_path / "here"
    started_in.mkdir()
    env = worker_env(None, XDG_DATA_HOME=str(data_home))
    command = [sys.executable, "-c", "from worker.cli import app; app()", "beat"]

    beat = subprocess.Popen(command, cwd=started_in, env=env)
    try:
        schedule = _files_appear(data_home / "mkp-worker", "celerybeat-schedule*")
    finally:
        beat.terminate()
        beat.wait(timeout=30)

    assert schedule, "beat wrote no schedule file into the data folder"
    assert list(started_in.iterdir()) == []


def test_a_configured_beat_schedule_file_is_used_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "beat" / "schedule"

    app = create_app(Settings(beat_schedule_file=path))

    assert app.conf.beat_schedule_filename == str(path)
