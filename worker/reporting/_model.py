"""The report as data: every number a page shows, built once.

The HTML page, the terminal text and ``--json`` are all rendered from one
``ReportModel``, so their numbers cannot disagree. Amounts are in the
corporate currency; shares are 0-1 ratios. Names and sentences are already in
the report's locale.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

__all__ = [
    "AccountLine",
    "Borders",
    "Bubbles",
    "CalibrationView",
    "Flow",
    "FlowMeaning",
    "LeadLine",
    "LeadSegment",
    "MatrixCell",
    "Migration",
    "MigrationRow",
    "Point",
    "ReportModel",
    "SegmentGrowth",
    "SegmentList",
    "SegmentMark",
    "SnapshotRef",
    "Totals",
]


class SegmentMark(enum.StrEnum):
    """Segments the method singles out for attention."""

    KEY_GROWTH = "key growth"  # 5 and 8
    CAPTURE = "capture priority"  # 7


class FlowMeaning(enum.StrEnum):
    """What a move between two segments says about the account."""

    CAPTURE_SUCCEEDED = "capture succeeded"
    SALES_STARTED = "sales started"
    POTENTIAL_REACHED = "potential reached"
    SHARE_SLIPPED = "share slipped"
    SALES_LAPSED = "sales lapsed"
    POTENTIAL_UP = "potential re-estimated up"
    POTENTIAL_DOWN = "potential re-estimated down"


@dataclasses.dataclass(frozen=True)
class SnapshotRef:
    snapshot_id: str
    run_id: str
    as_of: str
    taken_at: str


@dataclasses.dataclass(frozen=True)
class Totals:
    accounts: int
    leads: int
    window_revenue: float
    potential: float
    unrealised: float


@dataclasses.dataclass(frozen=True)
class MatrixCell:
    """One of the nine cells; ``unrealised_share`` is of the whole portfolio's."""

    segment: int
    name: str
    potential_level: str
    progress_level: str
    accounts: int
    window_revenue: float
    potential: float
    unrealised: float
    unrealised_share: float
    mark: SegmentMark | None


@dataclasses.dataclass(frozen=True)
class Point:
    record_id: str
    name: str
    owner: str
    segment: int
    potential: float
    wallet_share: float
    window_revenue: float


@dataclasses.dataclass(frozen=True)
class Borders:
    """Where the levels begin: potential amounts and the wallet share."""

    potential_medium: float | None
    potential_high: float | None
    reached_share: float | None


@dataclasses.dataclass(frozen=True)
class Bubbles:
    """Accounts with positive potential; at most a fixed number, the largest."""

    total: int
    points: list[Point]
    borders: Borders


@dataclasses.dataclass(frozen=True)
class MigrationRow:
    """Accounts from one older segment (or ``new``), by newer segment then ``gone``.

    ``window_revenue`` is the accounts' newer revenue, their older revenue in
    the ``gone`` column.
    """

    from_segment: str
    accounts: list[int]
    window_revenue: list[float]


@dataclasses.dataclass(frozen=True)
class Flow:
    """A move between two segments, with its meaning and a sentence naming it."""

    from_segment: int
    to_segment: int
    accounts: int
    window_revenue: float
    meaning: list[FlowMeaning]
    sentence: str


@dataclasses.dataclass(frozen=True)
class SegmentGrowth:
    """Revenue per segment then and now, and of the accounts that were in it.

    The cohort is the accounts in the segment in the older snapshot, wherever
    they are now: its growth is what working the segment earned.
    """

    segment: int
    name: str
    accounts_before: int
    accounts_after: int
    revenue_before: float
    revenue_after: float
    revenue_change: float
    cohort_revenue_after: float
    cohort_change_ratio: float | None


@dataclasses.dataclass(frozen=True)
class Migration:
    """The 9×9 table from the older snapshot to the newer, and what it says."""

    columns: list[str]
    rows: list[MigrationRow]
    moved: int
    stayed: int
    new: int
    gone: int
    flows: list[Flow]
    growth: list[SegmentGrowth]


@dataclasses.dataclass(frozen=True)
class AccountLine:
    record_id: str
    name: str
    owner: str
    potential: float
    window_revenue: float
    unrealised: float
    wallet_share: float
    next_action: str


@dataclasses.dataclass(frozen=True)
class SegmentList:
    """A segment's accounts with the most unrealised potential."""

    segment: int
    name: str
    mark: SegmentMark | None
    accounts: int
    top: list[AccountLine]


@dataclasses.dataclass(frozen=True)
class LeadLine:
    record_id: str
    name: str
    owner: str
    potential: float
    next_action: str


@dataclasses.dataclass(frozen=True)
class LeadSegment:
    """Leads in one of the segments a lead can be in (1, 4, 7)."""

    segment: int
    name: str
    leads: int
    potential: float
    top: list[LeadLine]


@dataclasses.dataclass(frozen=True)
class CalibrationView:
    """The run's hold-out test (``figures`` as the run reported it), in words."""

    figures: dict[str, Any]
    verdict: str
    sentence: str


@dataclasses.dataclass(frozen=True)
class ReportModel:
    """Everything one report shows."""

    org: str
    locale: str
    currency: str
    generated_at: str
    newer: SnapshotRef
    older: SnapshotRef | None
    totals: Totals
    matrix: list[MatrixCell]
    bubbles: Bubbles
    migration: Migration | None
    top_accounts: list[SegmentList]
    calibration: CalibrationView | None
    leads: list[LeadSegment]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def cell(self, segment: int) -> MatrixCell:
        return self.matrix[segment - 1]
