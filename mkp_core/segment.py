"""The nine segments: 3 × potential index + progress index + 1.

A segment that differs from the one the CRM holds records the move: the old
segment becomes ``previous_segment`` and ``segment_changed_at`` is the run's
time. An unchanged segment keeps both CRM values as they are, so scoring
twice never rewrites them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from mkp_core.frames import PotentialLevel, ProgressLevel, crm_column
from mkp_core.policy import Policy
from mkp_core.progress import level_index
from mkp_core.texts import segment_texts

__all__ = ["assign_segment", "run_timestamp", "segment_number"]


def segment_number() -> pl.Expr:
    """The segment (Int8, 1-9) from ``potential_level`` and ``progress_level``."""
    return (
        3 * level_index(pl.col("potential_level"), PotentialLevel)
        + level_index(pl.col("progress_level"), ProgressLevel)
        + 1
    ).cast(pl.Int8)


def assign_segment(
    records: pl.DataFrame, policy: Policy, now: dt.datetime
) -> pl.DataFrame:
    """Add segment, segment_name, playbook, previous_segment, segment_changed_at.

    ``now`` is the run's time, timezone-aware; see ``run_timestamp``.
    """
    changed_at = run_timestamp(now)
    texts = segment_texts(policy).select("segment", "segment_name", "playbook")
    crm_segment = pl.col(crm_column("segment"))
    moved = crm_segment.is_null() | (pl.col("segment") != crm_segment)

    return (
        records.with_columns(segment_number().alias("segment"))
        .join(texts, on="segment", how="left", maintain_order="left")
        .with_columns(
            pl.when(moved)
            .then(crm_segment)
            .otherwise(pl.col(crm_column("previous_segment")))
            .alias("previous_segment"),
            pl.when(moved)
            .then(pl.lit(changed_at, pl.Datetime("us", "UTC")))
            .otherwise(pl.col(crm_column("segment_changed_at")))
            .alias("segment_changed_at"),
        )
    )


def run_timestamp(now: dt.datetime) -> dt.datetime:
    """The run's time as stored in the CRM: UTC, to the second."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC is used in the CRM)")
    return now.astimezone(dt.UTC).replace(microsecond=0)
