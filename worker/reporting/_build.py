"""Build the report model from one or two loaded snapshots."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import polars as pl

from mkp_core import PotentialLevel, ProgressLevel, RecordKind, portfolio_summary
from worker.reporting._migration import build_migration
from worker.reporting._model import (
    AccountLine,
    Borders,
    Bubbles,
    CalibrationView,
    LeadLine,
    LeadSegment,
    MatrixCell,
    Point,
    ReportModel,
    SegmentList,
    SegmentMark,
    SnapshotRef,
    Totals,
)
from worker.reporting._words import Words
from worker.snapshots import Snapshot

__all__ = ["LoadedSnapshot", "ReportLimits", "build_report"]

MARKS = {5: SegmentMark.KEY_GROWTH, 8: SegmentMark.KEY_GROWTH, 7: SegmentMark.CAPTURE}
# Lists lead with the segments the method asks sales to act on.
_LIST_ORDER = (8, 5, 7, 9, 6, 4, 2, 3, 1)
_LEAD_SEGMENTS = (7, 4, 1)


@dataclasses.dataclass(frozen=True)
class LoadedSnapshot:
    snapshot: Snapshot
    records: pl.DataFrame


@dataclasses.dataclass(frozen=True)
class ReportLimits:
    """How much detail a report carries."""

    top_accounts: int = 10
    top_leads: int = 10
    # A browser draws a few thousand points smoothly; a portfolio of a
    # million would make the page unusable.
    bubble_points: int = 3000


def build_report(
    newer: LoadedSnapshot,
    older: LoadedSnapshot | None,
    *,
    words: Words,
    names: dict[int, str],
    limits: ReportLimits = ReportLimits(),
    warnings: list[str] | None = None,
    generated_at: dt.datetime | None = None,
) -> ReportModel:
    """The whole report: matrix, bubbles, migration, lists, calibration, leads."""
    records = newer.records
    accounts = records.filter(pl.col("kind") == RecordKind.ACCOUNT.value)
    leads = records.filter(pl.col("kind") == RecordKind.LEAD.value)
    matrix = _matrix(accounts, names)
    generated = generated_at or dt.datetime.now(dt.UTC)

    return ReportModel(
        org=newer.snapshot.org,
        locale=str(words.locale),
        currency=newer.snapshot.currency,
        generated_at=generated.isoformat(timespec="seconds"),
        newer=_ref(newer.snapshot),
        older=_ref(older.snapshot) if older else None,
        totals=_totals(matrix, leads.height),
        matrix=matrix,
        bubbles=_bubbles(accounts, newer.snapshot.borders, limits.bubble_points),
        migration=build_migration(older.records, records, words=words, names=names)
        if older
        else None,
        top_accounts=_top_accounts(accounts, names, limits.top_accounts),
        calibration=_calibration(newer.snapshot.calibration, words),
        leads=_leads(leads, names, limits.top_leads),
        warnings=list(warnings or []),
    )


def _ref(snapshot: Snapshot) -> SnapshotRef:
    return SnapshotRef(
        snapshot_id=snapshot.snapshot_id,
        run_id=snapshot.run_id,
        as_of=snapshot.as_of.isoformat(),
        taken_at=snapshot.taken_at.isoformat(timespec="seconds"),
    )


def _matrix(accounts: pl.DataFrame, names: dict[int, str]) -> list[MatrixCell]:
    summary = portfolio_summary(accounts).sort("segment")
    total_gap = float(summary.get_column("unrealised").sum())
    return [
        MatrixCell(
            segment=int(row["segment"]),
            name=names[int(row["segment"])],
            potential_level=PotentialLevel(row["potential_level"]).value,
            progress_level=ProgressLevel(row["progress_level"]).value,
            accounts=int(row["accounts"]),
            window_revenue=float(row["window_revenue"]),
            potential=float(row["potential"]),
            unrealised=float(row["unrealised"]),
            unrealised_share=float(row["unrealised"]) / total_gap
            if total_gap > 0
            else 0.0,
            mark=MARKS.get(int(row["segment"])),
        )
        for row in summary.iter_rows(named=True)
    ]


def _totals(matrix: list[MatrixCell], leads: int) -> Totals:
    return Totals(
        accounts=sum(cell.accounts for cell in matrix),
        leads=leads,
        window_revenue=sum(cell.window_revenue for cell in matrix),
        potential=sum(cell.potential for cell in matrix),
        unrealised=sum(cell.unrealised for cell in matrix),
    )


def _bubbles(accounts: pl.DataFrame, borders: dict[str, Any], limit: int) -> Bubbles:
    with_potential = accounts.filter(pl.col("potential") > 0)
    shown = with_potential.sort(
        ["potential", "record_id"], descending=[True, False]
    ).head(limit)
    points = [
        Point(
            record_id=row["record_id"],
            name=row["name"] or row["record_id"],
            owner=row["owner"] or "",
            segment=int(row["segment"]),
            potential=float(row["potential"]),
            wallet_share=float(row["wallet_share"] or 0.0),
            window_revenue=float(row["window_revenue"] or 0.0),
        )
        for row in shown.iter_rows(named=True)
    ]
    return Bubbles(
        total=with_potential.height,
        points=points,
        borders=Borders(
            potential_medium=_finite(borders.get("potential_medium")),
            potential_high=_finite(borders.get("potential_high")),
            reached_share=_finite(borders.get("reached_share")),
        ),
    )


def _finite(value: Any) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _with_gap(accounts: pl.DataFrame) -> pl.DataFrame:
    return accounts.with_columns(
        (pl.col("potential") - pl.col("window_revenue")).alias("unrealised")
    ).sort(["unrealised", "record_id"], descending=[True, False])


def _top_accounts(
    accounts: pl.DataFrame, names: dict[int, str], limit: int
) -> list[SegmentList]:
    ranked = _with_gap(accounts)
    lists = []
    for segment in _LIST_ORDER:
        members = ranked.filter(pl.col("segment") == segment)
        top = [
            AccountLine(
                record_id=row["record_id"],
                name=row["name"] or row["record_id"],
                owner=row["owner"] or "",
                potential=float(row["potential"]),
                window_revenue=float(row["window_revenue"]),
                unrealised=float(row["unrealised"]),
                wallet_share=float(row["wallet_share"] or 0.0),
                next_action=row["next_action"] or "",
            )
            for row in members.head(limit).iter_rows(named=True)
        ]
        lists.append(
            SegmentList(
                segment, names[segment], MARKS.get(segment), members.height, top
            )
        )
    return lists


def _leads(leads: pl.DataFrame, names: dict[int, str], limit: int) -> list[LeadSegment]:
    ranked = leads.sort(["potential", "record_id"], descending=[True, False])
    segments = []
    for segment in _LEAD_SEGMENTS:
        members = ranked.filter(pl.col("segment") == segment)
        top = [
            LeadLine(
                record_id=row["record_id"],
                name=row["name"] or row["record_id"],
                owner=row["owner"] or "",
                potential=float(row["potential"]),
                next_action=row["next_action"] or "",
            )
            for row in members.head(limit).iter_rows(named=True)
        ]
        potential = float(members.get_column("potential").sum())
        segments.append(
            LeadSegment(segment, names[segment], members.height, potential, top)
        )
    return segments


def _calibration(figures: dict[str, Any], words: Words) -> CalibrationView | None:
    verdict = figures.get("verdict")
    if not isinstance(verdict, str) or verdict not in words.verdicts:
        return None
    return CalibrationView(
        figures=dict(figures), verdict=verdict, sentence=words.verdicts[verdict]
    )
