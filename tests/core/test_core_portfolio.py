"""The 3×3 portfolio picture and migration between segments."""

from __future__ import annotations

from typing import Any

import polars as pl
from core_builders import accounts, opportunities, policy, score, won

from mkp_core import NEW_ROW, SCORE_SCHEMA, migration, portfolio_summary


def scores(*rows: dict[str, Any]) -> pl.DataFrame:
    full = [{"kind": "account", **row} for row in rows]
    return pl.DataFrame(
        [{name: row.get(name) for name in SCORE_SCHEMA} for row in full],
        schema=SCORE_SCHEMA,
        orient="row",
    )


def test_summary_always_has_the_nine_segments() -> None:
    summary = portfolio_summary(scores())

    assert summary.get_column("segment").to_list() == list(range(1, 10))
    assert summary.get_column("accounts").sum() == 0
    assert summary.get_column("account_share").sum() == 0.0


def test_summary_adds_revenue_potential_and_unrealised_per_segment() -> None:
    frame = scores(
        {"record_id": "A", "segment": 8, "window_revenue": 10.0, "potential": 100.0},
        {"record_id": "B", "segment": 8, "window_revenue": 30.0, "potential": 50.0},
        {"record_id": "C", "segment": 1, "window_revenue": 0.0, "potential": 5.0},
        {"record_id": "L", "kind": "lead", "segment": 8, "potential": 1e6},
    )

    row = portfolio_summary(frame).row(7, named=True)

    assert row == {
        "segment": 8,
        "potential_level": "High",
        "progress_level": "Below potential",
        "accounts": 2,
        "window_revenue": 40.0,
        "potential": 150.0,
        "unrealised": 110.0,
        "account_share": 2 / 3,
    }


def test_migration_counts_moves_from_the_crm_segment() -> None:
    frame = scores(
        {"record_id": "A", "segment": 8, "crm_segment": 5},
        {"record_id": "B", "segment": 8, "crm_segment": 5},
        {"record_id": "C", "segment": 5, "crm_segment": 5},
        {"record_id": "D", "segment": 2},
    )

    table = migration(frame)

    assert table.get_column("from_segment").to_list() == [
        *map(str, range(1, 10)),
        NEW_ROW,
    ]
    from_five = table.row(4, named=True)
    assert (from_five["8"], from_five["5"], from_five["1"]) == (2, 1, 0)
    assert table.row(9, named=True)["2"] == 1
    assert table.drop("from_segment").sum_horizontal().sum() == 4


def test_scored_portfolio_fills_the_matrix_with_every_account() -> None:
    account_rows = accounts(
        *({"account_id": f"A{i}", "employees": 10.0} for i in range(6))
    )
    deals = opportunities(*(won(f"O{i}", f"A{i}", 100.0 * i) for i in range(1, 6)))

    result = score(account_rows, deals, policy(min_peer_group=2))

    assert portfolio_summary(result.scores).get_column("accounts").sum() == 6
