"""Short, readable numbers for texts: 1.2M, 240K, 310, 0.0031."""

from __future__ import annotations

import polars as pl

from mkp_core.texts import Phrases

__all__ = ["compact", "decimal", "percent"]


def compact(value: pl.Expr, words: Phrases) -> pl.Expr:
    """A number scaled to thousands, millions or billions, about 2-3 digits."""
    # A value that rounds up into the next tier is shown in it: 999,600 is
    # "1M", not "1000K".
    tiers = (
        (999.5e6, 1e9, words.billion),
        (999.5e3, 1e6, words.million),
        (999.5, 1e3, words.thousand),
    )
    magnitude = value.abs()
    scale = pl.coalesce(
        *(pl.when(magnitude >= low).then(scale) for low, scale, _ in tiers), 1.0
    )
    suffix = pl.coalesce(
        *(pl.when(magnitude >= low).then(pl.lit(word)) for low, _, word in tiers),
        pl.lit(""),
    )
    return _digits(value / scale, words) + suffix


def percent(ratio: pl.Expr, words: Phrases) -> pl.Expr:
    """A 0-1 ratio as a percentage number, without the sign."""
    return _digits(ratio * 100, words)


def decimal(number: float, words: Phrases, places: int = 2) -> str:
    """A constant (for example the size exponent) in the locale's notation."""
    return f"{number:.{places}f}".replace(".", words.decimal_separator)


def _digits(value: pl.Expr, words: Phrases) -> pl.Expr:
    """Three digits at most, two significant below 1; no trailing ".0"."""
    magnitude = value.abs()
    rounded = (
        pl.when(magnitude >= 99.5)
        .then(value.round(0))
        .when(magnitude >= 1)
        .then(value.round(1))
        .otherwise(value.round_sig_figs(2))
    )
    text = rounded.cast(pl.String).str.strip_suffix(".0")
    if words.decimal_separator != ".":
        text = text.str.replace(".", words.decimal_separator, literal=True)
    return text
