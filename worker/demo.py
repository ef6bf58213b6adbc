"""``mkp demo``: the whole Salesforce path on a local org, in one command.

The demo starts the Salesforce emulator in this process, seeds it with the
Maven sample as Salesforce records, and runs the one pipeline against it
through the real Salesforce connector, as of 2017-12-31. It then reads three
updated accounts back through simple-salesforce, writes every account as
the org now holds it to a CSV file (the CRM field contract, column by API
name), shows the API calls the emulator counted, and runs again to show that
a night without change makes no write call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shlex
import signal
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.table import Table
from simple_salesforce.api import Salesforce

from connectors import ConfigurationError, SalesforceConnector, SalesforceSettings
from connectors.salesforce_emulator import Emulator, EmulatorConfig
from mkp_core import Locale, Policy, RecordKind, segment_names
from worker.pipeline import PipelineResult, RunOptions, run_pipeline

__all__ = [
    "DEFAULT_DEMO_OUTPUT",
    "DEMO_AS_OF",
    "MAVEN_SALESFORCE_DIR",
    "DemoOutcome",
    "ShowRun",
    "emulator_settings",
    "run_demo",
]

# The Maven sample as sObject-tree JSON, beside the CSV export it came from.
MAVEN_SALESFORCE_DIR = (
    Path(__file__).resolve().parents[1] / "examples" / "maven-crm" / "salesforce"
)
# The sample's last deals close in 2017; scoring as of today would find no
# revenue in the window.
DEMO_AS_OF = dt.date(2017, 12, 31)
DEFAULT_DEMO_OUTPUT = Path("out") / "maven-demo-accounts.csv"

# One account from each segment worth showing first: the key growth
# segments, then the capture priority.
_SHOWCASE_SEGMENTS = (8, 5, 7)
_SHOWN_FIELDS = (
    "segment",
    "segment_name",
    "potential",
    "wallet_share",
    "next_action",
    "explanation",
)
_WRITE_OPERATIONS = frozenset(
    {"collections_update", "sobject_update", "bulk_ingest_create"}
)
_SALESFORCE_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_ENV_PREFIX = "MKP_SALESFORCE__"

# How the CLI draws a finished run: result, corporate currency, segment names.
ShowRun = Callable[[PipelineResult, str, dict[int, str]], None]


@dataclasses.dataclass(frozen=True)
class DemoOutcome:
    """Both runs, the accounts read back, and the emulator's counters."""

    first: PipelineResult
    second: PipelineResult
    accounts: list[dict[str, Any]]
    first_stats: dict[str, Any]
    second_stats: dict[str, Any]


def emulator_settings(emulator: Emulator, **overrides: Any) -> SalesforceSettings:
    """Connector settings for a running emulator: the ``MKP_SALESFORCE__…``
    values it publishes, plus ``overrides``."""
    published = {
        key.removeprefix(_ENV_PREFIX).lower(): value
        for key, value in emulator.env.items()
    }
    return SalesforceSettings(**{**published, **overrides})


def run_demo(
    console: Console,
    show_run: ShowRun,
    *,
    locale: Locale = Locale.EN,
    keep_serving: bool = False,
    data_dir: Path = MAVEN_SALESFORCE_DIR,
    output: Path = DEFAULT_DEMO_OUTPUT,
) -> DemoOutcome:
    """Seed an emulated org, run the pipeline twice and show what happened."""
    if not data_dir.is_dir():
        raise ConfigurationError(
            f"{data_dir} is missing: run `mkp demo` from a clone of the "
            "repository, where examples/maven-crm/salesforce holds the sample"
        )
    policy = Policy(as_of=DEMO_AS_OF, locale=locale)
    names = segment_names(policy)

    with Emulator(EmulatorConfig()) as emulator:
        loaded = emulator.load_dir(data_dir)
        console.print(
            f"Salesforce emulator at {emulator.instance_url}, seeded with "
            f"{_loaded(loaded, 'Account')} accounts and "
            f"{_loaded(loaded, 'Opportunity')} opportunities from {data_dir}."
        )
        settings = emulator_settings(emulator)

        console.rule("First run: every account gets its segment")
        first = _run(settings, policy)
        show_run(first, policy.corporate_currency, names)
        first_stats = emulator.stats()
        accounts = _read_back(emulator, settings, _showcase_ids(first.scores))
        _print_accounts(console, accounts, settings.fields, policy)
        _print_stats(console, "API calls of the first run", first_stats)
        exported = _export(_client(emulator), settings.fields, output)
        console.print(
            f"Wrote the {exported} accounts as the org holds them to {output}"
        )

        console.rule("Second run: nothing changed, so nothing is written")
        emulator.reset()  # counters only; the records stay
        second = _run(settings, policy)
        show_run(second, policy.corporate_currency, names)
        second_stats = emulator.stats()
        _print_stats(console, "API calls of the second run", second_stats)

        if keep_serving:
            _serve_until_interrupted(console, emulator)

    return DemoOutcome(first, second, accounts, first_stats, second_stats)


def _run(settings: SalesforceSettings, policy: Policy) -> PipelineResult:
    with SalesforceConnector(settings) as connector:
        result = run_pipeline(connector, policy, RunOptions(triggered_by="demo"))
    if result.error is not None:
        raise result.error
    return result


def _loaded(counts: Mapping[str, int], sobject: str) -> int:
    return sum(n for name, n in counts.items() if name.startswith(sobject))


def _showcase_ids(scores: pl.DataFrame) -> list[str]:
    """The highest-potential account of each showcase segment, topped up with
    the highest-potential others when a segment is empty."""
    accounts = scores.filter(pl.col("kind") == str(RecordKind.ACCOUNT)).sort(
        ["potential", "record_id"], descending=[True, False]
    )
    chosen: list[str] = []
    for segment in _SHOWCASE_SEGMENTS:
        best = accounts.filter(pl.col("segment") == segment)["record_id"].head(1)
        chosen.extend(best.to_list())
    others = accounts.filter(~pl.col("record_id").is_in(chosen))["record_id"]
    chosen.extend(others.head(len(_SHOWCASE_SEGMENTS) - len(chosen)).to_list())
    return chosen


def _readback_query(fields: Mapping[str, str], ids: Iterable[str]) -> str:
    """SOQL for the shown MKP fields of some accounts, by id."""
    checked = [i for i in ids if _SALESFORCE_ID.fullmatch(i)]
    if not checked:
        raise ValueError("no Salesforce record id to read back")
    columns = ", ".join(["Id", "Name", *(fields[f] for f in _SHOWN_FIELDS)])
    listed = ", ".join(f"'{i}'" for i in checked)
    # Field names are validated API names, ids matched the id pattern above.
    return f"SELECT {columns} FROM Account WHERE Id IN ({listed})"  # noqa: S608


def _read_back(
    emulator: Emulator, settings: SalesforceSettings, ids: list[str]
) -> list[dict[str, Any]]:
    """The accounts as Salesforce now holds them, read by a fresh
    simple-salesforce client, in the order of ``ids``."""
    answer = _client(emulator).query(_readback_query(settings.fields, ids))
    by_id = {record["Id"]: record for record in answer["records"]}
    return [by_id[i] for i in ids if i in by_id]


def _client(emulator: Emulator) -> Salesforce:
    """A fresh simple-salesforce client of the emulated org."""
    credentials = emulator.credentials
    return Salesforce(
        domain="mkp-emulator.my",  # any *.salesforce.com host reaches the emulator
        consumer_key=credentials["client_id"],
        consumer_secret=credentials["client_secret"],
        session=emulator.requests_session(),
    )


def _export(client: Salesforce, fields: Mapping[str, str], path: Path) -> int:
    """Every account's MKP fields, as the org holds them, to a CSV file."""
    columns = ["Id", "Name", *fields.values()]
    # Field names are validated API names; nothing else enters the query.
    soql = f"SELECT {', '.join(columns)} FROM Account ORDER BY Name"  # noqa: S608
    records = client.query_all(soql)["records"]
    frame = pl.DataFrame(
        {column: [record.get(column) for record in records] for column in columns},
        infer_schema_length=None,
    )

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_csv(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigurationError(
            f"Cannot write the demo accounts to {path}: {reason}; "
            "name a writable file with --output"
        ) from exc
    return frame.height


def _print_accounts(
    console: Console,
    accounts: list[dict[str, Any]],
    fields: Mapping[str, str],
    policy: Policy,
) -> None:
    for record in accounts:
        table = Table(title=record["Name"], show_header=False, title_justify="left")
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        potential = record[fields["potential"]] or 0
        table.add_row(
            "segment",
            f"{record[fields['segment']]} {record[fields['segment_name']]}",
        )
        table.add_row("potential", f"{potential:,.2f} {policy.corporate_currency}")
        table.add_row("wallet share", f"{record[fields['wallet_share']]} %")
        table.add_row("next action", str(record[fields["next_action"]]))
        table.add_row("explanation", str(record[fields["explanation"]]))
        console.print(table)


def _print_stats(console: Console, title: str, stats: Mapping[str, Any]) -> None:
    calls: dict[str, int] = stats["calls"]
    table = Table(title=f"{title} (emulator's count)")
    table.add_column("operation")
    table.add_column("calls", justify="right")
    for operation, count in sorted(calls.items()):
        table.add_row(operation, str(count))
    console.print(table)
    writes = sum(n for op, n in calls.items() if op in _WRITE_OPERATIONS)
    usage = stats["api_usage"]
    console.print(
        f"Write calls: {writes}. Requests: {sum(calls.values())}, of which "
        f"{usage['used']} count against the daily allowance of {usage['max']:,}."
    )


def _serve_until_interrupted(console: Console, emulator: Emulator) -> None:
    console.rule("The emulator keeps serving")
    console.print("In another shell, point mkp at it (these credentials are local):")
    for key, value in emulator.env.items():
        console.print(f"export {key}={shlex.quote(value)}", soft_wrap=True)
    console.print(
        "then try `mkp check` or `mkp run --dry-run --as-of 2017-12-31`. "
        "Ctrl-C stops it."
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    console.print("Emulator stopped.")
