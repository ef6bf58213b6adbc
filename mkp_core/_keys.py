"""Record ids as 64-bit integer keys, for matching and grouping millions of deals.

Hashing an id is a cheap pass over the column; building a hash table of
strings is not. Looking ten million deal account ids up among a million
accounts, and grouping the deals by account, cost several times more on the
strings than on their 64-bit hashes, so both are done on the hashes.

A key stands for its id only while no two ids in play share it. Accounts are
checked: when two account ids share a key (about one chance in 30 million
for a million accounts), the ids themselves are used, exactly, only slower.
A deal whose account is unknown could still share a key with a known
account, about one chance in 10¹³ per unknown id, and would then count for
that account; that risk is taken. Keys live within one scoring call only:
Polars does not promise the same hash across versions or processes.

Opportunity ids arrive in batches, and a repeat must be found across them:
``SeenKeys`` keeps the hashes of the ids already met (8 bytes per deal, not
the ids), exact within a batch as ``repeated`` is. Across batches two
different ids sharing a hash would flag the later deal as a duplicate:
about one chance in 370,000 for ten million deals read in several batches;
that risk is taken too. Deals given as one frame are checked exactly.
"""

from __future__ import annotations

import polars as pl

__all__ = ["ACCOUNT_KEY", "SeenKeys", "account_key", "has_repeats", "repeated"]

ACCOUNT_KEY = "_account_key"

# Any fixed seed; the key only has to agree within one call.
_SEED = 0x4D4B50


def account_key(accounts: pl.DataFrame, id_column: str = "account_id") -> pl.Expr:
    """The expression giving a row's account key, valid for ``accounts``.

    Applied to a frame with an ``id_column`` of account ids (the accounts
    themselves, or deals referring to them). A null id has a null key.
    """
    if has_repeats(accounts, id_column):
        # Blank or repeated ids are rejected before this is asked, so a
        # repeat here is a collision of two hashes: use the ids themselves.
        return pl.col(id_column).alias(ACCOUNT_KEY)
    return _hashed(id_column).alias(ACCOUNT_KEY)


def has_repeats(frame: pl.DataFrame, column: str) -> bool:
    """Whether any two rows of ``column`` share a key (exact when none do).

    Distinct hashes prove distinct ids, so the common case, no repeat,
    is answered from the hashes alone.
    """
    distinct = frame.select(_hashed(column).n_unique()).item()
    return bool(distinct < frame.height)


def repeated(frame: pl.DataFrame, column: str) -> pl.Expr:
    """True on every row whose id appeared on an earlier row."""
    if not has_repeats(frame, column):
        return pl.lit(False)
    return ~pl.col(column).is_first_distinct()


class SeenKeys:
    """The hashed ids of every row met so far, over batches of rows.

    Held as sorted runs of distinct hashes, each run at least twice as long
    as the next (the runs of a binary counter): a batch is looked up by
    binary search in a few runs, and each hash is merged into a longer run
    only a logarithmic number of times. A batch's hashes are sorted into a
    run only when the next batch comes, so deals given as one frame are
    never sorted at all.
    """

    def __init__(self) -> None:
        self._runs: list[pl.Series] = []
        self._unsorted: pl.Series | None = None

    def repeated(self, frame: pl.DataFrame, column: str) -> pl.Series:
        """True on every row whose id appeared on an earlier row, of this
        frame or of any frame passed before; then remember the frame's ids."""
        hashes = frame.select(_hashed(column)).to_series()
        within = _repeated_within(frame, column, hashes)
        self._sort_unsorted()
        if not self._runs:
            self._unsorted = hashes
            return within
        earlier = self._contains(hashes)
        self._unsorted = hashes.filter(~earlier)

        return within | earlier

    def _contains(self, hashes: pl.Series) -> pl.Series:
        # Probes in sorted order walk each run forwards: several times
        # faster over millions of hashes than probes in row order.
        order = hashes.fill_null(0).arg_sort()
        probes = hashes.fill_null(0).gather(order)
        found = pl.repeat(False, hashes.len(), eager=True)
        for run in self._runs:
            at = run.search_sorted(probes).clip(0, run.len() - 1)
            found = found | (run.gather(at) == probes)
        in_row_order = pl.repeat(False, hashes.len(), eager=True).scatter(order, found)
        return in_row_order & hashes.is_not_null()

    def _sort_unsorted(self) -> None:
        if self._unsorted is None:
            return
        new, self._unsorted = self._unsorted.drop_nulls().unique(), None
        if new.len() == 0:
            return
        self._runs.append(new.sort())
        while len(self._runs) > 1 and self._runs[-2].len() < 2 * self._runs[-1].len():
            last = self._runs.pop().to_frame("hash")
            merged = self._runs[-1].to_frame("hash").merge_sorted(last, key="hash")
            self._runs[-1] = merged.to_series()


def _repeated_within(frame: pl.DataFrame, column: str, hashes: pl.Series) -> pl.Series:
    """``repeated`` for one frame whose ids are already hashed."""
    if hashes.n_unique() == hashes.len():
        return pl.repeat(False, hashes.len(), eager=True)
    return ~frame.get_column(column).is_first_distinct()


def _hashed(column: str) -> pl.Expr:
    return pl.when(pl.col(column).is_not_null()).then(pl.col(column).hash(_SEED))
