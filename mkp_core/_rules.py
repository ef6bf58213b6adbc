"""Rules over input frames, and the issue rows for what breaks them.

A rule is a broken-when expression with a reason key and a message. Rules
are evaluated in order on whole columns; each row (or each field of a row)
is charged with the first rule it breaks, and messages are built only for
the rows that broke one.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import TypeVar

import polars as pl

from mkp_core.frames import ISSUE_SCHEMA, empty_frame

__all__ = [
    "REASON",
    "IssueReason",
    "Rule",
    "blank",
    "detached",
    "first_broken",
    "issue_rows",
    "set_aside",
    "split",
]

REASON = "_reason"

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


class IssueReason(enum.StrEnum):
    """Why a record, or one of its fields, was not believed; the key counted
    in run reports."""

    MISSING_ID = "missing_id"
    DUPLICATE_ID = "duplicate_id"
    ORPHAN_OPPORTUNITY = "orphan_opportunity"
    NON_FINITE_AMOUNT = "non_finite_amount"
    MISSING_AMOUNT = "missing_amount"
    NEGATIVE_AMOUNT = "negative_amount"
    WON_WITHOUT_CLOSE_DATE = "won_without_close_date"
    UNKNOWN_CURRENCY = "unknown_currency"
    ABSURD_AMOUNT = "absurd_amount"
    INVALID_SIZE = "invalid_size"
    INVALID_OVERRIDE = "invalid_override"
    INVALID_RATE = "invalid_rate"
    DUPLICATE_RATE = "duplicate_rate"


@dataclasses.dataclass(frozen=True)
class Rule:
    reason: IssueReason
    field: str
    broken: pl.Expr
    message: pl.Expr


def detached(text: pl.Expr) -> pl.Expr:
    """The same strings, copied out of the column they were taken from.

    A filtered string column still points into the buffers of the whole
    column: kept issue rows of every batch of deals would keep every
    batch's ids alive (350 MiB over ten million deals). Joining the text
    to nothing builds new strings.
    """
    return pl.concat_str(text, pl.lit(""))


def blank(column: pl.Expr) -> pl.Expr:
    return column.is_null() | (column.str.strip_chars() == "")


def split(
    frame: pl.DataFrame, object_name: str, id_column: str, rules: tuple[Rule, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows that break no rule, and one issue per row left out."""
    flagged = frame.with_columns(first_broken(rules))

    kept = flagged.filter(pl.col(REASON).is_null()).drop(REASON)
    return kept, issue_rows(flagged, object_name, id_column, rules)


def set_aside(
    frame: pl.DataFrame, object_name: str, id_column: str, rules: tuple[Rule, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every row kept, with each field that breaks one of its rules emptied,
    and one issue per emptied field."""
    issues = [empty_frame(ISSUE_SCHEMA)]
    for field in dict.fromkeys(rule.field for rule in rules):
        own = tuple(rule for rule in rules if rule.field == field)
        flagged = frame.with_columns(first_broken(own))
        issues.append(issue_rows(flagged, object_name, id_column, own))
        believed = pl.when(pl.col(REASON).is_null()).then(pl.col(field))
        frame = flagged.with_columns(believed.alias(field)).drop(REASON)

    return frame, pl.concat(issues)


def first_broken(rules: tuple[Rule, ...]) -> pl.Expr:
    """The index of the first rule a row breaks, null when it breaks none."""
    return pl.coalesce(
        pl.when(rule.broken).then(pl.lit(index, pl.UInt8))
        for index, rule in enumerate(rules)
    ).alias(REASON)


def issue_rows(
    flagged: Frame, object_name: str, id_column: str, rules: tuple[Rule, ...]
) -> Frame:
    """One ISSUE_SCHEMA row per flagged row; messages built only for those."""
    rule_index = pl.col(REASON)
    field = pl.coalesce(
        pl.when(rule_index == index).then(pl.lit(rule.field))
        for index, rule in enumerate(rules)
    )
    reason = pl.coalesce(
        pl.when(rule_index == index).then(pl.lit(rule.reason.value))
        for index, rule in enumerate(rules)
    )
    message = pl.coalesce(
        pl.when(rule_index == index).then(rule.message)
        for index, rule in enumerate(rules)
    )

    return (
        flagged.filter(rule_index.is_not_null())
        .select(
            pl.lit(object_name).alias("object"),
            detached(pl.col(id_column)).alias("record_id"),
            field.alias("field"),
            reason.alias("reason"),
            message.alias("message"),
        )
        .cast(pl.Schema(ISSUE_SCHEMA))
    )
