"""Portfolio views for planning and review: the 3×3 matrix and migration.

Both count accounts only; leads have no revenue to plan with. Migration
compares the segment the CRM held before this run (``crm_segment``) with the
new one; accounts the CRM held no segment for (new to scoring, or a value
outside 1-9) are counted in a row labelled ``new``.
"""

from __future__ import annotations

import polars as pl

from mkp_core.frames import PotentialLevel, ProgressLevel, RecordKind, crm_column

__all__ = ["NEW_ROW", "migration", "portfolio_summary"]

# Row label of migration for accounts with no previous segment.
NEW_ROW = "new"

_SEGMENTS = range(1, 10)


def portfolio_summary(scores: pl.DataFrame) -> pl.DataFrame:
    """One row per segment 1-9, zeros for empty ones.

    Columns: segment, potential_level, progress_level, accounts,
    window_revenue, potential, unrealised (potential - revenue) and
    account_share (of all accounts, 0-1).
    """
    per_segment = (
        _accounts(scores)
        .group_by("segment")
        .agg(
            pl.len().cast(pl.Int64).alias("accounts"),
            pl.col("window_revenue").sum(),
            pl.col("potential").sum(),
        )
    )
    total = pl.col("accounts").sum()

    return (
        _grid()
        .join(per_segment, on="segment", how="left", maintain_order="left")
        .with_columns(pl.col("accounts", "window_revenue", "potential").fill_null(0))
        .with_columns(
            (pl.col("potential") - pl.col("window_revenue")).alias("unrealised"),
            pl.when(total > 0)
            .then(pl.col("accounts") / total)
            .otherwise(0.0)
            .alias("account_share"),
        )
    )


def migration(scores: pl.DataFrame) -> pl.DataFrame:
    """Accounts moved from each previous segment (rows) to each new one (columns).

    Rows ``from_segment`` "1" to "9" then "new"; columns "1" to "9", counts.
    """
    previous = pl.col(crm_column("segment"))
    labelled = _accounts(scores).with_columns(
        pl.when(previous.is_between(1, 9))
        .then(previous.cast(pl.String))
        .otherwise(pl.lit(NEW_ROW))
        .alias("from_segment")
    )
    counts = labelled.group_by("from_segment").agg(
        (pl.col("segment") == segment).sum().cast(pl.Int64).alias(str(segment))
        for segment in _SEGMENTS
    )
    rows = pl.DataFrame({"from_segment": [*map(str, _SEGMENTS), NEW_ROW]})

    return rows.join(
        counts, on="from_segment", how="left", maintain_order="left"
    ).fill_null(0)


def _accounts(scores: pl.DataFrame) -> pl.DataFrame:
    return scores.filter(pl.col("kind") == RecordKind.ACCOUNT.value)


def _grid() -> pl.DataFrame:
    """The nine cells with their two levels."""
    cells = [
        (3 * potential.axis + progress.axis + 1, str(potential), str(progress))
        for potential in PotentialLevel
        for progress in ProgressLevel
    ]
    return pl.DataFrame(
        cells,
        schema={
            "segment": pl.Int8(),
            "potential_level": pl.String(),
            "progress_level": pl.String(),
        },
        orient="row",
    )
