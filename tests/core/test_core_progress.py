"""Wallet share, progress level, potential level and their hysteresis."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from core_builders import policy

from mkp_core.progress import (
    PotentialCutoffs,
    assign_potential_level,
    assign_progress,
    potential_cutoffs,
)

SCHEMA = {
    "kind": pl.String(),
    "window_revenue": pl.Float64(),
    "potential": pl.Float64(),
    "crm_progress_level": pl.String(),
    "crm_potential_level": pl.String(),
}


def rows(*values: dict[str, Any]) -> pl.DataFrame:
    full = [{"kind": "account", **row} for row in values]
    return pl.DataFrame(
        [{name: row.get(name) for name in SCHEMA} for row in full],
        schema=SCHEMA,
        orient="row",
    )


def progress(
    revenue: float, potential: float, previous: str | None = None, **kw: Any
) -> dict[str, Any]:
    frame = rows(
        {
            "window_revenue": revenue,
            "potential": potential,
            "crm_progress_level": previous,
        }
    )
    return assign_progress(frame, policy(**kw)).row(0, named=True)


def test_wallet_share_is_revenue_over_potential() -> None:
    assert progress(25.0, 100.0)["wallet_share"] == 0.25


def test_wallet_share_is_zero_when_potential_is_zero() -> None:
    assert progress(0.0, 0.0)["wallet_share"] == 0.0


def test_no_revenue_is_not_working() -> None:
    assert progress(0.0, 100.0)["progress_level"] == "Not working"


def test_share_at_the_reached_border_is_reached() -> None:
    assert progress(80.0, 100.0)["progress_level"] == "Reached"


def test_share_under_the_border_is_below_potential() -> None:
    assert progress(79.0, 100.0)["progress_level"] == "Below potential"


@pytest.mark.parametrize(
    ("previous", "share_percent", "expected"),
    [
        ("Reached", 76, "Reached"),  # inside the band: stays
        ("Reached", 74, "Below potential"),  # beyond the margin: moves
        ("Below potential", 84, "Below potential"),
        ("Below potential", 85, "Reached"),
        ("Not working", 84, "Below potential"),
        ("Unrecognised", 80, "Reached"),  # unknown previous: plain border
    ],
)
def test_progress_moves_only_beyond_the_hysteresis_margin(
    previous: str, share_percent: int, expected: str
) -> None:
    level = progress(float(share_percent), 100.0, previous, hysteresis_margin=0.05)

    assert level["progress_level"] == expected


def level(
    potential: float, cutoffs: PotentialCutoffs, previous: str | None = None
) -> str:
    frame = rows(
        {"window_revenue": 0.0, "potential": potential, "crm_potential_level": previous}
    )
    result = assign_potential_level(frame, cutoffs, policy(hysteresis_margin=0.1))
    return result.get_column("potential_level")[0]


CUTS = PotentialCutoffs(medium_amount=100.0, high_amount=1000.0)


@pytest.mark.parametrize(
    ("potential", "expected"),
    [
        (0.0, "Low"),
        (99.0, "Low"),
        (100.0, "Medium"),
        (999.0, "Medium"),
        (1000.0, "High"),
    ],
)
def test_potential_level_from_cut_off_amounts(potential: float, expected: str) -> None:
    assert level(potential, CUTS) == expected


@pytest.mark.parametrize(
    ("previous", "potential", "expected"),
    [
        ("High", 901.0, "High"),  # within 10 % of 1000
        ("High", 899.0, "Medium"),
        ("Medium", 1099.0, "Medium"),
        ("Medium", 1100.0, "High"),
        ("Low", 109.0, "Low"),
        ("Medium", 91.0, "Medium"),
        ("Low", 5000.0, "High"),
        ("High", 50.0, "Low"),
    ],
)
def test_potential_level_moves_only_beyond_the_relative_margin(
    previous: str, potential: float, expected: str
) -> None:
    assert level(potential, CUTS, previous) == expected


def test_zero_potential_is_low_even_when_the_cut_off_is_zero() -> None:
    assert level(0.0, PotentialCutoffs(0.0, 0.0)) == "Low"


def test_default_quantile_cut_offs_put_the_top_fifth_in_high() -> None:
    frame = rows(*({"potential": float(value)} for value in range(1, 11)))
    chosen = policy()

    cuts = potential_cutoffs(frame, chosen)
    levels = assign_potential_level(frame, cuts, chosen).get_column("potential_level")

    assert levels.to_list() == ["Low"] * 5 + ["Medium"] * 3 + ["High"] * 2


def test_amount_cut_offs_come_from_the_policy() -> None:
    chosen = policy(
        potential_levels={"mode": "amount", "medium_amount": 5, "high_amount": 50}
    )

    assert potential_cutoffs(rows(), chosen) == PotentialCutoffs(5.0, 50.0)


def test_leads_do_not_move_the_quantile_cut_offs() -> None:
    accounts = [{"potential": float(value)} for value in range(1, 11)]
    huge_leads = [{"kind": "lead", "potential": 1e9}] * 50

    with_leads = potential_cutoffs(rows(*accounts, *huge_leads), policy())

    assert with_leads == potential_cutoffs(rows(*accounts), policy())
