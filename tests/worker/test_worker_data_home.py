"""The test session keeps its files out of the user's data folder."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from worker_process import REPO, worker_env

from worker.snapshots import default_snapshot_dir

MAVEN_PROFILE = REPO / "examples" / "maven-crm" / "profile.toml"
# An org no other test saves snapshots for.
DATA_HOME_ORG = f"data-home-{os.getpid()}"


def _session_data_home() -> Path:
    return Path(os.environ["XDG_DATA_HOME"])


def test_the_session_data_home_is_a_temporary_folder() -> None:
    data_home = _session_data_home()

    assert data_home.is_relative_to(tempfile.gettempdir())
    assert not data_home.is_relative_to(Path.home() / ".local")


def test_the_default_snapshot_folder_lies_in_the_session_data_home() -> None:
    assert default_snapshot_dir().is_relative_to(_session_data_home())


def test_a_cli_run_without_a_snapshot_dir_saves_in_the_session_data_home(
    tmp_path: Path,
) -> None:
    command = [sys.executable, "-c", "from worker.cli import app; app()"]
    arguments = ["run", "--csv", str(MAVEN_PROFILE), "--as-of", "2017-12-31"]
    output = ["--output", str(tmp_path / "scored.csv")]

    finished = subprocess.run(
        [*command, *arguments, *output],
        cwd=tmp_path,
        env=worker_env(None, MKP_ORG=DATA_HOME_ORG),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    saved = list(
        (_session_data_home() / "mkp-worker").rglob(f"{DATA_HOME_ORG}_*.parquet")
    )
    assert len(saved) == 1
