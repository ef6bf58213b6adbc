"""The write-churn benchmark counts fewer writes as the tolerance widens."""

from __future__ import annotations

import json

import pytest

from benchmarks.write_churn import main


def test_a_wider_tolerance_never_writes_more_and_never_fewer_than_moved_segments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--accounts", "2000", "--opportunities", "20000"])

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    written = list(figures["written_by_tolerance"].values())
    assert figures["benchmark"] == "write_churn"
    assert written == sorted(written, reverse=True)
    assert written[0] > written[-1] >= figures["segments_moved"] > 0
