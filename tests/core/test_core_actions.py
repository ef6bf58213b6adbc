"""Next actions sharpened by signals, and explanations a rep can check."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from core_builders import (
    AS_OF,
    accounts,
    open_deal,
    opportunities,
    policy,
    score,
    won,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from mkp_core.actions import _by_case
from mkp_core.texts import MAX_NEXT_ACTION_CHARS

RETAIL = [
    {"account_id": f"R{i}", "industry": "retail", "employees": float(size)}
    for i, size in enumerate([100, 200, 400, 800, 1600], start=1)
]
RETAIL_WINS = [
    won(f"O{i}", f"R{i}", amount)
    for i, amount in enumerate([1_000.0, 4_000.0, 4_000.0, 6_000.0, 20_000.0], start=1)
]


def scored(*extra_deals: dict[str, Any], **kw: Any) -> dict[str, dict[str, Any]]:
    chosen = policy(min_peer_group=2, size_exponent=1.0, **kw)
    result = score(accounts(*RETAIL), opportunities(*RETAIL_WINS, *extra_deals), chosen)
    return {row["record_id"]: row for row in result.scores.iter_rows(named=True)}


def test_next_action_starts_with_the_segment_playbook() -> None:
    r1 = scored()["R1"]

    assert r1["segment"] == 2
    assert r1["next_action"].startswith("Keep standard service")


def test_no_open_pipeline_is_flagged_for_accounts_with_potential() -> None:
    rows = scored(open_deal("P1", "R4"))

    assert "No open pipeline" in rows["R5"]["next_action"]
    assert "No open pipeline" not in rows["R4"]["next_action"]


def test_long_time_since_the_last_win_is_flagged_with_its_date() -> None:
    recent = won("O9", "R1", 1.0, close_date=AS_OF - dt.timedelta(days=10))

    rows = scored(recent, signals={"stale_win_days": 180})

    assert "No win in over 180 days (last on 2017-06-30)" in rows["R2"]["next_action"]
    assert "No win" not in rows["R1"]["next_action"]


def test_large_unrealised_potential_is_flagged_with_its_share_not_an_amount() -> None:
    r4 = scored()["R4"]

    assert r4["wallet_share"] < 0.5
    assert "Over 50 % of the potential is unrealised" in r4["next_action"]
    assert "USD" not in r4["next_action"]


def test_next_action_is_cut_to_the_crm_field_length() -> None:
    long_playbook = "x" * 250
    rows = scored(segment_texts={"en": {8: {"next_action": long_playbook}}})

    cut = [row["next_action"] for row in rows.values() if row["segment"] == 8]
    assert cut
    assert all(
        len(text) == MAX_NEXT_ACTION_CHARS and text.endswith("…") for text in cut
    )


def test_explanation_shows_the_peer_arithmetic() -> None:
    # Other retail intensities 10, 20, 10, 12.5 per employee: the linear 90th
    # percentile is 12.5 + 0.7 * 7.5 = 17.75; times 800 employees, 14,200.
    r4 = scored()["R4"]

    assert r4["explanation"] == (
        "Potential 14.2K USD from 4 peers: 90th-percentile retail customers buy "
        "17.8 USD per employee^1.00; at 800 employees that is 14.2K USD. "
        "Won 6K USD in the last 365 days (42.3 % of potential)."
    )


def test_explanation_speaks_russian_in_the_russian_locale() -> None:
    r4 = scored(locale="ru")["R4"]

    assert r4["explanation"].startswith("Потенциал 14,2 тыс. USD по 4 аналогам")
    assert "за последние 365 дн. (42,3 % потенциала)" in r4["explanation"]


def test_explanation_says_when_peers_potential_was_raised_to_revenue() -> None:
    r2 = scored()["R2"]

    assert "that is 2.4K USD. Raised to current revenue." in r2["explanation"]


def test_explanation_names_an_override_by_sales() -> None:
    overridden = [{**RETAIL[0], "potential_override": 10.0}, *RETAIL[1:]]
    chosen = policy(min_peer_group=2)

    result = score(accounts(*overridden), opportunities(*RETAIL_WINS), chosen)

    r1 = result.scores.filter(pl.col("record_id") == "R1").row(0, named=True)
    assert r1["explanation"].startswith(
        "Potential 1K USD entered by sales. Raised to current revenue."
    )


def test_texts_do_not_change_when_only_the_run_date_moves() -> None:
    today = scored()
    tomorrow = scored(as_of=AS_OF + dt.timedelta(days=1))

    for record_id, row in today.items():
        assert tomorrow[record_id]["next_action"] == row["next_action"]
        assert tomorrow[record_id]["explanation"] == row["explanation"]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(0, 9)), max_size=40),
    borders=st.lists(st.integers(0, 9), min_size=1, max_size=4),
)
def test_texts_built_case_by_case_equal_a_when_chain_over_every_row(
    values: list[int | None], borders: list[int]
) -> None:
    frame = pl.DataFrame({"value": values}, schema={"value": pl.Int64})
    value = pl.col("value")
    cases = [
        (value >= border, pl.format("case {} saw {}", pl.lit(number), value))
        for number, border in enumerate(borders)
    ]
    chain = pl.when(cases[0][0]).then(cases[0][1])
    for condition, text in cases[1:]:
        chain = chain.when(condition).then(text)

    by_case = _by_case(frame.lazy(), cases, "text").collect()

    assert by_case.get_column("text").to_list() == (
        frame.select(chain.alias("text")).get_column("text").to_list()
    )
