"""The report model: migration between snapshots, flows in words, plurals."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from mkp_core import Locale, Policy, segment_names
from worker.reporting import (
    FlowMeaning,
    LoadedSnapshot,
    SegmentMark,
    build_report,
    flow_meaning,
    print_report,
    words_for,
)
from worker.snapshots import SNAPSHOT_COLUMNS, Snapshot

NAMES = segment_names(Policy())
ENGLISH = words_for(Locale.EN)
RUSSIAN = words_for(Locale.RU)
LEVELS = {
    1: ("Low", "Not working"),
    2: ("Low", "Below potential"),
    4: ("Medium", "Not working"),
    5: ("Medium", "Below potential"),
    7: ("High", "Not working"),
    8: ("High", "Below potential"),
    9: ("High", "Reached"),
}


def loaded(records: list[tuple[str, int, float]], as_of: dt.date) -> LoadedSnapshot:
    """A snapshot of accounts given as (id, segment, window revenue)."""
    rows = [
        {
            "record_id": record_id,
            "kind": "account",
            "name": record_id,
            "owner": "Ann",
            "industry": "retail",
            "segment": segment,
            "segment_name": NAMES[segment],
            "potential_level": LEVELS[segment][0],
            "progress_level": LEVELS[segment][1],
            "potential": 1000.0,
            "window_revenue": revenue,
            "wallet_share": revenue / 1000.0,
            "potential_method": "peers",
            "next_action": "Act.",
        }
        for record_id, segment, revenue in records
    ]
    frame = pl.DataFrame(rows, schema_overrides={"segment": pl.Int8}).select(
        SNAPSHOT_COLUMNS
    )
    snapshot = Snapshot(
        path=Path(f"acme_{as_of}.parquet"),
        org="acme",
        run_id=f"run-{as_of}",
        taken_at=dt.datetime.combine(as_of, dt.time(), dt.UTC),
        as_of=as_of,
        currency="EUR",
        locale="en",
        calibration={},
        borders={},
    )
    return LoadedSnapshot(snapshot, frame)


OLDER = loaded(
    [("a", 7, 0.0), ("b", 7, 0.0), ("c", 7, 0.0), ("d", 5, 300.0), ("e", 1, 0.0)],
    dt.date(2024, 1, 31),
)
NEWER = loaded(
    [("a", 8, 200.0), ("b", 8, 100.0), ("c", 7, 0.0), ("d", 5, 450.0), ("f", 4, 0.0)],
    dt.date(2024, 2, 29),
)


@pytest.mark.parametrize(
    ("before", "after", "meaning"),
    [
        (7, 8, [FlowMeaning.CAPTURE_SUCCEEDED]),
        (7, 9, [FlowMeaning.CAPTURE_SUCCEEDED]),
        (4, 5, [FlowMeaning.SALES_STARTED]),
        (5, 6, [FlowMeaning.POTENTIAL_REACHED]),
        (6, 5, [FlowMeaning.SHARE_SLIPPED]),
        (8, 7, [FlowMeaning.SALES_LAPSED]),
        (2, 5, [FlowMeaning.POTENTIAL_UP]),
        (8, 5, [FlowMeaning.POTENTIAL_DOWN]),
        (1, 8, [FlowMeaning.POTENTIAL_UP, FlowMeaning.SALES_STARTED]),
    ],
)
def test_a_move_between_segments_is_named_by_what_changed(
    before: int, after: int, meaning: list[FlowMeaning]
) -> None:
    assert flow_meaning(before, after) == meaning


def test_main_flow_is_named_in_words() -> None:
    model = build_report(NEWER, OLDER, words=ENGLISH, names=NAMES)

    assert model.migration is not None
    assert model.migration.flows[0].sentence == (
        "2 accounts moved 7 → 8: capture succeeded"
    )


def test_migration_counts_new_and_gone_accounts_apart() -> None:
    model = build_report(NEWER, OLDER, words=ENGLISH, names=NAMES)

    assert model.migration is not None
    assert (model.migration.new, model.migration.gone) == (1, 1)
    assert (model.migration.moved, model.migration.stayed) == (2, 2)


def test_migration_revenue_is_the_movers_revenue_now() -> None:
    model = build_report(NEWER, OLDER, words=ENGLISH, names=NAMES)

    assert model.migration is not None
    row_seven = model.migration.rows[6]
    assert (row_seven.accounts[7], row_seven.window_revenue[7]) == (2, 300.0)


def test_cohort_growth_follows_the_accounts_that_were_in_the_segment() -> None:
    model = build_report(NEWER, OLDER, words=ENGLISH, names=NAMES)

    assert model.migration is not None
    focus = model.migration.growth[4]
    assert (focus.revenue_before, focus.cohort_revenue_after) == (300.0, 450.0)
    assert focus.cohort_change_ratio == pytest.approx(0.5)


def test_report_of_a_single_snapshot_has_no_migration() -> None:
    assert build_report(NEWER, None, words=ENGLISH, names=NAMES).migration is None


def test_key_growth_and_capture_segments_are_marked() -> None:
    model = build_report(NEWER, None, words=ENGLISH, names=NAMES)

    marked = {cell.segment: cell.mark for cell in model.matrix if cell.mark}
    assert marked == {
        5: SegmentMark.KEY_GROWTH,
        7: SegmentMark.CAPTURE,
        8: SegmentMark.KEY_GROWTH,
    }


def test_matrix_gap_shares_add_up_to_the_whole_gap() -> None:
    model = build_report(NEWER, None, words=ENGLISH, names=NAMES)

    assert sum(cell.unrealised_share for cell in model.matrix) == pytest.approx(1.0)
    assert model.totals.unrealised == sum(cell.unrealised for cell in model.matrix)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "1 клиент"),
        (3, "3 клиента"),
        (5, "5 клиентов"),
        (11, "11 клиентов"),
        (21, "21 клиент"),
        (112, "112 клиентов"),
    ],
)
def test_russian_counts_take_the_right_plural(count: int, text: str) -> None:
    assert RUSSIAN.count(count) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "из 1 клиента"),
        (3, "из 3 клиентов"),
        (11, "из 11 клиентов"),
        (21, "из 21 клиента"),
    ],
)
def test_russian_counts_after_of_take_the_genitive(count: int, text: str) -> None:
    assert "из " + RUSSIAN.count(count, "account_of") == text


def test_the_bubble_note_counts_one_account_in_the_singular() -> None:
    note = ENGLISH.bubbles_note.format("1", ENGLISH.count(1, "account_of"))

    assert note.startswith("Showing 1 of 1 account with potential")


@given(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False))
def test_money_is_short_whatever_the_amount(amount: float) -> None:
    for words in (ENGLISH, RUSSIAN):
        assert len(words.money(amount)) <= 11


def test_leads_are_summarised_by_the_segments_a_lead_can_be_in() -> None:
    leads = loaded(
        [("L1", 7, 0.0), ("L2", 7, 0.0), ("L3", 4, 0.0)], NEWER.snapshot.as_of
    )
    records = pl.concat(
        [NEWER.records, leads.records.with_columns(pl.lit("lead").alias("kind"))]
    )

    model = build_report(
        LoadedSnapshot(NEWER.snapshot, records), None, words=ENGLISH, names=NAMES
    )

    assert [(g.segment, g.leads) for g in model.leads] == [(7, 2), (4, 1), (1, 0)]
    assert model.totals == dataclasses.replace(model.totals, leads=3)


def test_terminal_report_names_the_leads_to_take_first() -> None:
    leads = loaded([("Lead-A", 7, 0.0)], NEWER.snapshot.as_of).records
    records = pl.concat(
        [NEWER.records, leads.with_columns(pl.lit("lead").alias("kind"))]
    )
    model = build_report(
        LoadedSnapshot(NEWER.snapshot, records), None, words=ENGLISH, names=NAMES
    )
    console = Console(record=True, width=140)

    print_report(console, model, ENGLISH)

    assert "Lead-A" in console.export_text()
