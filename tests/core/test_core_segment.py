"""Segment number, name, previous segment and the time it changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from core_builders import NOW, policy

from mkp_core import PotentialLevel, ProgressLevel
from mkp_core.segment import assign_segment

SCHEMA = {
    "potential_level": pl.String(),
    "progress_level": pl.String(),
    "crm_segment": pl.Int8(),
    "crm_previous_segment": pl.Int8(),
    "crm_segment_changed_at": pl.Datetime("us", "UTC"),
}
EARLIER = dt.datetime(2017, 3, 1, 12, 0, tzinfo=dt.UTC)


def segment(
    potential: str = "High", progress: str = "Below potential", **crm: Any
) -> dict[str, Any]:
    values = {"potential_level": potential, "progress_level": progress, **crm}
    frame = pl.DataFrame([values], schema=SCHEMA, orient="row")
    return assign_segment(frame, policy(), NOW).row(0, named=True)


@pytest.mark.parametrize("potential", list(PotentialLevel))
@pytest.mark.parametrize("progress", list(ProgressLevel))
def test_segment_is_three_potential_plus_progress_plus_one(
    potential: PotentialLevel, progress: ProgressLevel
) -> None:
    result = segment(str(potential), str(progress))

    assert result["segment"] == 3 * potential.axis + progress.axis + 1


def test_segment_carries_its_name_in_the_policy_locale() -> None:
    frame = pl.DataFrame(
        [{"potential_level": "High", "progress_level": "Reached"}],
        schema=SCHEMA,
        orient="row",
    )

    result = assign_segment(frame, policy(locale="ru"), NOW)

    assert result.get_column("segment_name").to_list() == ["VIP-клиенты"]


def test_a_new_segment_records_the_old_one_and_the_run_time() -> None:
    result = segment(
        crm_segment=5, crm_previous_segment=2, crm_segment_changed_at=EARLIER
    )

    assert (result["segment"], result["previous_segment"]) == (8, 5)
    assert result["segment_changed_at"] == NOW


def test_an_unchanged_segment_keeps_the_crm_history() -> None:
    result = segment(
        crm_segment=8, crm_previous_segment=5, crm_segment_changed_at=EARLIER
    )

    assert (result["previous_segment"], result["segment_changed_at"]) == (5, EARLIER)


def test_a_first_segment_has_no_previous_one() -> None:
    result = segment()

    assert (result["previous_segment"], result["segment_changed_at"]) == (None, NOW)


def test_change_time_is_kept_to_the_second_in_utc() -> None:
    local = dt.datetime(
        2018, 1, 1, 6, 0, 0, 999, tzinfo=dt.timezone(dt.timedelta(hours=3))
    )
    frame = pl.DataFrame(
        [{"potential_level": "Low", "progress_level": "Reached"}],
        schema=SCHEMA,
        orient="row",
    )

    result = assign_segment(frame, policy(), local)

    assert result.get_column("segment_changed_at")[0] == NOW


def test_naive_now_is_refused() -> None:
    frame = pl.DataFrame(schema=SCHEMA)

    with pytest.raises(ValueError, match="timezone-aware"):
        assign_segment(frame, policy(), dt.datetime(2018, 1, 1))
