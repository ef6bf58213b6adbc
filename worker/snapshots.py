"""Snapshots: the scored portfolio of every run, kept for reports.

Each run that writes saves one zstd-compressed Parquet file per org::

    <snapshot_dir>/<org>/<org>_<run time, UTC>_asof-<as_of>.parquet

The file's key-value metadata carries the org, run id, run time, as_of,
corporate currency, locale, the level borders and the run's calibration
figures, so a report needs nothing else. Files are written under a temporary
name and renamed, so a run killed half-way never leaves a half-written
snapshot under a real name. Only the newest ``keep`` snapshots of an org (by
run time) are kept.

A file that cannot be read is reported (``CorruptSnapshot``) and skipped; it
never hides the others.

::

    SnapshotError                 root: a snapshot cannot be found or read
    ├── SnapshotNotFoundError     no snapshot matches what was asked for
    └── CorruptSnapshotError      a file exists but is not a readable snapshot
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import platformdirs
import polars as pl

__all__ = [
    "DEFAULT_SNAPSHOT_KEEP",
    "SNAPSHOT_COLUMNS",
    "CorruptSnapshot",
    "CorruptSnapshotError",
    "Snapshot",
    "SnapshotError",
    "SnapshotListing",
    "SnapshotNotFoundError",
    "default_snapshot_dir",
    "find_snapshot",
    "list_snapshots",
    "load_snapshot",
    "prune_snapshots",
    "save_snapshot",
]

logger = logging.getLogger(__name__)

DEFAULT_SNAPSHOT_KEEP = 60

# What a report reads of a scored record; accounts and leads alike.
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "record_id",
    "kind",
    "name",
    "owner",
    "industry",
    "segment",
    "segment_name",
    "potential_level",
    "progress_level",
    "potential",
    "window_revenue",
    "wallet_share",
    "potential_method",
    "next_action",
)

_FORMAT = "1"
_PREFIX = "mkp."
_REQUIRED_KEYS = ("format", "org", "run_id", "taken_at", "as_of")
_SUFFIX = ".parquet"
_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
_SAFE_ORG = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_NAME = re.compile(
    r"^(?P<org>[A-Za-z0-9_.-]+)_(?P<taken>\d{8}T\d{12}Z)_asof-(?P<as_of>\d{4}-\d\d-\d\d)$"
)


class SnapshotError(Exception):
    """A snapshot cannot be found or read; the message names the file."""


class SnapshotNotFoundError(SnapshotError):
    """No snapshot matches the id, path or date asked for."""


class CorruptSnapshotError(SnapshotError):
    """A snapshot file exists but cannot be read as one."""


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """One saved run: where it is and what its metadata says."""

    path: Path
    org: str
    run_id: str
    taken_at: dt.datetime
    as_of: dt.date
    currency: str
    locale: str
    calibration: dict[str, Any]
    borders: dict[str, float | None]

    @property
    def snapshot_id(self) -> str:
        return self.path.stem


@dataclasses.dataclass(frozen=True)
class CorruptSnapshot:
    """A file in the snapshot directory that could not be read, and why."""

    path: Path
    reason: str


@dataclasses.dataclass(frozen=True)
class SnapshotListing:
    """An org's readable snapshots, oldest ``as_of`` first, and the corrupt ones."""

    snapshots: list[Snapshot]
    corrupt: list[CorruptSnapshot]


def default_snapshot_dir() -> Path:
    """Where snapshots go when no directory is configured."""
    return platformdirs.user_data_path("mkp-worker", appauthor=False) / "snapshots"


def save_snapshot(
    directory: Path,
    scores: pl.DataFrame,
    *,
    org: str,
    run_id: str,
    taken_at: dt.datetime,
    as_of: dt.date,
    currency: str,
    locale: str,
    calibration: dict[str, Any] | None = None,
    borders: dict[str, float | None] | None = None,
) -> Path:
    """Write one run's scores; returns the snapshot's path.

    ``borders`` are where the levels begin: ``potential_medium`` and
    ``potential_high`` (amounts) and ``reached_share``.
    """
    folder = _org_folder(directory, org)
    folder.mkdir(parents=True, exist_ok=True)
    taken_utc = taken_at.astimezone(dt.UTC)
    path = folder / f"{org}_{taken_utc.strftime(_TIME_FORMAT)}_asof-{as_of}{_SUFFIX}"
    metadata = {
        "format": _FORMAT,
        "org": org,
        "run_id": run_id,
        "taken_at": taken_utc.isoformat(),
        "as_of": as_of.isoformat(),
        "currency": currency,
        "locale": locale,
        "calibration": json.dumps(calibration or {}),
        "borders": json.dumps(borders or {}),
    }

    partial = path.with_name(f".{path.name}.partial")
    scores.select(SNAPSHOT_COLUMNS).write_parquet(
        partial,
        compression="zstd",
        metadata={_PREFIX + key: value for key, value in metadata.items()},
    )
    os.replace(partial, path)
    logger.debug("Snapshot of run %s saved to %s", run_id, path)

    return path


def prune_snapshots(directory: Path, org: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` snapshots of the org; returns the deleted."""
    if keep < 1:
        raise ValueError(f"snapshot_keep must be at least 1, got {keep}")
    folder = _org_folder(directory, org)
    by_run_time = sorted(_snapshot_files(folder), key=_run_time_key)
    doomed = by_run_time[: max(len(by_run_time) - keep, 0)]

    for path in doomed:
        path.unlink(missing_ok=True)
    if doomed:
        logger.debug("Pruned %d snapshots of org %s", len(doomed), org)

    return doomed


def list_snapshots(directory: Path, org: str) -> SnapshotListing:
    """Every snapshot of the org, by ``as_of`` then run time; unreadable ones apart."""
    snapshots: list[Snapshot] = []
    corrupt: list[CorruptSnapshot] = []
    for path in sorted(_snapshot_files(_org_folder(directory, org))):
        try:
            snapshots.append(_read_header(path))
        except CorruptSnapshotError as exc:
            logger.warning("Skipping snapshot %s: %s", path, exc)
            corrupt.append(CorruptSnapshot(path, str(exc)))

    snapshots.sort(key=lambda snapshot: (snapshot.as_of, snapshot.taken_at))
    return SnapshotListing(snapshots=snapshots, corrupt=corrupt)


def load_snapshot(snapshot: Snapshot) -> pl.DataFrame:
    """The snapshot's records; ``CorruptSnapshotError`` when the data is unreadable."""
    try:
        frame = pl.read_parquet(snapshot.path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise CorruptSnapshotError(f"{snapshot.path}: cannot read data: {exc}") from exc
    missing = [column for column in SNAPSHOT_COLUMNS if column not in frame.columns]
    if missing:
        raise CorruptSnapshotError(f"{snapshot.path}: columns missing: {missing}")

    return frame.select(SNAPSHOT_COLUMNS)


def find_snapshot(listing: SnapshotListing, reference: str) -> Snapshot:
    """A snapshot by id (file name without suffix), path, or date.

    A date (YYYY-MM-DD) means the latest snapshot whose ``as_of`` is on or
    before it.
    """
    for snapshot in listing.snapshots:
        if reference in (snapshot.snapshot_id, snapshot.path.name, str(snapshot.path)):
            return snapshot
    try:
        day = dt.date.fromisoformat(reference)
    except ValueError:
        raise SnapshotNotFoundError(f"no snapshot named {reference!r}") from None

    earlier = [s for s in listing.snapshots if s.as_of <= day]
    if not earlier:
        raise SnapshotNotFoundError(f"no snapshot as of {day} or earlier")
    return earlier[-1]


def _org_folder(directory: Path, org: str) -> Path:
    if not _SAFE_ORG.match(org) or set(org) == {"."}:
        raise ValueError(
            f"org {org!r} cannot name a snapshot folder: use letters, digits, "
            "'_', '.' and '-'"
        )
    return directory / org


def _snapshot_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [
        path
        for path in folder.iterdir()
        if path.suffix == _SUFFIX and _NAME.match(path.stem) and path.is_file()
    ]


def _run_time_key(path: Path) -> str:
    match = _NAME.match(path.stem)
    return match["taken"] if match else ""


def _read_header(path: Path) -> Snapshot:
    try:
        raw = pl.read_parquet_metadata(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise CorruptSnapshotError(f"not a readable Parquet file: {exc}") from exc
    values = {k[len(_PREFIX) :]: v for k, v in raw.items() if k.startswith(_PREFIX)}
    missing = [key for key in _REQUIRED_KEYS if key not in values]
    if missing:
        raise CorruptSnapshotError(f"snapshot metadata missing: {missing}")

    try:
        return Snapshot(
            path=path,
            org=values["org"],
            run_id=values["run_id"],
            taken_at=dt.datetime.fromisoformat(values["taken_at"]),
            as_of=dt.date.fromisoformat(values["as_of"]),
            currency=values.get("currency", ""),
            locale=values.get("locale", ""),
            calibration=json.loads(values.get("calibration", "{}")),
            borders=json.loads(values.get("borders", "{}")),
        )
    except ValueError as exc:
        raise CorruptSnapshotError(f"snapshot metadata unreadable: {exc}") from exc
