"""Calibration: does the peers potential behave like the quantile it claims to be?

The peers method calls an account's potential the ``peer_quantile`` (say the
90th percentile) of what comparable customers buy. If that is true, about
that share of customers should buy no more than their potential, and the
estimate should beat a naive one that ignores size and industry.

The check is a hold-out test on the customers with history (won revenue in
the window). A stable hash of the account id puts a share of them aside; the
peers method is fitted on the others only (size exponent and peer quantiles)
and predicts a potential for each one put aside, before the floor at current
revenue, since that floor would make every prediction come true. Then:

- **coverage**: the share of hold-out customers whose window revenue is at
  most the predicted potential; close to the quantile when calibrated;
- **pinball loss** at the quantile, the proper score for a quantile
  forecast (lower is better), in the corporate currency;
- the same loss for a **baseline** that predicts the training customers'
  portfolio-wide revenue quantile for everyone.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import math
import random
from typing import Any, cast

import polars as pl

from mkp_core.frames import PotentialMethod, RecordKind
from mkp_core.policy import Policy
from mkp_core.potential import SizeModel, estimate_potential, fit_size_model

__all__ = [
    "Calibration",
    "CalibrationVerdict",
    "calibrate",
    "calibrate_scores",
    "holdout_mask",
]

logger = logging.getLogger(__name__)

DEFAULT_HOLDOUT_SHARE = 0.3
DEFAULT_SEED = 0

# Fewer hold-out customers than this and coverage is too noisy to judge.
MIN_HOLDOUT = 20
# Coverage within this of the quantile counts as calibrated, or within two
# binomial standard errors when the hold-out is small.
COVERAGE_TOLERANCE = 0.03
# An estimate must cut the baseline's loss by at least this share to count as
# better: a smaller gain is within the noise of a small hold-out.
MIN_SKILL = 0.05

# The split's hash works modulo this prime (2**31 - 1), so every product of
# a byte weight and a byte fits in 64-bit integers.
_PRIME = 2_147_483_647


class CalibrationVerdict(enum.StrEnum):
    """What the hold-out test says about the potential estimate."""

    CALIBRATED = "calibrated"
    TOO_GENEROUS = "too generous"  # revenue stays below potential too often
    TOO_TIGHT = "too tight"  # revenue exceeds potential too often
    NO_BETTER_THAN_BASELINE = "no better than baseline"
    TOO_LITTLE_HISTORY = "too little history"


@dataclasses.dataclass(frozen=True)
class Calibration:
    """Figures of one hold-out test; the loss figures are in corporate currency.

    ``holdout`` counts the hold-out customers the peers method estimated;
    ``unestimated`` those it could not (no peer group large enough), which
    are left out of the figures. ``skill`` is ``1 - loss / baseline``.
    """

    quantile: float
    holdout_share: float
    customers: int
    training: int
    holdout: int
    unestimated: int
    size_exponent: float
    coverage: float | None = None
    coverage_tolerance: float | None = None
    pinball_loss: float | None = None
    baseline_pinball_loss: float | None = None
    skill: float | None = None
    verdict: CalibrationVerdict = CalibrationVerdict.TOO_LITTLE_HISTORY

    @property
    def summary(self) -> str:
        """One plain English sentence for logs and the run report."""
        if self.coverage is None or self.skill is None:
            return (
                f"Calibration not judged: {self.holdout} hold-out customers, "
                f"at least {MIN_HOLDOUT} are needed."
            )
        direction = "below" if self.skill >= 0 else "above"
        return (
            f"Calibration verdict: {self.verdict}. {self.coverage:.0%} of "
            f"{self.holdout} hold-out customers stayed within their potential "
            f"(target {self.quantile:.0%}); pinball loss {abs(self.skill):.0%} "
            f"{direction} the portfolio-quantile baseline."
        )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["verdict"] = str(self.verdict)
        data["summary"] = self.summary
        return data


def holdout_mask(
    account_ids: pl.Series, share: float, seed: int = DEFAULT_SEED
) -> pl.Series:
    """True for the accounts put aside; decided by each id alone.

    The hash is our own (see ``_stable_hash``), so the split is the same on
    every machine and Polars version, and an account stays on its side as
    the portfolio grows.
    """
    if not 0.0 < share < 1.0:
        raise ValueError(f"holdout share must be between 0 and 1, got {share}")
    cut = int(share * _PRIME)

    return (_stable_hash(account_ids, seed) < cut).alias("holdout")


def calibrate(
    customers: pl.DataFrame,
    policy: Policy,
    *,
    holdout_share: float = DEFAULT_HOLDOUT_SHARE,
    seed: int = DEFAULT_SEED,
) -> Calibration:
    """Run the hold-out test on accounts with the columns the peers method reads.

    Columns: ``account_id``, ``industry``, ``employees``, ``annual_revenue``
    and ``window_revenue``; rows without revenue in the window are ignored.
    """
    peers_only = policy.model_copy(
        update={"potential_methods": (PotentialMethod.PEERS,)}
    )
    history = _with_history(customers)
    split = history.with_columns(
        holdout_mask(history.get_column("record_id"), holdout_share, seed)
    )
    training = split.filter(~pl.col("holdout"))
    size = fit_size_model(training, peers_only)

    predicted = _predict(split, size, peers_only)
    untested = Calibration(
        quantile=policy.peer_quantile,
        holdout_share=holdout_share,
        customers=history.height,
        training=training.height,
        holdout=predicted.height,
        unestimated=predicted.get_column("predicted").null_count(),
        size_exponent=size.exponent,
    )
    result = _judge(untested, predicted, _baseline(training, policy.peer_quantile))
    logger.info("%s", result.summary)

    return result


def calibrate_scores(
    accounts: pl.DataFrame,
    scores: pl.DataFrame,
    policy: Policy,
    *,
    holdout_share: float = DEFAULT_HOLDOUT_SHARE,
    seed: int = DEFAULT_SEED,
) -> Calibration:
    """``calibrate`` on a run's accounts (``ACCOUNT_SCHEMA``) and its scores."""
    # The join below keeps the scores' order, so the sizes' own order is moot.
    sizes = accounts.select("account_id", "employees", "annual_revenue").unique(
        subset="account_id", keep="first"
    )
    scored = scores.filter(pl.col("kind") == RecordKind.ACCOUNT.value).select(
        pl.col("record_id").alias("account_id"), "industry", "window_revenue"
    )
    customers = scored.join(sizes, on="account_id", how="left", maintain_order="left")

    return calibrate(customers, policy, holdout_share=holdout_share, seed=seed)


def _stable_hash(ids: pl.Series, seed: int) -> pl.Series:
    """Each id's UTF-8 bytes summed with weights drawn from ``seed``, modulo
    a prime: a value in [0, _PRIME) that no library upgrade changes.

    Random weights per byte position make this a universal hash, evenly
    spread for any set of ids. Byte ``j`` of an id adds ``(byte + 1) *
    weight[j]``, a position past its end adds nothing; all positions are
    summed in one query, each a pass over one byte of every id.
    """
    id_bytes = ids.fill_null("").cast(pl.String).cast(pl.Binary).alias("id")
    longest = cast(int, id_bytes.bin.size().max() or 0)
    draw = random.Random(seed)  # noqa: S311 - a reproducible split, not a secret
    offset = draw.randrange(_PRIME)

    terms = [
        _byte_term(position, weight=draw.randrange(1, _PRIME))
        for position in range(longest)
    ]
    # Each term is below 2**31, so their sum is exact in 64 bits.
    start = pl.repeat(offset, pl.len(), dtype=pl.Int64)
    total = (pl.sum_horizontal(start, *terms) % _PRIME).alias(ids.name)

    return id_bytes.to_frame().select(total).to_series()


def _byte_term(position: int, *, weight: int) -> pl.Expr:
    """One byte position's share of the hash, below ``_PRIME``; 0 past the end."""
    byte = pl.col("id").bin.get(position, null_on_oob=True).cast(pl.Int64)
    return ((byte + 1) * weight % _PRIME).fill_null(0)


def _with_history(customers: pl.DataFrame) -> pl.DataFrame:
    """Customers with revenue, shaped as the records the peers method reads."""
    return customers.filter(
        pl.col("window_revenue").is_finite() & (pl.col("window_revenue") > 0)
    ).select(
        pl.col("account_id").alias("record_id"),
        pl.lit(RecordKind.ACCOUNT.value).alias("kind"),
        pl.col("industry").cast(pl.String),
        pl.col("employees").cast(pl.Float64),
        pl.col("annual_revenue").cast(pl.Float64),
        pl.lit(None, pl.Float64).alias("potential_override"),
        pl.col("window_revenue").cast(pl.Float64),
    )


def _predict(split: pl.DataFrame, size: SizeModel, policy: Policy) -> pl.DataFrame:
    """Hold-out rows with ``predicted``: the peers potential, before its floor."""
    estimated = estimate_potential(split, policy, size, peers=~pl.col("holdout"))
    by_peers = pl.col("potential_method") == PotentialMethod.PEERS.value

    return estimated.filter(pl.col("holdout")).select(
        "record_id",
        "window_revenue",
        pl.when(by_peers).then(pl.col("method_potential")).alias("predicted"),
    )


def _baseline(training: pl.DataFrame, quantile: float) -> float | None:
    value = training.get_column("window_revenue").quantile(quantile, "linear")
    return None if value is None else float(value)


def _pinball(prediction: pl.Expr, quantile: float) -> pl.Expr:
    """Mean pinball (quantile) loss of a prediction of window revenue."""
    error = pl.col("window_revenue") - prediction
    return pl.max_horizontal(quantile * error, (quantile - 1.0) * error).mean()


def _judge(
    untested: Calibration, predicted: pl.DataFrame, baseline: float | None
) -> Calibration:
    """The figures and the verdict, when there is enough to judge."""
    estimated = predicted.filter(pl.col("predicted").is_not_null())
    tested = dataclasses.replace(untested, holdout=estimated.height)
    if estimated.height < MIN_HOLDOUT or baseline is None:
        return tested

    quantile = untested.quantile
    coverage, loss, baseline_loss = estimated.select(
        (pl.col("window_revenue") <= pl.col("predicted")).mean().alias("coverage"),
        _pinball(pl.col("predicted"), quantile).alias("loss"),
        _pinball(pl.lit(baseline), quantile).alias("baseline"),
    ).row(0)
    standard_error = math.sqrt(quantile * (1 - quantile) / estimated.height)
    tolerance = max(COVERAGE_TOLERANCE, 2 * standard_error)
    skill = 1.0 - loss / baseline_loss if baseline_loss > 0 else 0.0

    return dataclasses.replace(
        tested,
        coverage=float(coverage),
        coverage_tolerance=tolerance,
        pinball_loss=float(loss),
        baseline_pinball_loss=float(baseline_loss),
        skill=skill,
        verdict=_verdict(float(coverage), quantile, tolerance, skill),
    )


def _verdict(
    coverage: float, quantile: float, tolerance: float, skill: float
) -> CalibrationVerdict:
    if coverage > quantile + tolerance:
        return CalibrationVerdict.TOO_GENEROUS
    if coverage < quantile - tolerance:
        return CalibrationVerdict.TOO_TIGHT
    if skill < MIN_SKILL:
        return CalibrationVerdict.NO_BETTER_THAN_BASELINE
    return CalibrationVerdict.CALIBRATED
