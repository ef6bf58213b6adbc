"""The two axes of the matrix: progress (wallet share) and potential level.

Both borders have a hysteresis band. When the CRM already holds a level for a
record, that level changes only once the value has crossed the border by more
than ``policy.hysteresis_margin`` (an absolute margin of wallet share; a
margin relative to the cut-off amount for potential), so an account sitting
near a border does not flip every night. With no level in the CRM the plain
borders apply. The rule is a fixed point: scoring again with its own output
as the CRM's levels gives the same levels.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from mkp_core.frames import PotentialLevel, ProgressLevel, RecordKind, crm_column
from mkp_core.policy import Policy

__all__ = [
    "PotentialCutoffs",
    "assign_potential_level",
    "assign_progress",
    "level_index",
    "potential_cutoffs",
    "wallet_share",
]


@dataclasses.dataclass(frozen=True)
class PotentialCutoffs:
    """Potential amounts (corporate currency) where Medium and High begin.

    None when the portfolio has no account to take quantiles from.
    """

    medium_amount: float | None
    high_amount: float | None


def wallet_share() -> pl.Expr:
    """Window revenue over potential, within [0, 1]; 0 when potential is 0."""
    potential = pl.col("potential")
    share = pl.col("window_revenue") / potential
    return pl.when(potential > 0).then(share.clip(0.0, 1.0)).otherwise(0.0)


def assign_progress(records: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Add ``wallet_share`` and ``progress_level``."""
    with_share = records.with_columns(wallet_share().alias("wallet_share"))
    previous = level_index(pl.col(crm_column("progress_level")), ProgressLevel)
    reached = _above(
        pl.col("wallet_share"),
        was_above=previous == ProgressLevel.REACHED.axis,
        border=round(policy.reached_share, 12),
        up=min(round(policy.reached_share + policy.hysteresis_margin, 12), 1.0),
        down=round(policy.reached_share - policy.hysteresis_margin, 12),
    )
    level = (
        pl.when(pl.col("window_revenue") <= 0)
        .then(pl.lit(ProgressLevel.NOT_WORKING.value))
        .when(reached)
        .then(pl.lit(ProgressLevel.REACHED.value))
        .otherwise(pl.lit(ProgressLevel.BELOW.value))
    )

    return with_share.with_columns(level.alias("progress_level"))


def potential_cutoffs(records: pl.DataFrame, policy: Policy) -> PotentialCutoffs:
    """Cut-off amounts from the policy, or from quantiles of accounts' potential.

    Leads never move the cut-offs: they are placed on the accounts' scale.
    """
    levels = policy.potential_levels
    if levels.mode == "amount":
        return PotentialCutoffs(levels.medium_amount, levels.high_amount)

    potential = pl.col("potential").filter(pl.col("kind") == RecordKind.ACCOUNT.value)
    medium, high = records.select(
        potential.quantile(levels.medium_quantile, "linear").alias("medium"),
        potential.quantile(levels.high_quantile, "linear").alias("high"),
    ).row(0)
    return PotentialCutoffs(medium, high)


def assign_potential_level(
    records: pl.DataFrame, cutoffs: PotentialCutoffs, policy: Policy
) -> pl.DataFrame:
    """Add ``potential_level``; zero potential is always Low."""
    previous = level_index(pl.col(crm_column("potential_level")), PotentialLevel)
    margin = policy.hysteresis_margin
    potential = pl.col("potential")
    index = pl.lit(0, pl.Int8)
    for border_index, amount in enumerate(
        (cutoffs.medium_amount, cutoffs.high_amount), 1
    ):
        if amount is None:
            continue
        above = _above(
            potential,
            was_above=previous >= border_index,
            border=amount,
            up=amount + amount * margin,
            down=amount - amount * margin,
        )
        index = index + above.cast(pl.Int8)

    level = pl.when(potential > 0).then(index).otherwise(0)
    names = pl.Series([str(member) for member in PotentialLevel])
    return records.with_columns(
        level.replace_strict(range(len(names)), names, return_dtype=pl.String).alias(
            "potential_level"
        )
    )


def _above(
    value: pl.Expr, *, was_above: pl.Expr, border: float, up: float, down: float
) -> pl.Expr:
    """Whether a value is above a border, given the side it was on before.

    A value that was above stays there down to ``down``; one that was below
    must reach ``up``; with no previous side the plain border applies.
    Scoring again with its own output as the previous side changes nothing
    as long as ``down <= border <= up`` holds in floating point, which the
    callers keep: the share borders are all rounded alike (so 0.8 + 0.05 is
    the 0.85 a person would type) and an amount border moves by
    ``amount * margin``, exactly zero when the margin is.
    """
    return (
        pl.when(was_above.is_null())
        .then(value >= border)
        .when(was_above)
        .then(value >= down)
        .otherwise(value >= up)
    )


def level_index(
    column: pl.Expr, levels: type[PotentialLevel] | type[ProgressLevel]
) -> pl.Expr:
    """A level's position on its axis (Int8), null when none or unrecognised."""
    names = [str(member) for member in levels]
    return column.replace_strict(
        names, list(range(len(names))), default=None, return_dtype=pl.Int8
    )
