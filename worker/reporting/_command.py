"""``mkp report``: the matrix, migration and calibration from saved snapshots."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from mkp_core import Locale, PolicyError, segment_names
from worker._display import make_console, print_error
from worker.reporting._build import ReportLimits, build_report
from worker.reporting._html import render_html
from worker.reporting._select import select_snapshots
from worker.reporting._text import print_report
from worker.reporting._words import words_for
from worker.settings import load_settings
from worker.snapshots import SnapshotError, default_snapshot_dir

__all__ = ["report_command"]


def report_command(
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Compare with the latest snapshot as of this date or earlier.",
        ),
    ] = None,
    from_snapshot: Annotated[
        str | None,
        typer.Option("--from", help="Older snapshot: id, file or date (YYYY-MM-DD)."),
    ] = None,
    to_snapshot: Annotated[
        str | None,
        typer.Option("--to", help="Newer snapshot: id, file or date; default latest."),
    ] = None,
    html: Annotated[
        Path | None, typer.Option(help="Write the report as an HTML page here.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of text.")
    ] = False,
    org: Annotated[
        str | None, typer.Option(help="Org whose snapshots to read; default: setting.")
    ] = None,
    locale: Annotated[
        Locale | None, typer.Option(help="Report language; default: the policy's.")
    ] = None,
    top: Annotated[
        int, typer.Option(min=1, max=500, help="Accounts listed per segment.")
    ] = 10,
    snapshot_dir: Annotated[
        Path | None, typer.Option(help="Snapshot directory; default: setting.")
    ] = None,
) -> None:
    """Report on saved runs: matrix, bubble view, migration, calibration, leads."""
    if since and (from_snapshot or to_snapshot):
        raise _fail("use --since or --from/--to, not both")
    settings = load_settings()
    try:
        policy = settings.load_policy()
    except PolicyError as exc:
        raise _fail(str(exc)) from exc
    chosen_locale = locale or policy.locale
    words = words_for(chosen_locale)
    directory = snapshot_dir or settings.snapshot_dir or default_snapshot_dir()

    try:
        selection = select_snapshots(
            directory,
            org or settings.org,
            since=since.date() if since else None,
            from_ref=from_snapshot,
            to_ref=to_snapshot,
        )
    except (SnapshotError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    names = segment_names(policy.model_copy(update={"locale": chosen_locale}))
    model = build_report(
        selection.newer,
        selection.older,
        words=words,
        names=names,
        limits=ReportLimits(top_accounts=top),
        warnings=selection.warnings,
    )

    if html:
        _save_page(html, render_html(model, words, top_n=top))
    if as_json:
        typer.echo(json.dumps(model.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_report(make_console(), model, words)
    if html:
        make_console(stderr=True).print(f"HTML report: {html}")


def _save_page(path: Path, page: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _fail(f"cannot write the report page to {path}: {reason}") from exc


def _fail(message: str) -> typer.Exit:
    print_error(make_console(stderr=True), message)
    return typer.Exit(2)
