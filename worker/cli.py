"""The ``mkp`` command line: run, check, emulator (and the worker commands)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from connectors import ConnectorError, CsvConnector, FatalError
from mkp_core import Locale, PolicyError, portfolio_summary, segment_names
from worker._commands import register as register_worker_commands
from worker._display import (
    make_console,
    print_changes,
    print_error,
    print_events,
    print_matrix,
    print_skipped,
)
from worker.connect import open_connector
from worker.pipeline import PipelineResult, RunOptions, run_pipeline
from worker.reporting import report_command
from worker.settings import Settings, SettingsError, load_settings
from worker.snapshots import default_snapshot_dir

__all__ = ["app", "main"]

app = typer.Typer(
    help="Customer Potential Matrix worker: score accounts and leads, write segments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
emulator_app = typer.Typer(help="The local Salesforce emulator.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")
register_worker_commands(app)
app.command("report")(report_command)

# Far above any org, and small enough for the frame libraries' 64-bit counts.
_MAX_TOP = 1_000_000_000

console = make_console()
err_console = make_console(stderr=True)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _fail(message: str, code: int = 2) -> typer.Exit:
    print_error(err_console, message)
    return typer.Exit(code)


def _load_settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise _fail(str(exc)) from exc


def main() -> None:
    """Console entry point: settings errors become one clear line, exit 2."""
    try:
        app()
    except SettingsError as exc:
        print_error(err_console, str(exc))
        raise SystemExit(2) from exc


@app.command()
def run(
    csv: Annotated[
        Path | None, typer.Option(help="CSV profile (TOML); default: Salesforce.")
    ] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy file (TOML).")] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Score as of this date (YYYY-MM-DD)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; show what would change.")
    ] = False,
    top: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=_MAX_TOP,
            help="Score only the N largest accounts by window revenue.",
        ),
    ] = None,
    locale: Annotated[
        Locale | None, typer.Option(help="Segment text language.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Output CSV (CSV profiles only).")
    ] = None,
    report_json: Annotated[
        Path | None, typer.Option(help="Also write the run report as JSON here.")
    ] = None,
    leads: Annotated[bool, typer.Option(help="Score and write leads too.")] = True,
) -> None:
    """Run the pipeline now, in this process, and print the matrix."""
    settings = _load_settings()
    _configure_logging(settings.log_level)
    try:
        base = settings.load_policy(policy)
        updates = {"as_of": as_of.date() if as_of else None, "locale": locale}
        chosen = base.updated("command line", **{k: v for k, v in updates.items() if v})
        connector = open_connector(
            settings,
            csv_profile=csv,
            output=output,
            corporate_currency=chosen.corporate_currency,
        )
        options = RunOptions(
            org=settings.org,
            dry_run=dry_run,
            top_n=top,
            include_leads=leads,
            snapshot_dir=settings.snapshot_dir or default_snapshot_dir(),
            snapshot_keep=settings.snapshot_keep,
        )
        result = run_pipeline(connector, chosen, options)
    except (PolicyError, FatalError) as exc:
        raise _fail(str(exc)) from exc

    if result.error is None:
        writes_files = isinstance(connector, CsvConnector)
        names = segment_names(chosen)
        _show_run(
            result, chosen.corporate_currency, names, makes_api_calls=not writes_files
        )
        if isinstance(connector, CsvConnector):
            _show_output(connector, dry_run=dry_run)
    if report_json:
        _save_report(report_json, result)
    if result.error is not None:
        raise _fail(_error_text(result.error), code=_exit_code(result.error))
    if result.report.status not in ("succeeded", "partial"):
        message = f"Run {result.report.run_id}: {result.report.message}"
        err_console.print(message, markup=False)
        raise typer.Exit(1)


def _show_output(connector: CsvConnector, *, dry_run: bool) -> None:
    if dry_run:
        console.print(f"Output: {connector.output_path} (not written: dry run)")
    else:
        console.print(f"Output: {connector.output_path}")


def _save_report(path: Path, result: PipelineResult) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result.report.to_dict(), indent=2) + "\n")
    except OSError as exc:
        raise _fail(f"cannot write the run report to {path}: {exc.strerror}") from exc
    console.print(f"Report: {path}")


def _error_text(error: ConnectorError) -> str:
    if isinstance(error, FatalError):
        return str(error)
    return f"the CRM did not answer as expected: {error}"


def _exit_code(error: ConnectorError) -> int:
    return 2 if isinstance(error, FatalError) else 3


def _show_run(
    result: PipelineResult,
    currency: str,
    names: dict[int, str],
    *,
    makes_api_calls: bool = True,
) -> None:
    report = result.report
    accounts = result.scores.filter(result.scores["kind"] == "account")
    print_matrix(console, portfolio_summary(accounts), names, currency)
    console.print(
        f"{report.accounts_scored} accounts and {report.leads_scored} leads scored "
        f"as of {report.as_of}."
    )
    print_skipped(console, report.skipped)
    print_changes(console, result, makes_api_calls=makes_api_calls)
    if report.dry_run:
        written = f"{report.records_changed} would be written"
    else:
        written = f"{report.records_written} written"
    console.print(
        f"Run {report.run_id}: {report.status}; {report.records_changed} records "
        f"changed, {written}, "
        f"{report.write_failure_count} refused, {report.api_calls} API calls, "
        f"{report.duration_s:.1f}s."
    )
    print_events(console, report.events)
    for failure in report.write_failures[:10]:
        console.print(
            f"  refused {failure['record_id']}: {failure['code']} {failure['message']}",
            markup=False,
        )


@app.command()
def check(
    csv: Annotated[Path | None, typer.Option(help="CSV profile (TOML).")] = None,
) -> None:
    """Log in, check every target field exists and is writable, show API usage."""
    settings = _load_settings()
    _configure_logging(settings.log_level)
    try:
        connector = open_connector(settings, csv_profile=csv)
        problems = connector.check_fields()
        usage = connector.api_usage()
    except ConnectorError as exc:
        raise _fail(str(exc)) from exc

    console.print(f"Connected to {connector.name}.")
    if usage.org_limit:
        console.print(f"API usage: {usage.org_used} of {usage.org_limit} daily calls.")
    for problem in problems:
        err_console.print(
            f"[red]✗[/] {problem.kind} {problem.field}: {problem.problem}"
        )
    if problems:
        raise typer.Exit(1)
    console.print("[green]✓[/] All target fields exist and are writable.")


@app.command()
def demo(
    locale: Annotated[Locale, typer.Option(help="Segment text language.")] = Locale.EN,
    keep_serving: Annotated[
        bool,
        typer.Option("--keep-serving", help="Keep the emulator up afterwards."),
    ] = False,
    output: Annotated[
        Path, typer.Option(help="CSV of every account's MKP fields after the run.")
    ] = Path("out/maven-demo-accounts.csv"),
) -> None:
    """Score the Maven sample in a local Salesforce emulator, end to end."""
    from worker.demo import run_demo

    _configure_logging("WARNING")
    try:
        outcome = run_demo(
            console,
            _show_run,
            locale=locale,
            keep_serving=keep_serving,
            output=output,
        )
    except ConnectorError as exc:
        raise _fail(str(exc)) from exc
    if outcome.first.report.status != "succeeded":
        raise typer.Exit(1)


@emulator_app.command("serve")
def emulator_serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free).")] = 0,
    load: Annotated[
        Path | None, typer.Option(help="Seed from sObject-tree JSON / Data Loader CSV.")
    ] = None,
    ready_file: Annotated[
        Path | None, typer.Option(help="Write URLs and credentials here when ready.")
    ] = None,
    metadata: Annotated[
        Path | None,
        typer.Option(
            envvar="MKP_EMULATOR_METADATA",
            help="The force-app/main/default folder of deploy/salesforce "
            "(default: the one in the source tree).",
        ),
    ] = None,
) -> None:
    """Serve the local Salesforce emulator until interrupted."""
    from connectors.salesforce_emulator import EmulatorError, serve

    _configure_logging("INFO")
    # An installed package has no deploy/ folder beside it: the image copies
    # the metadata elsewhere and names it here.
    config = {"metadata_dir": metadata} if metadata else {}
    try:
        serve(port=port, load_dir=load, ready_file=ready_file, **config)
    except EmulatorError as exc:
        raise _fail(str(exc)) from exc
    except OSError as exc:
        raise _fail(f"{exc.filename}: {exc.strerror}") from exc
    except ValueError as exc:  # a seed file that is not JSON or UTF-8
        raise _fail(f"{load}: a seed file cannot be read: {exc}") from exc
