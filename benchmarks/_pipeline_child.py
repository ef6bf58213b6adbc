"""One pipeline run in its own process, timed by phase and by HTTP wait.

Started by ``benchmarks._org_runs`` with the ``MKP_SALESFORCE__*`` settings
of the emulator in its environment, it builds the connector the way the
product does (``worker.settings.Settings``), runs ``run_pipeline`` once and
prints one JSON line: wall time per phase, time spent inside HTTP requests
(waiting on the emulator), the run report's counts and its peak memory.

The HTTP time is measured by a ``requests`` session subclass handed to the
connector, so no product code is instrumented.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from typing import Any

import polars as pl
import requests

from benchmarks._measure import peak_rss_mib
from connectors import SalesforceConnector
from connectors.salesforce_emulator import PinnedVerifySession
from mkp_core import Policy, RecordKind
from worker.pipeline import RunOptions, run_pipeline
from worker.settings import Settings

__all__ = ["TimedSession", "main"]

_REPORT_KEYS = (
    "status",
    "accounts_scored",
    "leads_scored",
    "records_changed",
    "records_written",
    "planned_write_calls",
    "api_calls",
    "api_calls_by_operation",
    "skipped",
    "message",
)


class TimedSession(PinnedVerifySession):
    """A session that adds up the time spent inside ``send``: request out,
    server at work, response body in."""

    def __init__(self) -> None:
        super().__init__()
        self.http_s = 0.0
        self.requests = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().send(request, **kwargs)
        finally:
            self.http_s += time.perf_counter() - started
            self.requests += 1


class _PhaseClock:
    """Wall and HTTP seconds per pipeline phase, from the progress callback."""

    def __init__(self, session: TimedSession) -> None:
        self._session = session
        self._phase = "start"
        self._since = time.perf_counter()
        self._http_since = 0.0
        self.wall_s: dict[str, float] = {}
        self.http_s: dict[str, float] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self._phase:
            self.close()
            self._phase = phase

    def close(self) -> None:
        """Book the time since the last change of phase to the current one."""
        now, http = time.perf_counter(), self._session.http_s
        self.wall_s[self._phase] = self.wall_s.get(self._phase, 0.0) + now - self._since
        self.http_s[self._phase] = (
            self.http_s.get(self._phase, 0.0) + http - self._http_since
        )
        self._since, self._http_since = now, http


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--now", type=dt.datetime.fromisoformat, required=True)
    parser.add_argument("--write-tolerance", type=float)
    args = parser.parse_args(argv)
    settings = Settings()
    if settings.salesforce is None:
        raise SystemExit("MKP_SALESFORCE__* settings are missing")

    session = TimedSession()
    session.verify = settings.salesforce.tls_verify
    connector = SalesforceConnector(settings.salesforce, session=session)
    clock = _PhaseClock(session)
    started = time.perf_counter()
    result = run_pipeline(
        connector,
        _policy(args),
        RunOptions(org="benchmark", triggered_by="benchmark"),
        now=args.now,
        progress=clock,
    )
    wall_s = time.perf_counter() - started
    clock.close()
    connector.close()

    report = result.report.to_dict()
    print(
        json.dumps(
            {
                "wall_s": wall_s,
                "http_s": session.http_s,
                "http_requests": session.requests,
                "phase_wall_s": clock.wall_s,
                "phase_http_s": clock.http_s,
                "report": {key: report[key] for key in _REPORT_KEYS},
                "changed_fields": _changed_fields(result.updates),
                "vm_hwm_mib": peak_rss_mib(),
            }
        )
    )


def _policy(args: argparse.Namespace) -> Policy:
    """The default policy as of the run, with the write tolerance if given."""
    policy: dict[str, object] = {"as_of": args.as_of}
    if args.write_tolerance is not None:
        policy["write_tolerance"] = args.write_tolerance
    return Policy.from_mapping(policy, source="--write-tolerance")


def _changed_fields(updates: dict[RecordKind, pl.DataFrame]) -> dict[str, int]:
    """How many written records had each output field changed."""
    counts: dict[str, int] = {}
    for frame in updates.values():
        if frame.height:
            exploded = frame.get_column("changed").explode().drop_nulls()
            for field, count in exploded.value_counts().iter_rows():
                counts[field] = counts.get(field, 0) + int(count)
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


if __name__ == "__main__":
    main()
