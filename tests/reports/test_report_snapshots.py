"""Snapshots: saved by every writing run, pruned to a count, corrupt ones skipped."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import CsvConnector
from mkp_core import Policy
from worker.pipeline import PipelineResult, RunOptions, run_pipeline
from worker.reporting import select_snapshots
from worker.snapshots import (
    DEFAULT_SNAPSHOT_KEEP,
    SNAPSHOT_COLUMNS,
    SnapshotNotFoundError,
    find_snapshot,
    list_snapshots,
    load_snapshot,
    prune_snapshots,
    save_snapshot,
)

MAVEN_PROFILE = Path(__file__).resolve().parents[2] / "examples/maven-crm/profile.toml"
START = dt.datetime(2024, 1, 1, 2, 30, tzinfo=dt.UTC)
MavenRun = Callable[..., str]


def scores(accounts: int = 3) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "record_id": [f"A{i}" for i in range(accounts)],
            "kind": ["account"] * accounts,
            "name": [f"Account {i}" for i in range(accounts)],
            "owner": ["Ann"] * accounts,
            "industry": ["retail"] * accounts,
            "segment": [5] * accounts,
            "segment_name": ["Development focus"] * accounts,
            "potential_level": ["Medium"] * accounts,
            "progress_level": ["Below potential"] * accounts,
            "potential": [100.0] * accounts,
            "window_revenue": [40.0] * accounts,
            "wallet_share": [0.4] * accounts,
            "potential_method": ["peers"] * accounts,
            "next_action": ["Grow share."] * accounts,
            "explanation": ["not kept"] * accounts,
        },
        schema_overrides={"segment": pl.Int8},
    )


def save(directory: Path, run: int, as_of: dt.date | None = None) -> Path:
    return save_snapshot(
        directory,
        scores(),
        org="acme",
        run_id=f"run-{run}",
        taken_at=START + dt.timedelta(days=run),
        as_of=as_of or (START + dt.timedelta(days=run)).date(),
        currency="EUR",
        locale="en",
        calibration={"verdict": "calibrated", "coverage": 0.9},
        borders={"potential_medium": 50.0, "potential_high": 90.0},
    )


def test_snapshot_keeps_the_report_columns_and_run_metadata(tmp_path: Path) -> None:
    save(tmp_path, 1)

    (snapshot,) = list_snapshots(tmp_path, "acme").snapshots
    records = load_snapshot(snapshot)

    assert records.columns == list(SNAPSHOT_COLUMNS)
    assert (snapshot.run_id, snapshot.currency) == ("run-1", "EUR")
    assert snapshot.calibration["coverage"] == 0.9


def test_snapshot_is_zstd_compressed_parquet_named_by_org_time_and_as_of(
    tmp_path: Path,
) -> None:
    path = save(tmp_path, 1, as_of=dt.date(2023, 12, 31))

    assert path.name == "acme_20240102T023000000000Z_asof-2023-12-31.parquet"
    assert path.read_bytes()[:4] == b"PAR1"


@settings(max_examples=25, deadline=None)
@given(saved=st.integers(0, 12), keep=st.integers(1, 8))
def test_pruning_keeps_exactly_the_newest_snapshots(saved: int, keep: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        paths = [save(root, run) for run in range(saved)]

        prune_snapshots(root, "acme", keep)

        remaining = sorted((root / "acme").glob("*.parquet"))
        assert remaining == sorted(paths[-keep:]) if saved else remaining == []


def test_pipeline_keeps_exactly_snapshot_keep_snapshots(
    tmp_path: Path, run_maven: MavenRun
) -> None:
    for as_of in (dt.date(2017, 3, 31), dt.date(2017, 6, 30), dt.date(2017, 9, 30)):
        run_maven(tmp_path / "snapshots", tmp_path / "out", as_of, keep=2)

    kept = list_snapshots(tmp_path / "snapshots", "maven").snapshots

    assert [s.as_of for s in kept] == [dt.date(2017, 6, 30), dt.date(2017, 9, 30)]


def test_corrupt_snapshot_is_reported_and_skipped_when_listing(tmp_path: Path) -> None:
    save(tmp_path, 1)
    broken = save(tmp_path, 2)
    broken.write_bytes(broken.read_bytes()[:100])

    listing = list_snapshots(tmp_path, "acme")

    assert [s.run_id for s in listing.snapshots] == ["run-1"]
    assert [bad.path for bad in listing.corrupt] == [broken]


def test_snapshot_by_date_is_the_latest_as_of_that_day_or_earlier(
    tmp_path: Path,
) -> None:
    for run in range(1, 5):
        save(tmp_path, run)

    found = find_snapshot(list_snapshots(tmp_path, "acme"), "2024-01-04")

    assert found.run_id == "run-3"


def test_asking_for_a_snapshot_before_the_first_names_the_date(tmp_path: Path) -> None:
    save(tmp_path, 1)

    with pytest.raises(SnapshotNotFoundError, match="2020-01-01"):
        find_snapshot(list_snapshots(tmp_path, "acme"), "2020-01-01")


def test_org_that_could_leave_the_snapshot_directory_is_refused(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="cannot name a snapshot folder"):
        save_snapshot(
            tmp_path,
            scores(),
            org="..",
            run_id="r",
            taken_at=START,
            as_of=START.date(),
            currency="EUR",
            locale="en",
        )


def test_run_that_cannot_save_its_snapshot_still_succeeds(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "taken"
    not_a_directory.write_text("a file where the snapshot folder should be")

    report = _maven_run(tmp_path, RunOptions(snapshot_dir=not_a_directory)).report

    assert report.status == "succeeded"
    assert report.snapshot_failures == 1
    assert "snapshot not saved" in report.message


def test_dry_run_saves_no_snapshot(tmp_path: Path) -> None:
    options = RunOptions(snapshot_dir=tmp_path / "snapshots", dry_run=True)

    report = _maven_run(tmp_path, options).report

    assert report.snapshot == ""
    assert not (tmp_path / "snapshots").exists()


def test_run_report_carries_the_calibration_figures(tmp_path: Path) -> None:
    report = _maven_run(tmp_path, RunOptions()).report

    assert report.calibration["customers"] == 85
    assert report.calibration["verdict"]


def _maven_run(tmp_path: Path, options: RunOptions) -> PipelineResult:
    connector = CsvConnector.from_profile(MAVEN_PROFILE, output=tmp_path / "out.csv")
    return run_pipeline(connector, Policy(as_of=dt.date(2017, 12, 31)), options)


def test_runs_keep_sixty_snapshots_unless_told_otherwise() -> None:
    assert RunOptions().snapshot_keep == DEFAULT_SNAPSHOT_KEEP == 60


def test_report_compares_with_the_previous_period_before_a_rerun_of_the_same_day(
    tmp_path: Path,
) -> None:
    save(tmp_path, 1, as_of=dt.date(2017, 12, 31))
    save(tmp_path, 2, as_of=dt.date(2017, 6, 30))
    save(tmp_path, 3, as_of=dt.date(2017, 12, 31))

    selection = select_snapshots(tmp_path, "acme")

    assert selection.newer.snapshot.run_id == "run-3"
    assert selection.older is not None
    assert selection.older.snapshot.run_id == "run-2"
