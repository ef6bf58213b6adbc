"""A run folds the deals in as pages arrive, and gives the run of deals read whole."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connectors import CsvConnector, CsvProfile
from mkp_core import Policy
from worker.pipeline import RunOptions, run_pipeline

PROFILE = Path(__file__).parents[2] / "examples" / "maven-crm" / "profile.toml"
AS_OF = dt.date(2017, 12, 31)
NOW = dt.datetime(2018, 1, 1, 3, 0, tzinfo=dt.UTC)
DRY = RunOptions(dry_run=True)


def _maven(tmp_path: Path, page_bytes: int) -> CsvConnector:
    profile = CsvProfile.from_toml(PROFILE, output=tmp_path / "scored.csv")
    return CsvConnector(profile, opportunity_page_bytes=page_bytes)


def test_deals_read_in_small_pages_score_as_the_deals_read_whole(
    tmp_path: Path,
) -> None:
    whole = run_pipeline(_maven(tmp_path, 2**30), Policy(as_of=AS_OF), DRY, now=NOW)

    paged = run_pipeline(_maven(tmp_path, 50_000), Policy(as_of=AS_OF), DRY, now=NOW)

    assert paged.scores.equals(whole.scores)
    assert paged.report.skipped == whole.report.skipped
    assert paged.report.skipped["orphan_opportunity"] == 1425


def test_read_progress_is_reported_for_every_page_of_deals(tmp_path: Path) -> None:
    reads: list[int] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "read opportunities":
            reads.append(done)

    run_pipeline(
        _maven(tmp_path, 50_000), Policy(as_of=AS_OF), DRY, now=NOW, progress=progress
    )

    # The deals file is about 600 kB: a dozen pages, then a closing one.
    assert len(reads) > 10
    assert reads == sorted(reads)
    assert (reads[0], reads[-1]) == (0, 8800)
