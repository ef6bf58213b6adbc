"""The Maven Analytics sample read through its shipped profile."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from connector_reads import read_opportunities

from connectors import CsvConnector
from mkp_core import ACCOUNT_SCHEMA, OPPORTUNITY_SCHEMA

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "maven-crm"

# As published; a change means git or an editor rewrote the line endings.
PUBLISHED_SHA256 = {
    "accounts.csv": "e5242324768a563fc632cddfed49a29acbbf2892b8a3c6453cc9650de9ae0358",
    "sales_pipeline.csv": (
        "825ce8f6c32d4009548b468df3173d55a46fd73f2531f532c5459371dc52adf2"
    ),
    "products.csv": "7c1c8cbbdb6d4c286902e1985eeb529a36366d6a43f43cd4a93c4b1da2a6eb84",
    "sales_teams.csv": (
        "aeff1272ebe196f5a27e3fc0578aa27abf48ed9ae461aa344fb95990e5ad8bd1"
    ),
    "data_dictionary.csv": (
        "22b34e498d07e3d7f322afdbf81d70a5dc0a389792944e50ca2af86a3597f0af"
    ),
}


@pytest.fixture(scope="module")
def maven() -> CsvConnector:
    return CsvConnector.from_profile(EXAMPLE / "profile.toml")


@pytest.fixture(scope="module")
def accounts(maven: CsvConnector) -> pl.DataFrame:
    extract = maven.read_accounts()
    assert extract.issues.is_empty()
    return extract.frame


@pytest.fixture(scope="module")
def opportunities(maven: CsvConnector) -> pl.DataFrame:
    extract = read_opportunities(maven)
    assert extract.issues.is_empty()
    return extract.frame


@pytest.mark.parametrize("name", sorted(PUBLISHED_SHA256))
def test_maven_files_keep_their_published_bytes(name: str) -> None:
    digest = hashlib.sha256((EXAMPLE / name).read_bytes()).hexdigest()
    assert digest == PUBLISHED_SHA256[name]


def test_maven_profile_reads_85_accounts_in_the_account_schema(
    accounts: pl.DataFrame,
) -> None:
    assert accounts.height == 85
    assert accounts.schema == pl.Schema(ACCOUNT_SCHEMA)


def test_maven_account_name_is_both_id_and_name(accounts: pl.DataFrame) -> None:
    assert (accounts["account_id"] == accounts["name"]).all()
    assert accounts["account_id"].n_unique() == 85


def test_maven_revenue_in_millions_becomes_annual_revenue(
    accounts: pl.DataFrame,
) -> None:
    acme = accounts.filter(pl.col("account_id") == "Acme Corporation").row(
        0, named=True
    )
    assert acme["annual_revenue"] == pytest.approx(1_100_040_000.0)
    assert acme["employees"] == 2822
    assert acme["industry"] == "technolgy"


def test_maven_profile_reads_8800_opportunities_in_the_schema(
    opportunities: pl.DataFrame,
) -> None:
    assert opportunities.height == 8800
    assert opportunities.schema == pl.Schema(OPPORTUNITY_SCHEMA)


def test_maven_open_deals_without_account_have_null_account_id(
    opportunities: pl.DataFrame,
) -> None:
    orphans = opportunities.filter(pl.col("account_id").is_null())
    assert orphans.height == 1425
    assert not orphans["is_closed"].any()


def test_maven_stages_map_onto_won_and_closed(opportunities: pl.DataFrame) -> None:
    groups = opportunities.group_by("is_won", "is_closed").len()
    counts = {(won, closed): n for won, closed, n in groups.iter_rows()}
    assert counts == {(True, True): 4238, (False, True): 2473, (False, False): 2089}


def test_maven_won_deals_all_have_amounts_and_dates(
    opportunities: pl.DataFrame,
) -> None:
    won = opportunities.filter(pl.col("is_won"))
    assert won["amount"].null_count() == 0
    assert won["close_date"].null_count() == 0
    assert won["amount"].sum() == 10_005_534


def test_maven_deals_are_in_us_dollars(opportunities: pl.DataFrame) -> None:
    assert opportunities["currency_code"].unique().to_list() == ["USD"]


def test_maven_results_default_to_a_file_beside_the_profile(
    maven: CsvConnector,
) -> None:
    assert maven.output_path == EXAMPLE / "maven-scored.csv"
