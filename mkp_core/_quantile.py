"""Exact leave-one-out quantiles per group, without a loop over records.

For a group of n peer values sorted as x_0 <= ... <= x_(n-1), the linear
quantile is x_k + f * (x_(k+1) - x_k) with h = (n - 1) * q, k = floor(h),
f = h - k. Removing the value at sorted position r leaves n - 1 values whose
quantile uses h' = (n - 2) * q. The two values it reads are x_k' or x_(k'+1)
and x_(k'+1) or x_(k'+2) of the full group, depending on whether r lies
above them. Taking r as the first position of the row's own value v, r lies
above position j exactly when x_j < v, so three values per group and a
comparison with the row's own value give the exact answer, with no rank to
compute. Ties need no care: removing any copy of a repeated value leaves the
same multiset.

Only those few values per group are joined back onto the rows; joining the
group's sorted values would copy a portfolio-sized list into every row.
Several measures that share a grouping are joined in one pass.

A row that is not itself a peer (a prospect, a lead) is measured against the
whole group.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import polars as pl

__all__ = ["peer_quantiles"]

_KEY = "_group"
# Per-group statistics, each column named "{measure}{suffix}".
_N, _FULL, _X0, _X1, _X2 = "_n", "_full", "_x0", "_x1", "_x2"


def peer_quantiles(
    frame: pl.LazyFrame,
    *,
    group: pl.Expr | None,
    peer_values: Mapping[str, pl.Expr],
    quantile: float,
) -> pl.LazyFrame:
    """``{name}_quantile`` and ``{name}_count`` (peers other than self) for
    each measure in ``peer_values``, one row per row of ``frame``, in its order.

    Each measure's expression is the row's value where the row is a peer and
    null where it is not. ``group`` None makes the whole frame one group; a
    null ``group`` value means the row has no group: both columns are null.
    The quantile is also null when the row has no peer besides itself. Only
    these columns are returned, so that quantiles of other groupings can be
    computed side by side and joined to the frame without copying it each
    time.
    """
    # One group needs no key: its one row of statistics is broadcast by a
    # cross join, far cheaper than a join that keeps the rows' order.
    key = pl.lit(0, pl.UInt8) if group is None else group
    keyed = frame.select(
        key.alias(_KEY), *(value.alias(name) for name, value in peer_values.items())
    )
    stats = functools.reduce(
        lambda left, right: left.join(right, on=_KEY, how="full", coalesce=True),
        (_group_stats(keyed, name, quantile) for name in peer_values),
    )
    if group is None:
        # Left-joined onto the one key so that a frame with no peers at all
        # still gets its row of (null) statistics.
        one_row = pl.LazyFrame({_KEY: [0]}, schema={_KEY: pl.UInt8})
        whole = one_row.join(stats, on=_KEY, how="left").drop(_KEY)
        joined = keyed.join(whole, how="cross")
    else:
        joined = keyed.join(stats, on=_KEY, how="left", maintain_order="left")
    has_group = pl.col(_KEY).is_not_null()

    return joined.select(
        column
        for name in peer_values
        for column in _quantile_and_count(name, quantile, has_group)
    )


def _quantile_and_count(
    name: str, quantile: float, has_group: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    own = pl.col(name)
    is_member = own.is_not_null()
    count = pl.col(name + _N).fill_null(0) - is_member.cast(pl.Int64)
    result = (
        pl.when(is_member)
        .then(_leave_one_out(name, quantile, own))
        .otherwise(pl.col(name + _FULL))
    )

    return (
        pl.when(count > 0).then(result).alias(f"{name}_quantile"),
        pl.when(has_group).then(count).alias(f"{name}_count"),
    )


def _group_stats(keyed: pl.LazyFrame, name: str, quantile: float) -> pl.LazyFrame:
    """Per group: peer count, full-group quantile and the three values LOO needs."""
    n = pl.len().cast(pl.Int64)
    # The peers are sorted once, before grouping: a group keeps its rows'
    # order, so each group's values arrive sorted and are read by position.
    values = pl.col(name)
    k = ((n - 2).clip(lower_bound=0) * quantile).floor().cast(pl.Int64)
    full_position = (n - 1) * quantile
    full_k = full_position.floor().cast(pl.Int64)

    def at(index: pl.Expr) -> pl.Expr:
        return values.get(index.clip(upper_bound=n - 1))

    full = at(full_k) + (full_position - full_k) * (at(full_k + 1) - at(full_k))
    return (
        keyed.select(_KEY, name)
        .filter(pl.col(name).is_not_null() & pl.col(_KEY).is_not_null())
        .sort(name)
        .group_by(_KEY)
        .agg(
            n.alias(name + _N),
            full.alias(name + _FULL),
            at(k).alias(name + _X0),
            at(k + 1).alias(name + _X1),
            at(k + 2).alias(name + _X2),
        )
    )


def _leave_one_out(name: str, quantile: float, own: pl.Expr) -> pl.Expr:
    """The linear quantile of the group without the row's own value ``own``.

    Indices are clipped to the group; where a clipped value is read, the
    interpolation fraction is zero, so it never reaches the result.
    """
    position = (pl.col(name + _N) - 2).clip(lower_bound=0) * quantile
    fraction = position - position.floor()
    x0, x1, x2 = (pl.col(name + suffix) for suffix in (_X0, _X1, _X2))

    # x_k < own means own's first sorted position lies above k: x_k stays.
    low = pl.when(x0 < own).then(x0).otherwise(x1)
    high = pl.when(x1 < own).then(x1).otherwise(x2)
    return low + fraction * (high - low)
