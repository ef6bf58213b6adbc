"""What the end-to-end tests share: the Maven org, runs through the one
pipeline, and the MKP field values an org ends up with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

from connectors.fields import DEFAULT_FIELD_NAMES
from connectors.salesforce import SalesforceConnector
from connectors.salesforce_emulator import Emulator, emulator_session
from mkp_core import Policy
from worker.demo import DEMO_AS_OF, MAVEN_SALESFORCE_DIR, emulator_settings
from worker.pipeline import PipelineResult, ProgressFn, RunOptions, run_pipeline

MAVEN_DIR = MAVEN_SALESFORCE_DIR
AS_OF = DEMO_AS_OF
NOW = dt.datetime(2018, 1, 1, 3, 0, tzinfo=dt.UTC)
MAVEN_ACCOUNTS = 85

# Waits shrunk so retries and Bulk polling cost milliseconds, not seconds.
FAST = {
    "retry_base_seconds": 0.01,
    "retry_max_seconds": 0.05,
    "bulk_poll_seconds": 0.01,
}
MKP_FIELDS = tuple(DEFAULT_FIELD_NAMES.values())
WRITE_OPERATIONS = ("collections_update", "sobject_update", "bulk_ingest_create")

Values = dict[str, dict[str, Any]]
Seen = list[tuple[str, int]]


def connector_for(
    emu: Emulator, session: requests.Session | None = None, **overrides: Any
) -> SalesforceConnector:
    """A connector configured from the emulator's published settings."""
    return SalesforceConnector(
        emulator_settings(emu, **{**FAST, **overrides}), session=session
    )


def run_maven(
    emu: Emulator,
    policy: Policy | None = None,
    *,
    options: RunOptions | None = None,
    session: requests.Session | None = None,
    progress: ProgressFn | None = None,
    **overrides: Any,
) -> PipelineResult:
    """One pipeline run against the org, as of the sample's last day."""
    with connector_for(emu, session, **overrides) as connector:
        return run_pipeline(
            connector,
            policy or Policy(as_of=AS_OF),
            options or RunOptions(),
            now=NOW,
            progress=progress,
        )


def mkp_values(emu: Emulator, exclude: tuple[str, ...] = ()) -> Values:
    """Every account's MKP fields, keyed by account name (ids differ between
    loads, names are unique in the sample)."""
    kept = [f for f in MKP_FIELDS if f not in exclude]
    return {r["Name"]: {f: r[f] for f in kept} for r in emu.records("Account")}


def account_ids(emu: Emulator) -> dict[str, str]:
    """Account name to id, for the freshly loaded org."""
    return {r["Name"]: r["Id"] for r in emu.records("Account")}


def write_calls(emu: Emulator) -> int:
    """Requests that change records, as the emulator counted them."""
    calls: dict[str, int] = emu.stats()["calls"]
    return sum(calls.get(op, 0) for op in WRITE_OPERATIONS)


def recording_session(emu: Emulator) -> tuple[requests.Session, Seen]:
    """A session to the emulator that notes each answer's path and status,
    in the order the connector received them."""
    seen: Seen = []
    session = emulator_session(emu.instance_url, emu.ca_file)

    def note(response: requests.Response, *args: object, **kwargs: object) -> None:
        seen.append((urlsplit(response.url).path, response.status_code))

    session.hooks["response"].append(note)
    return session, seen


def calls_after_first(status: int, seen: Seen) -> int:
    """Requests the connector made after the first answer with ``status``."""
    statuses = [code for _, code in seen]
    return len(seen) - statuses.index(status) - 1


def on_phase(phase: str, action: Callable[[], None]) -> ProgressFn:
    """A progress callback that runs ``action`` once, as ``phase`` starts."""

    def progress(current: str, done: int, total: int) -> None:
        if current == phase and done == 0:
            action()

    return progress
