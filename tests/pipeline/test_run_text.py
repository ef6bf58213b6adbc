"""What ``mkp run`` prints on the Maven CSV sample."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.console import Console
from typer.testing import CliRunner

from worker._display import print_changes
from worker.cli import app
from worker.pipeline import PipelineResult
from worker.report import RunReport

PROFILE = Path(__file__).parents[2] / "examples" / "maven-crm" / "profile.toml"


def _run(*args: str) -> str:
    command = ["run", "--csv", str(PROFILE), "--as-of", "2017-12-31", *args]
    outcome = CliRunner().invoke(app, command, env={"COLUMNS": "200"})
    assert outcome.exit_code == 0, outcome.output
    return outcome.output


def test_the_matrix_header_points_up_the_progress_rows(tmp_path: Path) -> None:
    output = _run("--dry-run", "--output", str(tmp_path / "dry.csv"))

    assert "Progress ↑" in output
    assert output.index("Reached") < output.index("Not working")


def test_a_csv_dry_run_says_how_many_records_it_would_write_not_calls(
    tmp_path: Path,
) -> None:
    output = _run("--dry-run", "--output", str(tmp_path / "dry.csv"))

    assert "A real run would write 85 records." in output
    assert "write call" not in output


def test_a_csv_dry_run_says_its_output_file_was_not_written(tmp_path: Path) -> None:
    path = tmp_path / "dry.csv"

    output = _run("--dry-run", "--output", str(path))

    assert f"Output: {path} (not written: dry run)" in output
    assert not path.exists()


def test_a_csv_run_names_the_output_file_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "scored.csv"

    output = _run("--output", str(path))

    assert f"Output: {path}\n" in output
    assert path.exists()


def test_segment_moves_are_counted_in_the_singular_and_the_plural() -> None:
    scores = pl.DataFrame(
        {
            "kind": ["account", "account", "account", "lead"],
            "crm_segment": [5, 5, 2, 1],
            "segment": [8, 8, 3, 4],
        }
    )
    report = RunReport(run_id="r", org="o", triggered_by="t", started_at="s")
    console = Console(record=True, width=100)

    print_changes(console, PipelineResult(report, scores, updates={}))

    lines = console.export_text().splitlines()
    assert "  2 accounts move 5 → 8" in lines
    assert "  1 account moves 2 → 3" in lines
    assert "  1 lead moves 1 → 4" in lines
