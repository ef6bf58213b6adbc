"""Which two snapshots a report compares, loaded, with unreadable ones skipped.

The newer is the one named by ``--to``, else the latest (by as_of, then run
time). The older is the one named by ``--from``; else, with ``--since DATE``,
the latest as of that date or earlier; else the latest with an earlier
as_of, or an earlier run on the same as_of. A snapshot that cannot be read
is named in the warnings and the next candidate is taken, unless it was
named explicitly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from worker.reporting._build import LoadedSnapshot
from worker.snapshots import (
    CorruptSnapshotError,
    Snapshot,
    SnapshotNotFoundError,
    find_snapshot,
    list_snapshots,
    load_snapshot,
)

__all__ = ["Selection", "select_snapshots"]


@dataclasses.dataclass(frozen=True)
class Selection:
    newer: LoadedSnapshot
    older: LoadedSnapshot | None
    warnings: list[str]


def select_snapshots(
    directory: Path,
    org: str,
    *,
    since: dt.date | None = None,
    from_ref: str | None = None,
    to_ref: str | None = None,
) -> Selection:
    """The snapshots to compare; ``SnapshotNotFoundError`` when there is none."""
    listing = list_snapshots(directory, org)
    warnings = [f"{bad.path.name}: {bad.reason}" for bad in listing.corrupt]
    snapshots = listing.snapshots
    if not snapshots:
        raise SnapshotNotFoundError(
            f"no readable snapshot of org {org!r} in {directory}: run `mkp run` first"
        )

    newer: LoadedSnapshot | None
    if to_ref:
        newer = _load(find_snapshot(listing, to_ref))
    else:
        newer = _first_loadable(reversed(snapshots), warnings)
    if newer is None:
        raise SnapshotNotFoundError(f"no readable snapshot of org {org!r}")

    older: LoadedSnapshot | None
    if from_ref:
        older = _load(find_snapshot(listing, from_ref))
    else:
        candidates = _older_candidates(snapshots, newer.snapshot, since)
        older = _first_loadable(candidates, warnings)
    if older is None and since is not None:
        warnings.append(f"no snapshot as of {since} or earlier")

    return Selection(newer=newer, older=older, warnings=warnings)


def _older_candidates(
    snapshots: list[Snapshot], newer: Snapshot, since: dt.date | None
) -> list[Snapshot]:
    earlier = [s for s in reversed(snapshots) if s.path != newer.path]
    if since is not None:
        return [s for s in earlier if s.as_of <= since]
    # A run as of an earlier date first (the period before), and only then a
    # rerun as of the same date: comparing a period with a rerun of itself
    # shows little but hysteresis.
    previous_period = [s for s in earlier if s.as_of < newer.as_of]
    rerun = [
        s for s in earlier if s.as_of == newer.as_of and s.taken_at < newer.taken_at
    ]
    return previous_period + rerun


def _load(snapshot: Snapshot) -> LoadedSnapshot:
    return LoadedSnapshot(snapshot, load_snapshot(snapshot))


def _first_loadable(
    candidates: Iterable[Snapshot], warnings: list[str]
) -> LoadedSnapshot | None:
    for snapshot in candidates:
        try:
            return _load(snapshot)
        except CorruptSnapshotError as exc:
            warnings.append(f"{snapshot.path.name}: {exc}")
    return None
