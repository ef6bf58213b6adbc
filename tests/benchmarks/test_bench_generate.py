"""The benchmark generator: seeded, in the contract's shapes, loadable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from connector_reads import read_opportunities
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import (
    SIZE_EXPONENT,
    OrgShape,
    SyntheticOrg,
    generate_org,
    new_won_deals,
)
from benchmarks.salesforce_shape import load_emulator, write_salesforce_csvs
from connectors import CsvConnector
from connectors.salesforce_emulator import Emulator, EmulatorConfig
from mkp_core import (
    ACCOUNT_SCHEMA,
    LEAD_SCHEMA,
    OPPORTUNITY_SCHEMA,
    RATE_SCHEMA,
    score_portfolio,
)

SMALL = OrgShape(accounts=300, opportunities=3_000)
_FRAMES = ("accounts", "opportunities", "rates", "leads", "truth")


def _frames(org: SyntheticOrg) -> list[pl.DataFrame]:
    return [getattr(org, name) for name in _FRAMES]


@pytest.fixture(scope="module")
def medium_org() -> SyntheticOrg:
    return generate_org(OrgShape(accounts=5_000, opportunities=60_000))


@pytest.fixture(scope="module")
def multi_currency_emulator() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(multi_currency=True)) as running:
        yield running


def test_the_same_seed_gives_the_same_frames() -> None:
    first, second = generate_org(SMALL), generate_org(SMALL)

    for one, other in zip(_frames(first), _frames(second), strict=True):
        assert one.equals(other)


def test_another_seed_gives_other_frames() -> None:
    other = OrgShape(SMALL.accounts, SMALL.opportunities, seed=SMALL.seed + 1)

    assert not generate_org(SMALL).opportunities.equals(
        generate_org(other).opportunities
    )


def test_frames_follow_the_mkp_core_schemas() -> None:
    org = generate_org(SMALL)

    assert org.accounts.schema == pl.Schema(ACCOUNT_SCHEMA)
    assert org.opportunities.schema == pl.Schema(OPPORTUNITY_SCHEMA)
    assert org.rates.schema == pl.Schema(RATE_SCHEMA)
    assert org.leads.schema == pl.Schema(LEAD_SCHEMA)


def test_accounts_stay_the_same_when_only_the_deal_count_changes() -> None:
    more_deals = OrgShape(SMALL.accounts, SMALL.opportunities * 3)

    assert generate_org(SMALL).accounts.equals(generate_org(more_deals).accounts)


@settings(max_examples=25, deadline=None)
@given(
    accounts=st.integers(1, 60),
    opportunities=st.integers(0, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_deal_belongs_to_a_generated_account_or_to_none(
    accounts: int, opportunities: int, seed: int
) -> None:
    org = generate_org(OrgShape(accounts, opportunities, seed=seed))
    owners = org.opportunities.get_column("account_id").drop_nulls()

    assert owners.is_in(org.accounts.get_column("account_id").implode()).all()
    assert org.opportunities.get_column("opportunity_id").is_unique().all()
    assert org.opportunities.height == opportunities


@pytest.mark.parametrize(
    "bad_input",
    [
        pl.col("account_id").is_null(),
        pl.col("amount").is_null(),
        pl.col("amount") < 0,
        pl.col("amount") > 1e12,
        pl.col("currency_code") != "USD",
    ],
    ids=["orphan", "missing amount", "negative", "absurd", "foreign currency"],
)
def test_the_org_holds_each_kind_of_awkward_deal(
    medium_org: SyntheticOrg, bad_input: pl.Expr
) -> None:
    assert medium_org.opportunities.filter(bad_input).height > 0


def test_scoring_recovers_the_generated_size_exponent(
    medium_org: SyntheticOrg,
) -> None:
    scoring = score_portfolio(
        medium_org.accounts,
        medium_org.opportunities,
        medium_org.rates,
        medium_org.policy(),
        now=medium_org.now(),
    )

    assert scoring.size_exponent == pytest.approx(SIZE_EXPONENT, abs=0.05)


def test_new_won_deals_go_to_one_percent_of_the_accounts_once_each(
    medium_org: SyntheticOrg,
) -> None:
    deals = new_won_deals(medium_org, 0.01)

    assert deals.height == 50
    assert deals.get_column("account_id").is_unique().all()
    assert deals.get_column("is_won").all()
    assert (
        not deals.get_column("opportunity_id")
        .is_in(medium_org.opportunities.get_column("opportunity_id").implode())
        .any()
    )


def test_salesforce_csvs_read_back_through_the_csv_connector(tmp_path: Path) -> None:
    org = generate_org(SMALL)
    connector = CsvConnector.from_profile(write_salesforce_csvs(org, tmp_path))

    accounts = connector.read_accounts().frame
    opportunities = read_opportunities(connector).frame

    assert accounts.get_column("account_id").equals(org.accounts["account_id"])
    assert opportunities.get_column("amount").equals(org.opportunities["amount"])
    assert connector.read_currency_rates().frame.height == org.rates.height


def test_the_org_loads_into_the_emulator_with_its_deals_linked(
    multi_currency_emulator: Emulator,
) -> None:
    org = generate_org(OrgShape(accounts=40, opportunities=200, leads=5))
    account_map = load_emulator(multi_currency_emulator, org, chunk_records=64)

    stored = multi_currency_emulator.records("Opportunity")
    linked = {record["AccountId"] for record in stored} - {None}

    assert len(multi_currency_emulator.records("Account")) == 40
    assert len(stored) == 200
    assert linked <= set(account_map.get_column("salesforce_id"))
