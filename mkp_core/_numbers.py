"""Short, readable numbers for texts: 1.2M, 240K, 310, 0.0031.

A number in a text is returned as its pieces (digits, then the tier word and
unit), so that the sentence quoting it joins everything in one pass instead
of building each number's string first.
"""

from __future__ import annotations

import polars as pl

from mkp_core.texts import Phrases

__all__ = ["compact", "decimal", "fill", "percent"]

# A text's pieces: each is a column of text or of numbers, joined in order.
Pieces = tuple[pl.Expr, ...]


def compact(value: pl.Expr, words: Phrases, unit: str = "") -> Pieces:
    """A number scaled to thousands, millions or billions, about 2-3 digits,
    followed by ``unit`` (a currency, with its leading space)."""
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
        *(
            pl.when(magnitude >= low).then(pl.lit(word + unit))
            for low, _, word in tiers
        ),
        pl.lit(unit),
    )
    return _digits(value / scale, words), suffix


def percent(ratio: pl.Expr, words: Phrases) -> Pieces:
    """A 0-1 ratio as a percentage number, without the sign."""
    return (_digits(ratio * 100, words),)


def decimal(number: float, words: Phrases, places: int = 2) -> str:
    """A constant (for example the size exponent) in the locale's notation."""
    return f"{number:.{places}f}".replace(".", words.decimal_separator)


def fill(template: str, *slots: pl.Expr | Pieces) -> pl.Expr:
    """The template with each ``{}`` replaced by the next slot's text.

    Null when any piece is null, as ``pl.format`` is.
    """
    literals = template.split("{}")
    if len(literals) != len(slots) + 1:
        raise ValueError(
            f"{template!r} has {len(literals) - 1} slots, not {len(slots)}"
        )
    pieces: list[pl.Expr] = []
    for literal, slot in zip(literals, [*slots, ()], strict=True):
        if literal:
            pieces.append(pl.lit(literal))
        pieces.extend(slot if isinstance(slot, tuple) else (slot,))

    return pl.concat_str(pieces)


def _digits(value: pl.Expr, words: Phrases) -> pl.Expr:
    """Three digits at most, two significant below 1; no trailing ".0"."""
    magnitude = value.abs()
    # Rounding to significant figures is slow, and every branch of a chain is
    # computed for every row: the rows that do not need it get a 0 first.
    small = pl.when(magnitude >= 1).then(0.0).otherwise(value)
    rounded = (
        pl.when(magnitude >= 99.5)
        .then(value.round(0))
        .when(magnitude >= 1)
        .then(value.round(1))
        .otherwise(small.round_sig_figs(2))
    )
    text = rounded.cast(pl.String).str.strip_suffix(".0")
    if words.decimal_separator != ".":
        text = text.str.replace(".", words.decimal_separator, literal=True)
    return text
