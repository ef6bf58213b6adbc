"""Update frames as the pipeline hands them to ``write_updates``."""

import datetime as dt
from collections.abc import Sequence

import polars as pl

from mkp_core import OUTPUT_FIELDS, SCORE_SCHEMA

UPDATE_SCHEMA = {
    "record_id": pl.String(),
    **{field: SCORE_SCHEMA[field] for field in OUTPUT_FIELDS},
    "changed": pl.List(pl.String()),
}


def update_row(record_id: str, **values: object) -> dict[str, object]:
    """One update; ``changed`` defaults to the fields given."""
    row: dict[str, object] = dict.fromkeys(OUTPUT_FIELDS)
    row.update(values)
    row["record_id"] = record_id
    row.setdefault("changed", [f for f in values if f in OUTPUT_FIELDS])
    return row


def updates_frame(rows: Sequence[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=UPDATE_SCHEMA)


def scored(record_id: str, segment: int = 8, text: str = "Invest") -> dict[str, object]:
    """A full update of every output field."""
    return update_row(
        record_id,
        segment=segment,
        segment_name="Strategic",
        potential=125000.456,
        potential_level="High",
        progress_level="Below potential",
        wallet_share=0.4237,
        next_action=text,
        explanation="Peers in Retail buy 3.1x more.",
        segment_changed_at=dt.datetime(2017, 12, 31, tzinfo=dt.UTC),
        previous_segment=5,
    )
