"""The emulator as a running HTTPS server: start, seed, inspect, stop."""

from __future__ import annotations

import json
import logging
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import requests
import trustme
import uvicorn

from connectors.salesforce_emulator._app import build_app
from connectors.salesforce_emulator._client import emulator_session
from connectors.salesforce_emulator._errors import EmulatorError
from connectors.salesforce_emulator._org import Org
from connectors.salesforce_emulator._seed import load_dir
from connectors.salesforce_emulator.config import EmulatorConfig

__all__ = ["Emulator", "serve"]

logger = logging.getLogger(__name__)

_START_TIMEOUT_SECONDS = 15.0
# Big enough that an over-long query URL reaches the emulator, which then
# answers 414 itself the way Salesforce does.
_MAX_REQUEST_HEAD_BYTES = 256 * 1024


class Emulator:
    """A local Salesforce org served over HTTPS on loopback.

    Data, faults and counters can be driven from Python (``insert``,
    ``set_faults``, ``stats``) or over HTTP under ``/_emulator/``.
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self._org = Org(self.config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._workdir: Path | None = None
        self._port = 0

    # Lifecycle

    def start(self) -> None:
        """Serve in a background thread; returns once the server accepts calls."""
        if self._thread is not None:
            raise EmulatorError("the emulator is already running")
        self._workdir = Path(tempfile.mkdtemp(prefix="mkp-sf-emulator-"))
        server_pem = self._write_tls_files(self._workdir)
        (self._workdir / "jwt-private-key.pem").write_bytes(
            self._org.auth.private_key_pem()
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.config.host, self.config.port))
        self._port = sock.getsockname()[1]
        self._org.instance_url = self.instance_url
        self._org.auth.login_audience = self.login_url

        self._server = uvicorn.Server(self._uvicorn_config(server_pem))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
            name="salesforce-emulator",
        )  # fmt: skip
        self._thread.start()
        self._wait_until_started()
        logger.info(
            "Salesforce emulator listening on %s; its CA file is %s",
            self.instance_url,
            self.ca_file,
        )

    def _write_tls_files(self, workdir: Path) -> Path:
        authority = trustme.CA(organization_name="MKP Salesforce emulator")
        authority.cert_pem.write_to_path(str(workdir / "ca.pem"))
        server_cert = authority.issue_cert(self.config.host, "localhost")
        server_pem = workdir / "server.pem"
        server_cert.private_key_and_cert_chain_pem.write_to_path(str(server_pem))
        return server_pem

    def _uvicorn_config(self, server_pem: Path) -> uvicorn.Config:
        return uvicorn.Config(
            build_app(self._org),
            ssl_certfile=str(server_pem),
            ssl_keyfile=str(server_pem),
            log_level="warning",
            access_log=False,
            lifespan="off",
            h11_max_incomplete_event_size=_MAX_REQUEST_HEAD_BYTES,
        )

    def _wait_until_started(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        server, thread = self._server, self._thread
        while server is not None and thread is not None and not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise EmulatorError("the Salesforce emulator failed to start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving, release the database and remove the TLS and key files."""
        if self._server is not None and self._thread is not None:
            self._drop_connections(self._server)
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self._org.store.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    @staticmethod
    def _drop_connections(server: uvicorn.Server) -> None:
        # Clients keep idle TLS connections open, and a graceful TLS close
        # waits for the peer; aborting them lets shutdown finish at once.
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            loop = getattr(connection, "loop", None)
            if transport is not None and loop is not None:
                loop.call_soon_threadsafe(transport.abort)

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Where and how to connect

    @property
    def instance_url(self) -> str:
        """``https://127.0.0.1:<port>``; valid once started."""
        if not self._port:
            raise EmulatorError("the emulator is not running")
        return f"https://{self.config.host}:{self._port}"

    @property
    def login_url(self) -> str:
        """Where OAuth (``/services/oauth2/token``) and SOAP logins go."""
        return self.instance_url

    @property
    def ca_file(self) -> str:
        """The PEM of the CA that signed the server certificate."""
        return str(self._require_workdir() / "ca.pem")

    @property
    def private_key_file(self) -> str:
        """The PEM of an RSA key the org trusts for JWT bearer logins."""
        return str(self._require_workdir() / "jwt-private-key.pem")

    def _require_workdir(self) -> Path:
        if self._workdir is None:
            raise EmulatorError("the emulator is not running")
        return self._workdir

    @property
    def credentials(self) -> dict[str, str]:
        """client_id, client_secret, username, password and security_token."""
        creds = self._org.credentials
        return {
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "username": creds.username,
            "password": creds.password,
            "security_token": creds.security_token,
        }

    @property
    def env(self) -> dict[str, str]:
        """``MKP_SALESFORCE__*`` settings pointing the connector at this org."""
        creds = self.credentials
        return {
            "MKP_SALESFORCE__LOGIN_URL": self.login_url,
            "MKP_SALESFORCE__AUTH_MODE": "client_credentials",
            "MKP_SALESFORCE__CLIENT_ID": creds["client_id"],
            "MKP_SALESFORCE__CLIENT_SECRET": creds["client_secret"],
            "MKP_SALESFORCE__USERNAME": creds["username"],
            "MKP_SALESFORCE__PASSWORD": creds["password"],
            "MKP_SALESFORCE__SECURITY_TOKEN": creds["security_token"],
            "MKP_SALESFORCE__CA_BUNDLE": self.ca_file,
        }

    @property
    def integration_user_id(self) -> str:
        """Id of the User every login acts as."""
        return self._org.integration_user_id

    def requests_session(self) -> requests.Session:
        """A session trusting this org's CA that also routes ``*.salesforce.com``
        login hosts here, for driving simple-salesforce's own login helpers."""
        return emulator_session(self.instance_url, self.ca_file)

    # Data, faults and counters

    def insert(self, sobject: str, records: list[dict[str, Any]]) -> list[str]:
        """Create records (as an administrator: field permissions do not apply)."""
        return self._org.insert(sobject, records)

    def delete(self, sobject: str, ids: list[str]) -> None:
        """Move records to the recycle bin (they stay visible to queryAll)."""
        definition = self._org.schema.require(sobject)
        with self._org.store.transaction():
            for record_id in ids:
                self._org.store.set_deleted(definition, record_id)

    def load_dir(self, path: Path | str) -> dict[str, int]:
        """Load sObject-tree JSON (with plan files) and Data Loader CSV files."""
        return load_dir(self._org, Path(path))

    def records(
        self, sobject: str, *, include_deleted: bool = False
    ) -> list[dict[str, Any]]:
        """All live rows of an sObject as JSON values, for assertions."""
        return self._org.records(sobject, include_deleted=include_deleted)

    def stats(self) -> dict[str, Any]:
        """Calls by operation, logins, records written (per object and per id)."""
        return self._org.stats_snapshot()

    def set_faults(self, plan: dict[str, Any]) -> None:
        """Install a fault plan: ``{"faults": [{"kind": ..., ...}, ...]}``."""
        self._org.set_faults(list(plan.get("faults", [])))

    def expire_sessions(self) -> None:
        """End every open session, as an idle timeout would."""
        self._org.auth.expire_all()

    def reset(self, *, data: bool = False) -> None:
        """Clear faults, counters and cursors; with ``data`` every record too."""
        self._org.reset(clear_data=data)


def serve(
    port: int,
    load_dir: Path | None = None,
    ready_file: Path | None = None,
    **config: Any,
) -> None:
    """Run an emulator until SIGINT or SIGTERM (``mkp emulator serve``).

    The ready file, written once the server accepts calls, holds the URLs, the
    CA file, the credentials and the ``env`` settings as JSON. It is removed
    again when the emulator stops, so its presence means one is serving.
    """
    emulator = Emulator(EmulatorConfig(port=port, **config))
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    with emulator:
        if load_dir is not None:
            emulator.load_dir(load_dir)
        if ready_file is None:
            # Without a ready file the generated credentials are nowhere
            # to be found, and they are not logged: say how to get them.
            logger.info("Start with --ready-file PATH to get its credentials")
            _wait_for(stop)
            return
        # Logged first, so the line is out once the file appears.
        logger.info("Emulator URLs, credentials and settings: %s", ready_file)
        _write_ready_file(emulator, Path(ready_file))
        try:
            _wait_for(stop)
        finally:
            # Its credentials and CA die with this process.
            Path(ready_file).unlink(missing_ok=True)


def _wait_for(stop: threading.Event) -> None:
    while not stop.wait(0.5):
        pass


def _write_ready_file(emulator: Emulator, path: Path) -> None:
    ready = {
        "instance_url": emulator.instance_url,
        "login_url": emulator.login_url,
        "ca_file": emulator.ca_file,
        "private_key_file": emulator.private_key_file,
        "credentials": emulator.credentials,
        "env": emulator.env,
    }
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(ready, indent=2), encoding="utf-8")
    temporary.replace(path)
