"""The scoring policy: every threshold, window and text the model uses.

A policy is plain data, loaded from TOML (``Policy.from_toml``) or built in
code, and validated once with messages that name the offending key.
"""

from __future__ import annotations

import datetime as dt
import enum
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mkp_core.frames import PotentialMethod

__all__ = [
    "FirmographicPolicy",
    "LevelCutoffs",
    "Locale",
    "Policy",
    "PolicyError",
    "SegmentText",
    "SignalPolicy",
]

Share = Annotated[float, Field(ge=0.0, le=1.0)]

# The revenue window and the rate dates around as_of must stay inside the
# calendar Python and Polars can represent.
AsOf = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(9999, 12, 1))]


class PolicyError(ValueError):
    """A policy file or value that cannot be used; the message names the key."""


class Locale(enum.StrEnum):
    EN = "en"
    RU = "ru"


class _Strict(BaseModel):
    # Infinity passes every lower bound and NaN every comparison downstream,
    # so no number in a policy may be either.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LevelCutoffs(_Strict):
    """Where Low ends and High begins on the potential axis.

    ``mode = "quantile"``: the top ``1 - high_quantile`` of the portfolio by
    potential is High, the next slice down to ``medium_quantile`` is Medium.
    ``mode = "amount"``: fixed amounts in the corporate currency.
    """

    mode: Literal["quantile", "amount"] = "quantile"
    high_quantile: Share = 0.80
    medium_quantile: Share = 0.50
    high_amount: float | None = Field(default=None, gt=0)
    medium_amount: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.mode == "quantile" and self.medium_quantile >= self.high_quantile:
            raise ValueError("medium_quantile must be below high_quantile")
        if self.mode == "amount":
            if self.high_amount is None or self.medium_amount is None:
                raise ValueError('mode "amount" needs high_amount and medium_amount')
            if self.medium_amount >= self.high_amount:
                raise ValueError("medium_amount must be below high_amount")
        return self


class FirmographicPolicy(_Strict):
    """Potential from size alone, for customers with too little history.

    The share of a customer's annual revenue it would spend with us, per
    industry (keys compared case-insensitively), else ``default_revenue_ratio``;
    when annual revenue is unknown, ``per_employee_amount`` × head count.
    """

    default_revenue_ratio: Share = 0.001
    revenue_ratio_by_industry: dict[str, Share] = Field(default_factory=dict)
    per_employee_amount: float = Field(default=100.0, ge=0)


class SignalPolicy(_Strict):
    """Thresholds that sharpen a segment's next action."""

    stale_win_days: int = Field(default=180, gt=0)
    large_gap_ratio: float = Field(default=0.5, gt=0, le=1)


class SegmentText(_Strict):
    """Override of one segment's texts in one locale; unset keys keep defaults."""

    name: str | None = Field(default=None, max_length=80)
    strategy: str | None = None
    next_action: str | None = Field(default=None, max_length=255)


class Policy(_Strict):
    """Thresholds, windows and texts for one scoring run.

    ``as_of`` None means "today (UTC)", fixed once at the start of a run.
    """

    as_of: AsOf | None = None
    window_days: int = Field(default=365, gt=0, le=3660)
    corporate_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    # An opportunity above this amount (corporate currency) is a typing error,
    # not a deal: it is reported and kept out of revenue.
    max_opportunity_amount: float = Field(default=1e12, gt=0)
    # An annual revenue above this amount (corporate currency) is a typing
    # error too; so is a potential override above it, since no customer buys
    # more from us than the largest turnover believed. Either value is then
    # ignored and reported, and the record is scored without it.
    max_annual_revenue: float = Field(default=1e15, gt=0)
    # With no method every account falls to its own revenue as potential, so
    # an empty list would rewrite the whole portfolio as "reached" or "low".
    potential_methods: tuple[PotentialMethod, ...] = Field(
        default=(
            PotentialMethod.OVERRIDE,
            PotentialMethod.PEERS,
            PotentialMethod.FIRMOGRAPHIC,
        ),
        min_length=1,
    )
    peer_quantile: float = Field(default=0.90, gt=0.5, lt=1.0)
    min_peer_group: int = Field(default=8, ge=2)
    size_measure: Literal["auto", "employees", "annual_revenue"] = "auto"
    size_exponent: float | None = Field(default=None, ge=0.0, le=1.2)
    firmographic: FirmographicPolicy = FirmographicPolicy()
    potential_levels: LevelCutoffs = LevelCutoffs()
    reached_share: float = Field(default=0.8, gt=0.0, le=1.0)
    hysteresis_margin: float = Field(default=0.05, ge=0.0, lt=0.5)
    # A record is written only when its potential or wallet share moved by
    # more than this share of the CRM's value, or another field changed
    # (mkp_core.diff). After 1 % of 100k accounts won a deal, the peers'
    # potentials moved 0.4 % at the median and 2.1 % at the 99th percentile
    # (benchmarks.write_churn): 2 % writes 3,054 of 110,000 records, 1 %
    # writes 19,414, and the CRM's figures stay within 2 % of the model's.
    write_tolerance: float = Field(default=0.02, ge=0.0, lt=0.5)
    locale: Locale = Locale.EN
    signals: SignalPolicy = SignalPolicy()
    segment_texts: dict[Locale, dict[int, SegmentText]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if PotentialMethod.REVENUE in self.potential_methods:
            raise ValueError(
                '"revenue" is the implicit last resort; list only override, '
                "peers and firmographic in potential_methods"
            )
        if len(set(self.potential_methods)) < len(self.potential_methods):
            raise ValueError("potential_methods: each method may be listed once")
        for locale, texts in self.segment_texts.items():
            bad = sorted(n for n in texts if not 1 <= n <= 9)
            if bad:
                raise ValueError(f"segment_texts.{locale}: segments must be 1-9: {bad}")
        return self

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "policy") -> Policy:
        """Validate a mapping, naming every bad key and why."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
                for err in exc.errors()
            )
            raise PolicyError(f"{source}: invalid policy: {problems}") from exc

    @classmethod
    def from_toml(cls, path: Path) -> Policy:
        """Load a policy file; a ``[policy]`` table is used when present."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise PolicyError(f"{path}: policy file not found") from exc
        except UnicodeDecodeError as exc:
            raise PolicyError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise PolicyError(f"{path}: cannot read the policy file: {reason}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
        return cls.from_mapping(data.get("policy", data), source=str(path))

    def resolved(self, today: dt.date) -> Policy:
        """This policy with ``as_of`` fixed (to ``today`` when unset)."""
        if self.as_of:
            return self
        return self.updated("today", as_of=today)

    def updated(self, source: str, **changes: Any) -> Policy:
        """This policy with some keys replaced; ``source`` names them in errors.

        Validated again rather than copied, so a date or value given on the
        command line, or a clock far off the calendar, is refused like the
        same value in a file.
        """
        return self.from_mapping({**dict(self), **changes}, source=source)

    @property
    def as_of_date(self) -> dt.date:
        if self.as_of is None:
            raise PolicyError("as_of is unset: call Policy.resolved(today) first")
        return self.as_of
