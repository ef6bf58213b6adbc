"""The ``mkp`` commands an operator runs against an org: check, run
--dry-run, a refused account filter, and the demo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from e2e_support import run_maven, write_calls
from typer.testing import CliRunner

from connectors.salesforce_emulator import Emulator, EmulatorConfig
from mkp_core import Policy
from worker.cli import app


def invoke(emu: Emulator, *args: str, **env: str) -> tuple[int, str]:
    """Run ``mkp`` with the emulator's ``MKP_SALESFORCE__…`` settings; the
    exit code and the output with line wrapping undone."""
    outcome = CliRunner().invoke(app, list(args), env={**emu.env, **env})
    return outcome.exit_code, " ".join(outcome.output.split())


@pytest.fixture(scope="module")
def org_without_segment_field() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(omit_fields=("Account.MKP_Segment__c",))) as emu:
        yield emu


def test_check_passes_against_an_org_with_the_deployed_fields(
    sf_org: Emulator,
) -> None:
    code, output = invoke(sf_org, "check")

    assert code == 0, output
    assert "All target fields exist and are writable" in output


def test_check_fails_naming_the_field_the_org_lacks(
    org_without_segment_field: Emulator,
) -> None:
    code, output = invoke(org_without_segment_field, "check")

    assert code == 1
    assert "account MKP_Segment__c: missing" in output
    assert "MKP_Segment_Name__c" not in output


@pytest.mark.parametrize(
    ("account_filter", "problem"),
    [
        ("Name = 'x' OR 1=1", "constant comparisons such as 1=1"),
        ("Name = 'O'Brien'", "unbalanced quote"),
    ],
)
def test_an_unsafe_account_filter_is_refused_before_any_call(
    sf_org: Emulator, tmp_path: Path, account_filter: str, problem: str
) -> None:
    code, output = invoke(
        sf_org,
        "run",
        "--dry-run",
        MKP_SALESFORCE__ACCOUNT_FILTER=account_filter,
        MKP_SNAPSHOT_DIR=str(tmp_path),
    )

    assert code == 2
    assert "account_filter is not a safe SOQL condition" in output
    assert problem in output
    assert "Traceback" not in output
    assert sf_org.stats()["total_calls"] == 0


def test_a_dry_run_reads_everything_writes_nothing_and_shows_the_changes(
    maven_org: Emulator, tmp_path: Path
) -> None:
    run_maven(maven_org, Policy(as_of=dt.date(2017, 6, 30)))
    before = maven_org.records("Account")
    maven_org.reset()

    code, output = invoke(
        maven_org,
        "run",
        "--dry-run",
        "--as-of",
        "2017-12-31",
        MKP_SNAPSHOT_DIR=str(tmp_path),
    )

    calls = maven_org.stats()["calls"]
    assert code == 0, output
    assert calls["query"] > 0
    assert calls["query_more"] > 0
    assert write_calls(maven_org) == 0
    assert maven_org.records("Account") == before
    assert "accounts with changed values" in output
    assert "accounts move" in output
    assert "A real run would make 1 write call." in output


def test_the_demo_writes_every_account_then_nothing_and_shows_them_in_russian(
    tmp_path: Path,
) -> None:
    exported = tmp_path / "accounts.csv"

    outcome = CliRunner().invoke(
        app, ["demo", "--locale", "ru", "--output", str(exported)]
    )

    output = " ".join(outcome.output.split())
    assert outcome.exit_code == 0, output
    first, second = output.split("Second run", 1)
    assert "Write calls: 1." in first
    assert "Write calls: 0." in second
    assert "Стратегические" in first
    assert first.count("wallet share") == 3  # three accounts read back
    accounts = pl.read_csv(exported)
    assert accounts.height == 85
    assert accounts["MKP_Segment__c"].cast(pl.Int64).is_between(1, 9).all()
    assert accounts["MKP_Segment_Name__c"].is_in(["Стратегические"]).any()


def test_a_demo_output_that_is_a_directory_is_named_and_refused(
    tmp_path: Path,
) -> None:
    outcome = CliRunner().invoke(app, ["demo", "--output", str(tmp_path)])

    assert outcome.exit_code == 2
    assert f"Cannot write the demo accounts to {tmp_path}" in outcome.output
