"""Runs that fail or meet bad input still account for themselves."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from worker.cli import app

PROFILE = """
shape = "salesforce"
[files]
accounts = "Account.csv"
opportunities = "Opportunity.csv"
"""


def _org(tmp_path: Path, opportunities: str) -> Path:
    (tmp_path / "Account.csv").write_text("Id,Name\nA1,Acme\n")
    (tmp_path / "Opportunity.csv").write_text(opportunities)
    profile = tmp_path / "profile.toml"
    profile.write_text(PROFILE)
    return profile


def _run(profile: Path, report: Path) -> tuple[int, str, dict[str, object]]:
    args = ["run", "--csv", str(profile), "--as-of", "2017-12-31"]
    args += ["--report-json", str(report), "--output", str(profile.parent / "o.csv")]
    outcome = CliRunner().invoke(app, args)
    return outcome.exit_code, outcome.output, json.loads(report.read_text())


def test_a_failed_run_still_writes_its_report_naming_the_cause(
    tmp_path: Path,
) -> None:
    profile = _org(tmp_path, "Id,AccountId,StageName\nO1,A1,Closed Won\n")

    code, output, report = _run(profile, tmp_path / "r.json")

    assert code == 2
    assert report["status"] == "failed"
    assert "Amount" in str(report["message"])
    assert "Amount" in output


def test_an_unparseable_amount_is_counted_once_not_also_as_missing(
    tmp_path: Path,
) -> None:
    opportunities = (
        "Id,AccountId,Amount,StageName,IsWon,IsClosed,CloseDate\n"
        "O1,A1,abc,Closed Won,true,true,2017-05-01\n"
        "O2,A1,100,Closed Won,true,true,2017-05-01\n"
    )
    profile = _org(tmp_path, opportunities)

    code, _, report = _run(profile, tmp_path / "r.json")

    assert code == 0
    assert report["skipped"] == {"non_numeric_amount": 1}
    assert report["accounts_scored"] == 1


def test_an_as_of_outside_the_supported_calendar_is_refused_naming_the_option(
    tmp_path: Path,
) -> None:
    profile = _org(tmp_path, "Id,AccountId,Amount,StageName\n")
    args = ["run", "--csv", str(profile), "--as-of", "0001-01-02"]

    outcome = CliRunner().invoke(app, args)

    assert outcome.exit_code == 2
    assert "command line: invalid policy: as_of" in outcome.output
    assert not (tmp_path / "profile-scored.csv").exists()


def test_a_date_format_no_close_date_matches_stops_the_run_and_keeps_the_results(
    tmp_path: Path,
) -> None:
    opportunities = (
        "Id,AccountId,Amount,StageName,IsWon,IsClosed,CloseDate\n"
        "O1,A1,100,Closed Won,true,true,2017-05-01\n"
        "O2,A1,200,Closed Won,true,true,2017-06-01\n"
    )
    profile = _org(tmp_path, opportunities)
    _run(profile, tmp_path / "first.json")
    results = (tmp_path / "o.csv").read_text()
    profile.write_text('date_format = "%d.%m.%Y"\n' + PROFILE)

    code, output, report = _run(profile, tmp_path / "second.json")

    assert code == 2
    assert report["status"] == "failed"
    assert "date_format '%d.%m.%Y'" in str(report["message"])
    assert "'2017-05-01'" in output
    assert (tmp_path / "o.csv").read_text() == results


MAPPED_WITHOUT_STAGES = """
shape = "mapped"
[files]
accounts = "a.csv"
opportunities = "o.csv"
[columns.accounts]
account_id = "account"
[columns.opportunities]
opportunity_id = "id"
account_id = "account"
amount = "value"
close_date = "closed"
"""


def test_an_error_message_naming_a_bracketed_table_is_shown_whole(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text(MAPPED_WITHOUT_STAGES)

    outcome = CliRunner().invoke(app, ["run", "--csv", str(profile)])

    assert outcome.exit_code == 2
    assert "the mapped shape needs [stages] (won/lost stage values)" in outcome.output


def test_a_top_beyond_any_portfolio_is_refused_naming_the_option(
    tmp_path: Path,
) -> None:
    profile = _org(tmp_path, "Id,AccountId,Amount,StageName\n")
    args = ["run", "--csv", str(profile), "--top", "99999999999999999999"]

    outcome = CliRunner().invoke(app, args)

    assert outcome.exit_code == 2
    assert "Invalid value for '--top'" in outcome.output


def test_a_run_that_reads_no_account_fails_and_writes_nothing(tmp_path: Path) -> None:
    profile = _org(tmp_path, "Id,AccountId,Amount,StageName\nO1,A1,100,Closed Won\n")
    (tmp_path / "Account.csv").write_text("Id,Name\n")

    code, output, report = _run(profile, tmp_path / "r.json")

    assert code == 2
    assert report["status"] == "failed"
    assert "No account was read" in str(report["message"])
    assert "No account was read" in output
    assert not (tmp_path / "o.csv").exists()
