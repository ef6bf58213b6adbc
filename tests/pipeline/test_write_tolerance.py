"""A small change in the CRM rewrites the records it concerns, not the portfolio.

The Maven sample through the CSV connector, whose results file plays the
CRM's part: one won deal for one account moves every peer's potential a
little (the size exponent is fitted on the whole portfolio); within the write
tolerance those peers are left alone.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from connectors import CsvConnector
from mkp_core import Locale, Policy, RecordKind
from worker.pipeline import PipelineResult, run_pipeline

MAVEN = Path(__file__).parents[2] / "examples" / "maven-crm"
AS_OF = dt.date(2017, 12, 31)
NOW = dt.datetime(2018, 1, 1, 3, 0, tzinfo=dt.UTC)
MAVEN_ACCOUNTS = 85
# A customer whose peers are the whole portfolio; 5,000 is a tenth of its
# window revenue.
WINNER = "Golddex"
NEW_DEAL = f"NEWDEAL1,Darcel Schlecht,GTX Pro,{WINNER},Won,2017-11-01,2017-12-01,5000"


@pytest.fixture
def maven(tmp_path: Path) -> Path:
    """A copy of the Maven sample that a test may change; its profile path."""
    copy = tmp_path / "maven"
    shutil.copytree(MAVEN, copy, ignore=shutil.ignore_patterns("salesforce"))
    return copy / "profile.toml"


def run(profile: Path, night: int, **policy: object) -> PipelineResult:
    """One run on the ``night``-th day, with a fresh connector as the CLI has."""
    connector = CsvConnector.from_profile(profile, output=profile.parent / "out.csv")
    chosen = Policy.model_validate({"as_of": AS_OF, **policy})
    return run_pipeline(connector, chosen, now=NOW + dt.timedelta(days=night))


def win_a_deal(profile: Path) -> None:
    with (profile.parent / "sales_pipeline.csv").open("a", encoding="utf-8") as file:
        file.write(NEW_DEAL + "\n")


def written_ids(result: PipelineResult) -> list[str]:
    return [i for frame in result.updates.values() for i in frame["record_id"]]


def stored_accounts(profile: Path) -> pl.DataFrame:
    """The results file as the next run reads it: ``record_id`` and ``crm_*``."""
    connector = CsvConnector.from_profile(profile, output=profile.parent / "out.csv")
    return connector.read_accounts().frame.rename({"account_id": "record_id"})


def test_one_won_deal_rewrites_the_account_that_won_it_and_not_its_peers(
    maven: Path,
) -> None:
    run(maven, 0)
    win_a_deal(maven)

    second = run(maven, 1)

    assert second.report.records_written <= 2
    assert WINNER in written_ids(second)


def test_without_a_tolerance_one_won_deal_rewrites_most_accounts(
    maven: Path,
) -> None:
    run(maven, 0, write_tolerance=0)
    win_a_deal(maven)

    second = run(maven, 1, write_tolerance=0)

    assert second.report.records_written > MAVEN_ACCOUNTS / 2


def test_every_stored_potential_stays_within_the_tolerance_of_the_fresh_one(
    maven: Path,
) -> None:
    run(maven, 0)
    win_a_deal(maven)

    fresh = run(maven, 1).scores.filter(pl.col("kind") == "account")

    both = fresh.select("record_id", "potential").join(
        stored_accounts(maven).select("record_id", "crm_potential"), on="record_id"
    )
    off_by = (both["potential"] - both["crm_potential"]).abs()
    assert both.height == MAVEN_ACCOUNTS
    assert (off_by <= 0.02 * both["crm_potential"] + 0.005).all()
    assert off_by.max() > 0.005  # the peers did drift, and were left alone


def test_a_rerun_after_the_deal_was_written_writes_nothing(maven: Path) -> None:
    run(maven, 0)
    win_a_deal(maven)
    run(maven, 1)

    third = run(maven, 2)

    assert third.report.records_changed == 0


def test_a_potential_entered_by_sales_is_stored_to_the_cent_at_once(
    maven: Path,
) -> None:
    first = run(maven, 0).scores
    peers_say = first.filter(pl.col("record_id") == WINNER)["potential"].item()
    sales_say = round(peers_say * 1.01, 2)  # well within the tolerance
    _enter_override(maven, WINNER, sales_say)

    second = run(maven, 1)

    stored = stored_accounts(maven).filter(pl.col("record_id") == WINNER)
    assert written_ids(second) == [WINNER]
    assert stored["crm_potential"].item() == sales_say


def test_a_change_of_locale_rewrites_every_name_and_explanation(
    maven: Path,
) -> None:
    run(maven, 0)

    second = run(maven, 1, locale=Locale.RU)

    changed = second.updates[RecordKind.ACCOUNT]["changed"].to_list()
    assert second.report.records_written == MAVEN_ACCOUNTS
    assert all({"segment_name", "explanation"} <= set(fields) for fields in changed)


def _enter_override(profile: Path, account: str, amount: float) -> None:
    """Add a sales estimate column to the accounts file and map it."""
    accounts = profile.parent / "accounts.csv"
    estimate = pl.when(pl.col("account") == account).then(amount)
    pl.read_csv(accounts).with_columns(estimate.alias("sales_estimate")).write_csv(
        accounts
    )
    text = profile.read_text(encoding="utf-8")
    mapped = 'annual_revenue = "revenue"\npotential_override = "sales_estimate"\n'
    profile.write_text(
        text.replace('annual_revenue = "revenue"\n', mapped, 1), encoding="utf-8"
    )
