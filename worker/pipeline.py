"""The one pipeline: pull → score → diff → write → report.

The CLI, the Celery tasks and the tests all call ``run_pipeline``; nothing
re-implements a step. A run is safe to repeat: only records that changed
(beyond the policy's write tolerance) are written, so a run killed half-way
and started again writes just what the first attempt did not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from connectors import (
    BudgetExhaustedError,
    ConfigurationError,
    ConnectorError,
    CrmConnector,
    WriteResult,
)
from mkp_core import (
    ISSUE_SCHEMA,
    SCORE_SCHEMA,
    OpportunityDigest,
    Policy,
    RecordKind,
    calibrate_scores,
    changed_records,
    potential_cutoffs,
    score_digest,
)
from worker.report import RunReport, RunStatus, new_run_id
from worker.snapshots import DEFAULT_SNAPSHOT_KEEP, prune_snapshots, save_snapshot

__all__ = ["PipelineResult", "ProgressFn", "RunOptions", "run_pipeline"]

logger = logging.getLogger(__name__)

# phase, records done, records in the phase
ProgressFn = Callable[[str, int, int], None]

_ISSUES_KEPT_PER_REASON = 20


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How to run: who asked, whether to write, and how much of the portfolio."""

    org: str = "default"
    triggered_by: str = "cli"
    dry_run: bool = False
    top_n: int | None = None
    include_leads: bool = True
    run_id: str | None = None
    # Where to save the scored portfolio for reports; None saves nothing.
    # Dry runs never save one: a snapshot stands for what the CRM was given.
    snapshot_dir: Path | None = None
    snapshot_keep: int = DEFAULT_SNAPSHOT_KEEP


@dataclasses.dataclass(frozen=True)
class PipelineResult:
    """The report plus the frames a caller may want to show or save.

    ``error`` is the connector error that ended a failed run (the report says
    so too); the caller decides whether to retry it, show it or raise it.
    """

    report: RunReport
    scores: pl.DataFrame
    updates: dict[RecordKind, pl.DataFrame]
    error: ConnectorError | None = None


def run_pipeline(
    connector: CrmConnector,
    policy: Policy,
    options: RunOptions = RunOptions(),
    *,
    now: dt.datetime | None = None,
    progress: ProgressFn | None = None,
) -> PipelineResult:
    """Score the connector's portfolio and write back what changed."""
    now = now or dt.datetime.now(dt.UTC)
    policy = policy.resolved(now.date())
    report = _start_report(options, policy, now)
    notify = progress or _no_progress
    started = time.monotonic()
    logger.info(
        "Run %s started for org %s (as of %s, %s)",
        report.run_id,
        report.org,
        report.as_of,
        "dry run" if options.dry_run else "writing",
    )

    scores = pl.DataFrame(schema=SCORE_SCHEMA)
    updates: dict[RecordKind, pl.DataFrame] = {}
    error: ConnectorError | None = None
    try:
        scores, issues, accounts = _pull_and_score(
            connector, policy, options, now, notify
        )
        _count_scores(report, scores, issues)
        report.calibration = calibrate_scores(accounts, scores, policy).to_dict()
        updates = {
            kind: changed_records(scores, kind, write_tolerance=policy.write_tolerance)
            for kind in _kinds(options)
        }
        report.records_changed = sum(frame.height for frame in updates.values())
        report.planned_write_calls = sum(
            connector.planned_write_calls(kind, frame.height)
            for kind, frame in updates.items()
        )
        if not options.dry_run:
            _write(connector, updates, report, notify)
        report.status = (
            RunStatus.PARTIAL if report.write_failures else RunStatus.SUCCEEDED
        )
        # Saved only once the CRM holds the values: a snapshot stands for what
        # the CRM was given, never for a run whose writes failed.
        if options.snapshot_dir is not None and not options.dry_run:
            _save_snapshot(options.snapshot_dir, options, scores, report, policy, now)
    except BudgetExhaustedError as exc:
        report.status = RunStatus.BUDGET_EXHAUSTED
        report.message = _joined(report.message, exc.message)
        logger.warning("Run %s stopped: %s", report.run_id, exc.message)
    except ConnectorError as exc:
        error = exc
        report.status = RunStatus.FAILED
        report.message = _joined(report.message, exc.message)
        logger.warning("Run %s failed: %s", report.run_id, exc.message)
    finally:
        _finish_report(report, connector, started)

    return PipelineResult(report=report, scores=scores, updates=updates, error=error)


def _pull_and_score(
    connector: CrmConnector,
    policy: Policy,
    options: RunOptions,
    now: dt.datetime,
    notify: ProgressFn,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Scores, every input issue, and the accounts as read (for calibration).

    Accounts and rates come first, so each page of deals is folded into
    per-account facts as it arrives: memory follows the accounts, and every
    page is read before anything is scored.
    """
    notify("read", 0, 3)
    accounts = connector.read_accounts()
    if accounts.frame.height == 0:
        # Every deal would be an orphan and every lead scored without peers:
        # the source, the account filter or the user's access is wrong.
        raise ConfigurationError(
            f"No account was read from the {connector.name} connector, so there "
            "is nothing to score: check that the accounts source holds accounts "
            "and that no account filter or missing permission hides them"
        )
    rates = connector.read_currency_rates()
    leads = connector.read_leads() if options.include_leads else None
    notify("read", 3, 3)

    digest = OpportunityDigest(accounts.frame, rates.frame, policy)
    read_issues = [accounts.issues]
    notify("read opportunities", 0, 0)
    for page in connector.iter_opportunities():
        digest.add(page.frame)
        read_issues.append(page.issues)
        notify("read opportunities", digest.opportunities_added, 0)
    logger.info("Read %d opportunities", digest.opportunities_added)

    notify("score", 0, accounts.frame.height)
    scoring = score_digest(
        digest,
        now=now,
        leads=leads.frame if leads is not None else None,
        top_n=options.top_n,
    )
    notify("score", accounts.frame.height, accounts.frame.height)

    read_issues.append(rates.issues)
    if leads is not None:
        read_issues.append(leads.issues)
    issues = pl.concat([*read_issues, scoring.issues], how="vertical_relaxed")
    return scoring.scores, _one_issue_per_record(issues), accounts.frame


def _one_issue_per_record(issues: pl.DataFrame) -> pl.DataFrame:
    """Keep the first problem of each record, so no record is counted twice.

    A value the connector could not parse comes back null, and the scoring
    model then reports the null too (a won deal without an amount): the
    connector's message, being nearer the source, is the one kept.
    """
    record = [pl.col("object").str.to_lowercase(), pl.col("record_id")]
    first = pl.int_range(pl.len()).over(record) == 0
    return issues.select(ISSUE_SCHEMA.keys()).filter(
        first | pl.col("record_id").is_null()
    )


def _save_snapshot(
    directory: Path,
    options: RunOptions,
    scores: pl.DataFrame,
    report: RunReport,
    policy: Policy,
    now: dt.datetime,
) -> None:
    """Save and prune the org's snapshots; a failure is reported, never raised."""
    cutoffs = potential_cutoffs(scores, policy)
    borders = {
        "potential_medium": cutoffs.medium_amount,
        "potential_high": cutoffs.high_amount,
        "reached_share": policy.reached_share,
    }
    try:
        path = save_snapshot(
            directory,
            scores,
            org=report.org,
            run_id=report.run_id,
            taken_at=now,
            as_of=policy.as_of_date,
            currency=policy.corporate_currency,
            locale=str(policy.locale),
            calibration=report.calibration,
            borders=borders,
        )
        prune_snapshots(directory, report.org, options.snapshot_keep)
    except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
        logger.warning("Run %s saved no snapshot: %s", report.run_id, exc)
        report.snapshot_failures += 1
        report.message = _joined(report.message, f"snapshot not saved: {exc}")
        return
    report.snapshot = str(path)


def _joined(message: str, addition: str) -> str:
    return f"{message}; {addition}" if message else addition


def _write(
    connector: CrmConnector,
    updates: dict[RecordKind, pl.DataFrame],
    report: RunReport,
    notify: ProgressFn,
) -> None:
    total = report.records_changed
    done = 0

    def advance(records_done: int) -> None:
        nonlocal done
        done += records_done
        notify("write", done, total)

    notify("write", 0, total)
    outcome = WriteResult()
    for kind, frame in updates.items():
        if frame.height:
            outcome.merge(connector.write_updates(kind, frame, advance))
    report.records_written = outcome.written
    report.write_failures = [
        dataclasses.asdict(failure) for failure in outcome.failures
    ]


def _kinds(options: RunOptions) -> list[RecordKind]:
    if options.include_leads:
        return [RecordKind.ACCOUNT, RecordKind.LEAD]
    return [RecordKind.ACCOUNT]


def _start_report(options: RunOptions, policy: Policy, now: dt.datetime) -> RunReport:
    return RunReport(
        run_id=options.run_id or new_run_id(now),
        org=options.org,
        triggered_by=options.triggered_by,
        started_at=now.isoformat(timespec="seconds"),
        as_of=policy.as_of_date.isoformat(),
        dry_run=options.dry_run,
    )


def _count_scores(
    report: RunReport, scores: pl.DataFrame, issues: pl.DataFrame
) -> None:
    for kind, target in (
        (RecordKind.ACCOUNT, report.segment_counts),
        (RecordKind.LEAD, report.lead_segment_counts),
    ):
        rows = scores.filter(pl.col("kind") == str(kind))
        counts = dict(rows.group_by("segment").len().iter_rows())
        target.update({str(n): int(counts.get(n, 0)) for n in range(1, 10)})
    report.accounts_scored = sum(report.segment_counts.values())
    report.leads_scored = sum(report.lead_segment_counts.values())

    by_reason = issues.group_by("reason").len().sort("reason")
    report.skipped = {reason: int(n) for reason, n in by_reason.iter_rows()}
    kept = issues.filter(
        pl.int_range(pl.len()).over("reason") < _ISSUES_KEPT_PER_REASON
    )
    report.issues = kept.to_dicts()


def _finish_report(report: RunReport, connector: CrmConnector, started: float) -> None:
    if report.status is RunStatus.RUNNING:
        report.status = RunStatus.FAILED
    usage = connector.api_usage()
    report.api_calls = usage.calls
    report.api_calls_by_operation = dict(usage.calls_by_operation)
    report.events = dict(sorted(usage.events.items()))
    report.duration_s = round(time.monotonic() - started, 3)
    report.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    logger.info(
        "Run %s %s: org=%s accounts=%d leads=%d changed=%d written=%d "
        "failures=%d skipped=%d api_calls=%d duration=%.1fs",
        report.run_id,
        report.status,
        report.org,
        report.accounts_scored,
        report.leads_scored,
        report.records_changed,
        report.records_written,
        report.write_failure_count,
        sum(report.skipped.values()),
        report.api_calls,
        report.duration_s,
    )


def _no_progress(phase: str, done: int, total: int) -> None:
    """Progress sink for callers that do not draw progress."""
