"""Exact leave-one-out quantiles per group, without a loop over records.

For a group of n peer values sorted as x_0 <= ... <= x_(n-1), the linear
quantile is x_k + f * (x_(k+1) - x_k) with h = (n - 1) * q, k = floor(h),
f = h - k. Removing the value at sorted position r leaves n - 1 values whose
quantile uses h' = (n - 2) * q. The two values it reads are x_k' or x_(k'+1)
and x_(k'+1) or x_(k'+2) of the full group, depending on whether r lies
above them, so three values per group plus each peer's rank give the exact
answer. Ties need no care: removing any copy of a repeated value leaves the
same multiset.

Only those few values per group are joined back onto the rows; joining the
group's sorted values would copy a portfolio-sized list into every row.

A row that is not itself a peer (a prospect, a lead) is measured against the
whole group.
"""

from __future__ import annotations

import polars as pl

__all__ = ["peer_quantile"]

_N = "_n"
_RANK = "_rank"
_FULL = "_full"


def peer_quantile(
    frame: pl.LazyFrame,
    *,
    value: pl.Expr,
    is_peer: pl.Expr,
    group: pl.Expr,
    quantile: float,
    prefix: str,
) -> pl.LazyFrame:
    """``{prefix}_quantile`` and ``{prefix}_count`` (peers other than self),
    one row per row of ``frame``, in its order.

    ``group`` null means the row has no group: both columns are null. The
    quantile is also null when the row has no peer besides itself. Only the
    two columns are returned, so that several quantiles of one frame can be
    computed side by side and joined to it without copying it each time.
    """
    key, peer_value = f"{prefix}_group", f"{prefix}_value"
    keyed = frame.select(
        group.alias(key), pl.when(is_peer).then(value).alias(peer_value)
    )
    stats = _group_stats(keyed, key, peer_value, quantile)
    ranked = keyed.with_columns(
        (pl.col(peer_value).rank("min").over(key) - 1).cast(pl.Int64).alias(_RANK)
    )

    is_member = pl.col(peer_value).is_not_null()
    count = pl.col(_N).fill_null(0) - is_member.cast(pl.Int64)
    result = pl.when(is_member).then(_leave_one_out(quantile)).otherwise(_FULL)

    return ranked.join(stats, on=key, how="left", maintain_order="left").select(
        pl.when(count > 0).then(result).alias(f"{prefix}_quantile"),
        pl.when(pl.col(key).is_not_null()).then(count).alias(f"{prefix}_count"),
    )


def _group_stats(
    keyed: pl.LazyFrame, key: str, peer_value: str, quantile: float
) -> pl.LazyFrame:
    """Per group: peer count, full-group quantile and the three values LOO needs."""
    n = pl.len().cast(pl.Int64)
    values = pl.col(peer_value).sort()
    k = ((n - 2).clip(lower_bound=0) * quantile).floor().cast(pl.Int64)
    full_position = (n - 1) * quantile
    full_k = full_position.floor().cast(pl.Int64)

    def at(index: pl.Expr) -> pl.Expr:
        return values.get(index.clip(upper_bound=n - 1))

    full = at(full_k) + (full_position - full_k) * (at(full_k + 1) - at(full_k))
    return (
        keyed.filter(pl.col(peer_value).is_not_null() & pl.col(key).is_not_null())
        .group_by(key)
        .agg(
            n.alias(_N),
            full.alias(_FULL),
            at(k).alias("_x0"),
            at(k + 1).alias("_x1"),
            at(k + 2).alias("_x2"),
        )
    )


def _leave_one_out(quantile: float) -> pl.Expr:
    """The linear quantile of the group without the row's own sorted position.

    Indices are clipped to the group; where a clipped value is read, the
    interpolation fraction is zero, so it never reaches the result.
    """
    position = (pl.col(_N) - 2).clip(lower_bound=0) * quantile
    k = position.floor().cast(pl.Int64)
    fraction = position - position.floor()
    rank = pl.col(_RANK)

    low = pl.when(k < rank).then(pl.col("_x0")).otherwise(pl.col("_x1"))
    high = pl.when(k + 1 < rank).then(pl.col("_x1")).otherwise(pl.col("_x2"))
    return low + fraction * (high - low)
