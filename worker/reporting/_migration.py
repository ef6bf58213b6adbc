"""Migration between two snapshots: the 9×9 table, the main flows, growth.

Accounts are matched by id. One in the newer snapshot only is ``new``; one
in the older only is ``gone`` (deleted, merged, or left out by ``--top``).
"""

from __future__ import annotations

import polars as pl

from mkp_core import NEW_ROW, RecordKind, crm_column, migration
from worker.reporting._model import (
    Flow,
    FlowMeaning,
    Migration,
    MigrationRow,
    SegmentGrowth,
)
from worker.reporting._words import Words

__all__ = ["build_migration", "flow_meaning"]

GONE_COLUMN = "gone"
MAIN_FLOWS = 6
_SEGMENTS = range(1, 10)


def build_migration(
    older: pl.DataFrame,
    newer: pl.DataFrame,
    *,
    words: Words,
    names: dict[int, str],
) -> Migration:
    """How accounts moved from the older snapshot's segments to the newer's."""
    before, after = _accounts(older), _accounts(newer)
    paired = after.join(
        before.select(
            "record_id",
            pl.col("segment").alias(crm_column("segment")),
            pl.col("window_revenue").alias("revenue_before"),
        ),
        on="record_id",
        how="left",
    )
    gone = before.join(after.select("record_id"), on="record_id", how="anti")
    rows = _rows(paired, gone)

    return Migration(
        columns=[*map(str, _SEGMENTS), GONE_COLUMN],
        rows=rows,
        moved=sum(_off_diagonal(rows)),
        stayed=sum(row.accounts[int(row.from_segment) - 1] for row in rows[:9]),
        new=sum(rows[9].accounts),
        gone=gone.height,
        flows=_main_flows(rows, words),
        growth=_growth(before, after, paired, names),
    )


def flow_meaning(from_segment: int, to_segment: int) -> list[FlowMeaning]:
    """What a move says: a potential re-estimate, a progress change, or both."""
    from_potential, from_progress = divmod(from_segment - 1, 3)
    to_potential, to_progress = divmod(to_segment - 1, 3)
    meaning = []
    if to_potential > from_potential:
        meaning.append(FlowMeaning.POTENTIAL_UP)
    elif to_potential < from_potential:
        meaning.append(FlowMeaning.POTENTIAL_DOWN)

    if from_progress == 0 and to_progress > 0:
        captured = from_segment == 7 and to_potential == 2
        meaning.append(
            FlowMeaning.CAPTURE_SUCCEEDED if captured else FlowMeaning.SALES_STARTED
        )
    elif to_progress == 0 and from_progress > 0:
        meaning.append(FlowMeaning.SALES_LAPSED)
    elif to_progress > from_progress:
        meaning.append(FlowMeaning.POTENTIAL_REACHED)
    elif to_progress < from_progress:
        meaning.append(FlowMeaning.SHARE_SLIPPED)

    return meaning


def _accounts(records: pl.DataFrame) -> pl.DataFrame:
    return records.filter(pl.col("kind") == RecordKind.ACCOUNT.value)


def _rows(paired: pl.DataFrame, gone: pl.DataFrame) -> list[MigrationRow]:
    counts = migration(paired)
    revenue = (
        paired.with_columns(_from_label())
        .group_by("from_segment", "segment")
        .agg(pl.col("window_revenue").sum())
    )
    revenue_of = {
        (label, int(segment)): float(amount)
        for label, segment, amount in revenue.iter_rows()
    }
    gone_of = {
        str(segment): cell
        for segment, cell in _per_segment(gone, "segment", "window_revenue").items()
    }

    rows = []
    for row in counts.iter_rows(named=True):
        label = row["from_segment"]
        gone_accounts, gone_revenue = gone_of.get(label, (0, 0.0))
        rows.append(
            MigrationRow(
                from_segment=label,
                accounts=[*(int(row[str(s)]) for s in _SEGMENTS), gone_accounts],
                window_revenue=[
                    *(revenue_of.get((label, s), 0.0) for s in _SEGMENTS),
                    gone_revenue,
                ],
            )
        )
    return rows


def _from_label() -> pl.Expr:
    """The same row labels as ``mkp_core.migration``: "1"-"9", else new."""
    previous = pl.col(crm_column("segment"))
    return (
        pl.when(previous.is_between(1, 9))
        .then(previous.cast(pl.String))
        .otherwise(pl.lit(NEW_ROW))
        .alias("from_segment")
    )


def _off_diagonal(rows: list[MigrationRow]) -> list[int]:
    return [
        count
        for row in rows[:9]
        for to, count in enumerate(row.accounts[:9], 1)
        if to != int(row.from_segment)
    ]


def _main_flows(rows: list[MigrationRow], words: Words) -> list[Flow]:
    moves = [
        (row.accounts[to - 1], row.window_revenue[to - 1], int(row.from_segment), to)
        for row in rows[:9]
        for to in _SEGMENTS
        if to != int(row.from_segment) and row.accounts[to - 1] > 0
    ]
    moves.sort(key=lambda move: (-move[0], -move[1], move[2], move[3]))
    return [
        _flow(source, target, accounts, revenue, words)
        for accounts, revenue, source, target in moves[:MAIN_FLOWS]
    ]


def _flow(
    source: int, target: int, accounts: int, revenue: float, words: Words
) -> Flow:
    meaning = flow_meaning(source, target)
    said = ", ".join(words.meanings[m] for m in meaning)
    return Flow(
        from_segment=source,
        to_segment=target,
        accounts=accounts,
        window_revenue=revenue,
        meaning=meaning,
        sentence=words.flow.format(words.count(accounts), source, target, said),
    )


def _growth(
    before: pl.DataFrame,
    after: pl.DataFrame,
    paired: pl.DataFrame,
    names: dict[int, str],
) -> list[SegmentGrowth]:
    then = _per_segment(before, "segment", "window_revenue")
    now = _per_segment(after, "segment", "window_revenue")
    # The cohort's revenue now: accounts gone since count as zero.
    cohort_now = _per_segment(paired, crm_column("segment"), "window_revenue")

    growth = []
    for segment in _SEGMENTS:
        accounts_before, revenue_before = then.get(segment, (0, 0.0))
        accounts_after, revenue_after = now.get(segment, (0, 0.0))
        cohort_after = cohort_now.get(segment, (0, 0.0))[1]
        growth.append(
            SegmentGrowth(
                segment=segment,
                name=names[segment],
                accounts_before=accounts_before,
                accounts_after=accounts_after,
                revenue_before=revenue_before,
                revenue_after=revenue_after,
                revenue_change=revenue_after - revenue_before,
                cohort_revenue_after=cohort_after,
                cohort_change_ratio=cohort_after / revenue_before - 1.0
                if revenue_before > 0
                else None,
            )
        )
    return growth


def _per_segment(
    frame: pl.DataFrame, segment: str, revenue: str
) -> dict[int, tuple[int, float]]:
    sums = (
        frame.filter(pl.col(segment).is_not_null())
        .group_by(segment)
        .agg(pl.len(), pl.col(revenue).sum())
    )
    return {
        int(key): (int(count), float(amount)) for key, count, amount in sums.iter_rows()
    }
