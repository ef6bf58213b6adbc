"""End to end on the Maven CRM example through the CSV connector and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from connectors import CsvConnector
from mkp_core import Policy, portfolio_summary
from worker.cli import app
from worker.pipeline import RunOptions, run_pipeline

PROFILE = Path(__file__).parents[2] / "examples" / "maven-crm" / "profile.toml"
AS_OF = dt.date(2017, 12, 31)
NOW = dt.datetime(2018, 1, 1, 3, 0, tzinfo=dt.UTC)


def _won_revenue_in_window(as_of: dt.date, window_days: int) -> float:
    """Total won close_value in (as_of - window, as_of], read with plain csv."""
    start = as_of - dt.timedelta(days=window_days)
    path = PROFILE.parent / "sales_pipeline.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(
            float(row["close_value"])
            for row in csv.DictReader(handle)
            if row["deal_stage"] == "Won"
            and row["account"]
            and start < dt.date.fromisoformat(row["close_date"]) <= as_of
        )


@pytest.fixture
def maven(tmp_path: Path) -> CsvConnector:
    return CsvConnector.from_profile(PROFILE, output=tmp_path / "scored.csv")


def test_maven_portfolio_scores_all_85_accounts_into_nine_segments(
    maven: CsvConnector,
) -> None:
    result = run_pipeline(maven, Policy(as_of=AS_OF), now=NOW)

    report = result.report
    assert report.status == "succeeded"
    assert report.accounts_scored == 85
    assert sum(report.segment_counts.values()) == 85
    assert set(report.segment_counts) == {str(n) for n in range(1, 10)}
    assert report.skipped["orphan_opportunity"] == 1425


def test_matrix_cells_add_up_to_the_won_revenue_of_the_window(
    maven: CsvConnector,
) -> None:
    policy = Policy(as_of=AS_OF)

    result = run_pipeline(maven, policy, RunOptions(dry_run=True), now=NOW)

    summary = portfolio_summary(result.scores)
    expected = _won_revenue_in_window(AS_OF, policy.window_days)
    assert expected > 0
    assert summary["window_revenue"].sum() == pytest.approx(expected, abs=0.01)


def test_second_run_with_the_same_output_writes_nothing(maven: CsvConnector) -> None:
    first = run_pipeline(maven, Policy(as_of=AS_OF), now=NOW)
    later = NOW + dt.timedelta(days=1)

    second = run_pipeline(maven, Policy(as_of=AS_OF), now=later)

    assert first.report.records_written == 85
    assert second.report.records_changed == 0
    assert second.report.records_written == 0


def test_dry_run_writes_no_file(maven: CsvConnector, tmp_path: Path) -> None:
    result = run_pipeline(maven, Policy(as_of=AS_OF), RunOptions(dry_run=True))

    assert result.report.records_changed == 85
    assert result.report.records_written == 0
    assert not (tmp_path / "scored.csv").exists()


def test_top_n_scores_only_the_largest_accounts(maven: CsvConnector) -> None:
    everyone = run_pipeline(maven, Policy(as_of=AS_OF), RunOptions(dry_run=True))

    result = run_pipeline(maven, Policy(as_of=AS_OF), RunOptions(top_n=20), now=NOW)

    largest = everyone.scores.sort(
        ["window_revenue", "record_id"], descending=[True, False]
    ).head(20)
    kept = result.scores.filter(pl.col("kind") == "account")
    assert set(kept["record_id"]) == set(largest["record_id"])
    assert result.report.accounts_scored == 20
    assert result.report.records_written == 20


def test_cli_run_prints_the_matrix_and_writes_the_report(tmp_path: Path) -> None:
    report_path = tmp_path / "r.json"
    args = ["run", "--csv", str(PROFILE), "--as-of", "2017-12-31"]
    args += ["--output", str(tmp_path / "o.csv"), "--report-json", str(report_path)]

    outcome = CliRunner().invoke(app, args)

    assert outcome.exit_code == 0, outcome.output
    assert "Strategic" in outcome.output
    assert "orphan_opportunity" in outcome.output
    report = json.loads(report_path.read_text())
    assert report["accounts_scored"] == 85
    assert report["records_written"] == 85


def test_cli_run_in_russian_prints_russian_segment_names(tmp_path: Path) -> None:
    args = ["run", "--csv", str(PROFILE), "--as-of", "2017-12-31", "--dry-run"]
    args += ["--locale", "ru", "--output", str(tmp_path / "o.csv")]

    outcome = CliRunner().invoke(app, args)

    assert outcome.exit_code == 0, outcome.output
    assert "Стратегические" in outcome.output
    assert "Strategic" not in outcome.output


def test_cli_names_a_missing_policy_file(tmp_path: Path) -> None:
    args = ["run", "--csv", str(PROFILE), "--policy", str(tmp_path / "nope.toml")]

    outcome = CliRunner().invoke(app, args)

    assert outcome.exit_code == 2
    assert "nope.toml" in outcome.output
