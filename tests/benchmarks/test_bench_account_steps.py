"""The account-side steps benchmark times every step and ends with JSON."""

from __future__ import annotations

import json

import pytest

from benchmarks.account_steps import main

STEPS = {
    "fit_size_model",
    "estimate_potential",
    "assign_progress",
    "potential_cutoffs",
    "assign_potential_level",
    "assign_segment",
    "add_actions",
    "calibrate_scores",
}


def test_every_account_side_step_is_timed_and_reported_as_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--accounts", "2000", "--opportunities", "10000", "--repeat", "2"])

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["benchmark"] == "account_steps"
    assert figures["accounts"] == 2000
    assert figures["repeat"] == 2
    assert set(figures["cpu_s"]) == STEPS
    assert figures["total_cpu_s"] == pytest.approx(
        sum(figures["cpu_s"].values()), abs=0.01
    )
