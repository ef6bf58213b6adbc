"""``mkp emulator serve`` as an operator starts it: a process of its own whose
ready file is all ``mkp check`` needs, with no other setting."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
METADATA = REPO / "deploy" / "salesforce" / "force-app" / "main" / "default"
MKP = [sys.executable, "-c", "from worker.cli import main; main()"]
_READY_TIMEOUT_S = 30.0


def _environment(**extra: str) -> dict[str, str]:
    """This machine's environment without MKP_ settings. REQUESTS_CA_BUNDLE
    and CURL_CA_BUNDLE stay when set: the CA file of the ready file must win."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MKP_")}
    return {**env, "PYTHONPATH": str(REPO), "COLUMNS": "200", **extra}


def _serve(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """``mkp emulator serve``, once its ready file is there: the process, the
    ready file and the log file."""
    ready, log_path = tmp_path / "sf.json", tmp_path / "emulator.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*MKP, "emulator", "serve", "--ready-file", str(ready), *options],
            cwd=REPO,
            env=_environment(),
            stdout=log,
            stderr=log,
        )
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"emulator did not start:\n{log_path.read_text()}")
        time.sleep(0.05)
    return process, ready, log_path


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=15)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """A served emulator: its ready file's contents and its log file."""
    process, ready, log_path = _serve(tmp_path)
    try:
        yield json.loads(ready.read_text()), log_path
    finally:
        _stop(process)


def test_mkp_check_passes_with_only_the_ready_files_settings(
    served: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    ready, _ = served
    env = _environment(**ready["env"], MKP_SNAPSHOT_DIR=str(tmp_path / "snaps"))

    checked = subprocess.run(
        [*MKP, "check"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All target fields exist and are writable" in checked.stdout
    assert ready["env"]["MKP_SALESFORCE__CA_BUNDLE"] == ready["ca_file"]


def test_served_emulator_names_its_ca_file_and_ready_file(
    served: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    ready, log_path = served

    log = log_path.read_text()

    assert ready["ca_file"] in log
    assert str(tmp_path / "sf.json") in log
    assert ready["credentials"]["client_secret"] not in log


def test_the_ready_file_is_removed_when_the_emulator_stops(tmp_path: Path) -> None:
    process, ready, _ = _serve(tmp_path)

    code = _stop(process)

    assert code == 0
    assert not ready.exists()


def test_the_emulator_reads_fields_from_a_metadata_folder_named_on_the_command(
    tmp_path: Path,
) -> None:
    copied = shutil.copytree(METADATA, tmp_path / "metadata")
    (copied / "objects/Account/fields/MKP_Segment__c.field-meta.xml").unlink()
    process, ready, _ = _serve(tmp_path, "--metadata", str(copied))
    env = _environment(**json.loads(ready.read_text())["env"])

    try:
        checked = subprocess.run(
            [*MKP, "check"], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
    finally:
        _stop(process)

    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "account MKP_Segment__c: missing" in checked.stderr


def test_a_missing_metadata_folder_is_named_with_how_to_point_at_one(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-folder"

    served = subprocess.run(
        [*MKP, "emulator", "serve", "--ready-file", str(tmp_path / "sf.json")],
        cwd=tmp_path, env=_environment(MKP_EMULATOR_METADATA=str(missing)),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert served.returncode == 2
    assert str(missing) in served.stderr
    assert "--metadata DIR" in served.stderr
    assert "Traceback" not in served.stderr


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        ("--load", "seed directory not found"),
        ("--ready-file", "Is a directory"),
    ],
)
def test_a_bad_load_or_ready_file_path_ends_serve_with_one_error_line(
    tmp_path: Path, option: str, problem: str
) -> None:
    target = tmp_path / "absent" if option == "--load" else tmp_path
    done = subprocess.run(
        [*MKP, "emulator", "serve", option, str(target)],
        cwd=REPO,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert problem in done.stderr
    assert "Traceback" not in done.stderr
