"""The worker commands of ``mkp``: backfill, runs, worker, beat.

``register`` adds them to the CLI app; Celery is imported only when one of
them runs, so ``mkp run`` does not pay for it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mkp_core import Policy, PolicyError
from worker._display import make_console, print_error
from worker._history_view import runs_table
from worker._watch import wait_for_run
from worker.history import RunHistory
from worker.settings import Settings, load_settings, redact_url

if TYPE_CHECKING:
    from redis import Redis

__all__ = ["register"]

console = make_console()
err_console = make_console(stderr=True)

# Everything after the command name goes to Celery untouched, --help included,
# so `mkp worker --help` lists Celery's own options.
_PASS_THROUGH = {
    "allow_extra_args": True,
    "ignore_unknown_options": True,
    "help_option_names": [],
}
_OK_STATUSES = ("succeeded", "partial")

OrgOption = Annotated[
    str | None,
    typer.Option(help="An org of the orgs file (MKP_ORGS_FILE); default: MKP_ORG."),
]


def register(app: typer.Typer) -> None:
    """Add the worker commands to the ``mkp`` app."""
    app.command()(backfill)
    app.command()(runs)
    app.command(context_settings=_PASS_THROUGH)(worker)
    app.command(context_settings=_PASS_THROUGH)(beat)


def backfill(
    wait: Annotated[
        bool, typer.Option("--wait", help="Show progress until the run ends.")
    ] = False,
    csv: Annotated[
        Path | None, typer.Option(help="CSV profile (TOML) the worker reads.")
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Score as of this date (YYYY-MM-DD)."),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Enqueue a full backfill of the org: every record rescored and diffed."""
    from worker.celery_app import create_app
    from worker.tasks import BACKFILL_TASK

    settings = load_settings()
    org = _served_org(settings, org)
    options: dict[str, Any] = {}
    if csv is not None:
        options["csv_profile"] = str(csv.resolve())
    if as_of is not None:
        options["as_of"] = _checked_as_of(as_of.date()).isoformat()
    kwargs = {"org": org, "triggered_by": _who(), "options": options}
    _state(settings).close()

    app = create_app(settings)
    try:
        result = app.send_task(BACKFILL_TASK, kwargs=kwargs)
        _follow(settings, org, result, wait=wait)
    finally:
        app.close()


def _checked_as_of(as_of: dt.date) -> dt.date:
    """The date when a policy accepts it, so no worker gets a run it cannot do."""
    try:
        Policy.from_mapping({"as_of": as_of}, source="--as-of")
    except PolicyError as exc:
        print_error(err_console, str(exc))
        raise typer.Exit(2) from None
    return as_of


def _served_org(settings: Settings, org: str | None) -> str:
    """``org`` (else ``MKP_ORG``) when this deployment serves it; else exit 2."""
    from worker.orgs import Orgs, OrgsFileError

    chosen = org or settings.org
    try:
        served = Orgs.from_settings(settings).names
    except OrgsFileError as exc:
        print_error(err_console, exc.message)
        raise typer.Exit(2) from None
    if chosen not in served:
        print_error(
            err_console,
            f"this deployment serves {', '.join(served)}, "
            f"not {chosen}: pass --org with one of them",
        )
        raise typer.Exit(2)
    return chosen


def _follow(settings: Settings, org: str, result: Any, *, wait: bool) -> None:
    try:
        console.print(f"Backfill of org {org} queued as task {result.id}.")
        if not wait:
            return
        with _state(settings) as client:
            history = RunHistory(client, org, size=settings.history_size)
            entry = wait_for_run(result, history, console, settings.task_queue)
    except KeyboardInterrupt:
        err_console.print(
            f"Stopped waiting; the backfill goes on (task {result.id}). "
            "Follow it with `mkp runs`."
        )
        raise typer.Exit(130) from None
    if entry is None or entry.get("status") not in _OK_STATUSES:
        raise typer.Exit(1)


def runs(
    limit: Annotated[int, typer.Option(min=1, help="Show at most N runs.")] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the history entries as JSON.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """The latest runs of the org, newest first."""
    from worker.lock import lock_holder

    settings = load_settings()
    org = org or settings.org
    with _state(settings) as client:
        history = RunHistory(client, org, size=settings.history_size)
        entries = history.recent(limit)
        holder = lock_holder(client, org)

    if as_json:
        typer.echo(json.dumps(entries, indent=2))
    elif not entries:
        console.print(f"No runs recorded for org {org} yet.")
    else:
        console.print(runs_table(entries, lock_holder=holder))


def worker(ctx: typer.Context) -> None:
    """Start a Celery worker; all options go to celery worker (try --help).

    One run at a time unless ``--concurrency`` says otherwise: the app's
    configuration sets it, so ``celery -A worker worker`` does the same.
    """
    settings = load_settings()
    _exec_celery(["worker", f"--loglevel={settings.log_level}", *ctx.args])


def beat(ctx: typer.Context) -> None:
    """Start Celery beat, the nightly scheduler; run exactly one."""
    settings = load_settings()
    _exec_celery(["beat", f"--loglevel={settings.log_level}", *ctx.args])


def _exec_celery(args: list[str]) -> None:
    command = [sys.executable, "-m", "celery", "-A", "worker", *args]
    sys.stdout.flush()
    # Replacing this process lets Celery receive the signals sent to it.
    os.execv(command[0], command)  # noqa: S606 - our own interpreter, no shell


def _state(settings: Settings) -> Redis:
    """The broker's Redis once it answers; else one line naming it, and exit 1.

    Without this check Celery and redis-py end the command with a page of
    traceback, or Celery's advice to restart an application that is not one.
    """
    from redis.exceptions import RedisError

    from worker._state import state_client

    client = state_client(settings)
    try:
        client.ping()
    except RedisError as exc:
        client.close()
        url = redact_url(settings.broker_url.get_secret_value())
        print_error(
            err_console,
            f"Redis at {url} does not answer ({type(exc).__name__}: {exc}); "
            "start it, or set MKP_BROKER_URL to the Redis the workers use",
        )
        raise typer.Exit(1) from None
    return client


def _who() -> str:
    try:
        return f"admin:{getpass.getuser()}"
    except OSError:  # no user name in a bare container
        return "admin"
