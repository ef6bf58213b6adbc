"""Potential: the largest annual volume a customer could realistically buy from us.

Methods, tried in ``policy.potential_methods`` order, the first that yields a
positive amount wins; current revenue is the implicit last resort, and no
method may put potential below what the customer already buys.

- **override**: sales' own estimate on the record.
- **peers**: the realistic wallet of size-normalised peers. Spend intensity is
  ``window revenue / size ** b``, with ``b`` the portfolio's log-log slope of
  revenue on size. Potential is the ``peer_quantile`` of the intensities of
  the account's industry peers times the account's own ``size ** b``. The
  industry is used when it holds at least ``min_peer_group`` customers with
  revenue besides the account itself, else the whole portfolio. An account
  never counts among its own peers. A customer without a known size is
  compared on plain spend (the quantile of peers' revenue); a prospect without
  a size has nothing to compare and falls through to the next method.
- **firmographic**: annual revenue times a spend ratio, else head count times
  an amount per employee.

One size measure serves the whole portfolio (employees and annual revenue are
in different units, so their intensities cannot share a quantile). With
``size_measure = "auto"`` it is the one known for more customers with revenue,
employees on a tie.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Literal

import polars as pl
import polars.selectors as cs

from mkp_core._quantile import peer_quantiles
from mkp_core.frames import PotentialMethod, RecordKind
from mkp_core.policy import Policy

__all__ = ["PORTFOLIO_GROUP", "SizeModel", "estimate_potential", "fit_size_model"]

logger = logging.getLogger(__name__)

SizeMeasure = Literal["employees", "annual_revenue"]

# peer_group of an account compared with the whole portfolio.
PORTFOLIO_GROUP = "portfolio"

# Used when the portfolio cannot fit a slope (fewer than two distinct sizes):
# spend proportional to size.
_UNFITTED_EXPONENT = 1.0
_MAX_EXPONENT = 1.2


@dataclasses.dataclass(frozen=True)
class SizeModel:
    """How size enters the peer comparison: which measure, and exponent ``b``."""

    measure: SizeMeasure
    exponent: float


def fit_size_model(records: pl.DataFrame, policy: Policy) -> SizeModel:
    """Choose the size measure and fit ``b`` on customers with revenue and size."""
    measure = _size_measure(records, policy)
    if policy.size_exponent is not None:
        return SizeModel(measure, policy.size_exponent)

    fitted = _log_log_slope(records, measure)
    exponent = _UNFITTED_EXPONENT if fitted is None else fitted
    # Rounded so that b, and every potential scaled by it, does not depend on
    # the order in which the parallel sums were added.
    exponent = min(max(round(exponent, 3), 0.0), _MAX_EXPONENT)
    logger.debug("Size exponent %.3f on %s (fitted: %s)", exponent, measure, fitted)

    return SizeModel(measure, exponent)


def estimate_potential(
    records: pl.DataFrame,
    policy: Policy,
    size: SizeModel,
    *,
    peers: pl.Expr | None = None,
) -> pl.DataFrame:
    """Add potential, potential_method and the figures that explain it.

    ``peers``, when given, narrows who may serve as a peer to the customers it
    marks true; the others are estimated against those peers as a whole, the
    way a prospect is. Calibration uses it to fit on one set of customers and
    predict for another.

    Added columns: ``size`` (the measure, null when unknown), ``peer_group``,
    ``peer_count`` and ``peer_quantile`` (the intensity, or spend, quantile;
    set only for the peers method), ``firmographic_ratio``,
    ``method_potential`` (before the floor at current revenue),
    ``potential_method`` and ``potential``.
    """
    is_peer = _is_customer() if peers is None else _is_customer() & peers
    with_peers = _with_peer_quantiles(records.lazy(), policy, size, is_peer)
    candidates = with_peers.with_columns(
        _override().alias("_override"),
        _firmographic_ratio(policy).alias("firmographic_ratio"),
    ).with_columns(_firmographic(policy).alias("_firmographic"))

    return _choose(candidates, policy, size).collect()


def _size_measure(records: pl.DataFrame, policy: Policy) -> SizeMeasure:
    if policy.size_measure != "auto":
        return policy.size_measure
    customers = records.filter(_is_customer())
    known = customers.select(
        (pl.col("employees") > 0).sum().alias("employees"),
        (pl.col("annual_revenue") > 0).sum().alias("annual_revenue"),
    ).row(0, named=True)
    return (
        "employees"
        if known["employees"] >= known["annual_revenue"]
        else "annual_revenue"
    )


def _log_log_slope(records: pl.DataFrame, measure: SizeMeasure) -> float | None:
    """OLS slope of log revenue on log size, None when it cannot be fitted."""
    size = pl.col(measure)
    points = records.filter(_is_customer() & (size > 0) & size.is_finite()).select(
        pl.col(measure).log().alias("x"), pl.col("window_revenue").log().alias("y")
    )
    slope = points.select(pl.cov("x", "y") / pl.col("x").var()).item()
    if slope is None or not math.isfinite(slope):
        return None
    return float(slope)


def _is_customer() -> pl.Expr:
    """An account with won revenue in the window: the only rows that are peers."""
    return (pl.col("kind") == RecordKind.ACCOUNT.value) & (pl.col("window_revenue") > 0)


def _with_peer_quantiles(
    records: pl.LazyFrame, policy: Policy, size: SizeModel, is_peer: pl.Expr
) -> pl.LazyFrame:
    """Intensity and spend quantiles, each by industry and by portfolio."""
    # Collected once here: each grouping below reads it, and a lazy frame
    # read by several plans is computed again for each.
    sized = _sized(records, size).collect().lazy()
    intensity = pl.col("window_revenue") / pl.col("size").pow(size.exponent)
    measures = {
        "intensity": pl.when(is_peer & pl.col("size").is_not_null()).then(intensity),
        "spend": pl.when(is_peer).then(pl.col("window_revenue")),
    }
    groups = {"industry": pl.col("_industry_key"), "portfolio": None}

    quantiles = [
        peer_quantiles(
            sized,
            group=group,
            peer_values={
                f"_{basis}_{scope}": value for basis, value in measures.items()
            },
            quantile=policy.peer_quantile,
        )
        for scope, group in groups.items()
    ]
    return pl.concat([sized, *quantiles], how="horizontal")


def _sized(records: pl.LazyFrame, size: SizeModel) -> pl.LazyFrame:
    """Add ``size`` (null when unknown) and the industry, trimmed and as a key."""
    measure = pl.col(size.measure)
    return records.with_columns(
        pl.when((measure > 0) & measure.is_finite()).then(measure).alias("size"),
        pl.col("industry").str.strip_chars().alias("_industry"),
    ).with_columns(
        pl.col("_industry").replace("", None).str.to_lowercase().alias("_industry_key")
    )


def _peer_choice(basis: str, policy: Policy) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Quantile, group label and count for one basis: industry, else portfolio."""
    industry, portfolio = f"_{basis}_industry", f"_{basis}_portfolio"
    use_industry = pl.col(f"{industry}_count") >= policy.min_peer_group
    use_portfolio = pl.col(f"{portfolio}_count") >= policy.min_peer_group

    def pick(industry_value: pl.Expr, portfolio_value: pl.Expr) -> pl.Expr:
        return (
            pl.when(use_industry)
            .then(industry_value)
            .when(use_portfolio)
            .then(portfolio_value)
        )

    return (
        pick(pl.col(f"{industry}_quantile"), pl.col(f"{portfolio}_quantile")),
        pick(pl.col("_industry"), pl.lit(PORTFOLIO_GROUP)),
        pick(pl.col(f"{industry}_count"), pl.col(f"{portfolio}_count")),
    )


def _override() -> pl.Expr:
    override = pl.col("potential_override")
    return pl.when((override > 0) & override.is_finite()).then(override)


def _firmographic_ratio(policy: Policy) -> pl.Expr:
    """The spend ratio of annual revenue for the record's industry."""
    firmographic = policy.firmographic
    by_industry = {
        key.strip().lower(): ratio
        for key, ratio in firmographic.revenue_ratio_by_industry.items()
    }
    return pl.col("_industry_key").replace_strict(
        by_industry, default=firmographic.default_revenue_ratio, return_dtype=pl.Float64
    )


def _firmographic(policy: Policy) -> pl.Expr:
    annual_revenue, employees = pl.col("annual_revenue"), pl.col("employees")
    amount = (
        pl.when(annual_revenue > 0)
        .then(annual_revenue * pl.col("firmographic_ratio"))
        .when(employees > 0)
        .then(employees * policy.firmographic.per_employee_amount)
    )
    return pl.when((amount > 0) & amount.is_finite()).then(amount)


def _choose(candidates: pl.LazyFrame, policy: Policy, size: SizeModel) -> pl.LazyFrame:
    """Apply the first method that yields an amount; floor at current revenue."""
    sized, customer = pl.col("size").is_not_null(), pl.col("window_revenue") > 0
    intensity_q, intensity_group, intensity_count = _peer_choice("intensity", policy)
    spend_q, spend_group, spend_count = _peer_choice("spend", policy)

    def by_basis(intensity_value: pl.Expr, spend_value: pl.Expr) -> pl.Expr:
        return pl.when(sized).then(intensity_value).when(customer).then(spend_value)

    amounts = {
        PotentialMethod.OVERRIDE: pl.col("_override"),
        PotentialMethod.PEERS: by_basis(
            intensity_q * pl.col("size").pow(size.exponent), spend_q
        ),
        PotentialMethod.FIRMOGRAPHIC: pl.col("_firmographic"),
        PotentialMethod.REVENUE: pl.col("window_revenue"),
    }
    order = [*policy.potential_methods, PotentialMethod.REVENUE]
    method = pl.coalesce(
        pl.when(amounts[m].is_not_null()).then(pl.lit(m.value)) for m in order
    )
    is_peers = pl.col("potential_method") == PotentialMethod.PEERS.value

    return (
        candidates.with_columns(
            method.alias("potential_method"),
            pl.coalesce(amounts[m] for m in order).alias("method_potential"),
        )
        .with_columns(
            pl.when(is_peers)
            .then(by_basis(intensity_q, spend_q))
            .alias("peer_quantile"),
            pl.when(is_peers)
            .then(by_basis(intensity_group, spend_group))
            .alias("peer_group"),
            pl.when(is_peers)
            .then(by_basis(intensity_count, spend_count))
            .alias("peer_count"),
            pl.max_horizontal("method_potential", "window_revenue").alias("potential"),
        )
        .drop(cs.starts_with("_"))
    )
