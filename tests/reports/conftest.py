"""Fixtures for report tests: Maven snapshots and a headless Chromium.

The browser is driven over the DevTools protocol on 127.0.0.1, so a test can
read console errors and ask the page what it rendered. It reaches nothing but
local files: background networking, sync, component updates and QUIC are off.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from connectors import CsvConnector
from mkp_core import Policy
from worker.pipeline import RunOptions, run_pipeline

REPO = Path(__file__).resolve().parents[2]
MAVEN_PROFILE = REPO / "examples" / "maven-crm" / "profile.toml"
MAVEN_AS_OF = (dt.date(2017, 6, 30), dt.date(2017, 12, 31))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_STARTUP_S = 30.0
_CALL_TIMEOUT_S = 30.0


def run_maven(
    snapshot_dir: Path, output_dir: Path, as_of: dt.date, *, keep: int = 60
) -> str:
    """Run the pipeline on the Maven example as of a date; the snapshot path."""
    connector = CsvConnector.from_profile(
        MAVEN_PROFILE, output=output_dir / f"maven-{as_of}.csv"
    )
    options = RunOptions(org="maven", snapshot_dir=snapshot_dir, snapshot_keep=keep)
    now = dt.datetime.combine(as_of, dt.time(23, 0), dt.UTC)
    result = run_pipeline(connector, Policy(as_of=as_of), options, now=now)
    assert result.report.snapshot, result.report.message
    return result.report.snapshot


@pytest.fixture(scope="session", name="run_maven")
def run_maven_fixture() -> Callable[..., str]:
    """``run_maven`` for tests that make their own runs."""
    return run_maven


@pytest.fixture(scope="session")
def maven_snapshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot directory holding the two Maven runs (June and December 2017)."""
    root = tmp_path_factory.mktemp("maven")
    for as_of in MAVEN_AS_OF:
        run_maven(root / "snapshots", root / "out", as_of)
    return root / "snapshots"


@dataclasses.dataclass
class Page:
    """One browser tab: evaluate script, take screenshots, read console errors."""

    socket: websocket.WebSocket
    errors: list[str] = dataclasses.field(default_factory=list)
    _ids: Iterator[int] = dataclasses.field(default_factory=itertools.count)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        self.socket.send(
            json.dumps({"id": message_id, "method": method, "params": params})
        )
        deadline = time.monotonic() + _CALL_TIMEOUT_S
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self._note(message)
        raise TimeoutError(f"Chromium did not answer {method}")

    def open(self, path: Path) -> None:
        """Load a file and wait until its load event has fired."""
        self.call("Page.navigate", url=path.resolve().as_uri())
        deadline = time.monotonic() + _CALL_TIMEOUT_S
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            if message.get("method") == "Page.loadEventFired":
                return
            self._note(message)
        raise TimeoutError(f"{path} did not finish loading")

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, target: Path, width: int) -> None:
        """A PNG of the whole page laid out at ``width`` CSS pixels."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.evaluate("window.dispatchEvent(new Event('resize'))")
        time.sleep(0.5)  # Plotly redraws on resize after a short debounce
        shot = self.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True
        )
        target.write_bytes(base64.b64decode(shot["data"]))

    def _note(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(json.dumps(params["exceptionDetails"])[:500])
        elif method == "Runtime.consoleAPICalled" and params["type"] in (
            "error",
            "assert",
        ):
            self.errors.append(json.dumps(params["args"])[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(params["entry"]["text"][:500])


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A headless Chromium listening for DevTools on 127.0.0.1; its port."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--allow-file-access-from-files",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield _devtools_port(profile / "DevToolsActivePort", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def page(chromium: str) -> Iterator[Page]:
    """A fresh tab with console and log events enabled."""
    with urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{chromium}/json/new", method="PUT"),
        timeout=_CALL_TIMEOUT_S,
    ) as response:
        target = json.load(response)
    socket = websocket.create_connection(
        target["webSocketDebuggerUrl"], timeout=_CALL_TIMEOUT_S, suppress_origin=True
    )
    tab = Page(socket)
    for domain in ("Page", "Runtime", "Log"):
        tab.call(f"{domain}.enable")
    try:
        yield tab
    finally:
        socket.close()


def _devtools_port(active_port: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + _STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Chromium exited with {process.returncode}")
        if active_port.exists() and active_port.read_text().strip():
            return active_port.read_text().splitlines()[0]
        time.sleep(0.05)
    raise TimeoutError("Chromium did not open its DevTools port")
