"""Next action and explanation: what to do with a record, and why it sits where.

The next action is the segment's playbook, sharpened by signals from the
pipeline: no open opportunity, a long time since the last win, a large
unrealised potential. The explanation states, in one paragraph a rep can
check, which method produced the potential, with its figures, and how much of
it was won in the window. Both are built with vectorised string expressions;
the explanation, whose wording depends on the potential method, is built
for each method on that method's rows only.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from mkp_core._numbers import Pieces, compact, decimal, fill, percent
from mkp_core.frames import PotentialLevel, PotentialMethod, RecordKind
from mkp_core.policy import Locale, Policy
from mkp_core.potential import PORTFOLIO_GROUP, SizeModel
from mkp_core.texts import MAX_NEXT_ACTION_CHARS, Phrases, phrases

__all__ = ["add_actions"]

_ROW = "_row"
_CASE = "_case"

# A condition and the text for the rows where it holds.
Case = tuple[pl.Expr, pl.Expr]


def add_actions(records: pl.DataFrame, policy: Policy, size: SizeModel) -> pl.DataFrame:
    """Add ``next_action`` and ``explanation`` in the policy's locale.

    Needs the columns left by potential, progress and segment assignment,
    including the segment's ``playbook``.
    """
    words = phrases(policy.locale)
    frame = records.lazy()
    explanations = _by_case(frame, _explanations(policy, words, size), "explanation")
    with_actions = frame.with_columns(_next_action(policy, words).alias("next_action"))

    texts = pl.concat([with_actions, explanations], how="horizontal").collect()
    return _fit_next_action(texts)


def _by_case(frame: pl.LazyFrame, cases: Sequence[Case], name: str) -> pl.LazyFrame:
    """Column ``name``: per row, the text of the first case whose condition
    holds, null when none does.

    A ``when`` chain would build every case's text for every row and keep
    one; here each text is built on its own case's rows only, and the rows
    are put back in their order.
    """
    first = pl.coalesce(
        pl.when(condition).then(pl.lit(number, pl.UInt8))
        for number, (condition, _) in enumerate(cases)
    )
    # Collected once: every case's plan reads it, and would compute it again.
    numbered = frame.with_row_index(_ROW).with_columns(first.alias(_CASE)).collect()
    parts = [
        numbered.lazy()
        .filter(pl.col(_CASE) == number)
        .select(_ROW, text.cast(pl.String).alias(name))
        for number, (_, text) in enumerate(cases)
    ]
    unmatched = (
        numbered.lazy()
        .filter(pl.col(_CASE).is_null())
        .select(_ROW, pl.lit(None, pl.String).alias(name))
    )

    return pl.concat([*parts, unmatched]).sort(_ROW).select(name)


def _fit_next_action(records: pl.DataFrame) -> pl.DataFrame:
    """The CRM field holds 255 characters; a cut text says so with an ellipsis."""
    action = pl.col("next_action")
    too_long = action.str.len_chars() > MAX_NEXT_ACTION_CHARS
    # Checked once for the frame: a long text is rare, cutting every one is not.
    if not records.select(too_long.any()).item():
        return records

    shortened = action.str.slice(0, MAX_NEXT_ACTION_CHARS - 1) + pl.lit("…")
    return records.with_columns(
        pl.when(too_long).then(shortened).otherwise(action).alias("next_action")
    )


def _next_action(policy: Policy, words: Phrases) -> pl.Expr:
    is_account = pl.col("kind") == RecordKind.ACCOUNT.value
    has_potential = pl.col("potential_level") != PotentialLevel.LOW.value
    days_since_win = (
        pl.lit(policy.as_of_date) - pl.col("last_win_date")
    ).dt.total_days()
    gap = pl.col("potential") - pl.col("window_revenue")
    signals = policy.signals

    no_pipeline = is_account & has_potential & ~pl.col("open_pipeline")
    stale = is_account & (days_since_win >= signals.stale_win_days)
    large_gap = (
        is_account
        & has_potential
        & (pl.col("window_revenue") > 0)
        & (gap >= signals.large_gap_ratio * pl.col("potential"))
    )

    return pl.concat_str(
        pl.col("playbook"),
        pl.when(no_pipeline).then(pl.lit(words.no_open_pipeline)),
        pl.when(stale).then(
            fill(
                _constants(words.stale_win, policy, words, None),
                _date(pl.col("last_win_date"), words),
            )
        ),
        # The share, not the amount: an amount would move with every peer's
        # quantile and rewrite the record each night for nothing.
        pl.when(large_gap).then(
            pl.lit(_constants(words.unrealised, policy, words, None))
        ),
        separator=" ",
        ignore_nulls=True,
    )


def _explanations(policy: Policy, words: Phrases, size: SizeModel) -> list[Case]:
    """The explanation for each way the potential was reached, in precedence."""
    then_progress = (_raised_sentence(words), _progress_sentence(policy, words))
    return [
        (
            condition,
            pl.concat_str(sentence, *then_progress, separator=" ", ignore_nulls=True),
        )
        for condition, sentence in _potential_sentences(policy, words, size)
    ]


def _potential_sentences(policy: Policy, words: Phrases, size: SizeModel) -> list[Case]:
    method = pl.col("potential_method")
    potential = _money(pl.col("potential"), policy, words)
    peers = (
        potential,
        pl.col("peer_count"),
        _peer_group_phrase(words),
        _money(pl.col("peer_quantile"), policy, words),
    )
    if size.measure == "employees":
        sized_template = words.peers_per_employee
        size_text = compact(pl.col("size"), words)
    else:
        sized_template = words.peers_per_revenue
        size_text = _money(pl.col("size"), policy, words)
    per_employee = pl.lit(policy.firmographic.per_employee_amount)
    is_peers = method == PotentialMethod.PEERS.value
    is_firmographic = method == PotentialMethod.FIRMOGRAPHIC.value

    def filled(template: str) -> str:
        return _constants(template, policy, words, size)

    return [
        (
            method == PotentialMethod.OVERRIDE.value,
            fill(words.override, potential),
        ),
        (
            is_peers & pl.col("size").is_not_null(),
            fill(
                filled(sized_template),
                *peers,
                size_text,
                _money(pl.col("method_potential"), policy, words),
            ),
        ),
        (is_peers, fill(filled(words.peers_spend), *peers)),
        (
            is_firmographic & (pl.col("annual_revenue") > 0),
            fill(
                words.firmographic_revenue,
                potential,
                percent(pl.col("firmographic_ratio"), words),
                _money(pl.col("annual_revenue"), policy, words),
            ),
        ),
        (
            is_firmographic,
            fill(
                words.firmographic_employees,
                potential,
                _money(per_employee, policy, words),
                compact(pl.col("employees"), words),
            ),
        ),
        (pl.lit(True), fill(words.revenue_only, potential)),
    ]


def _raised_sentence(words: Phrases) -> pl.Expr:
    raised = (pl.col("potential_method") != PotentialMethod.REVENUE.value) & (
        pl.col("method_potential") < pl.col("window_revenue")
    )
    return pl.when(raised).then(pl.lit(words.raised_to_revenue))


def _progress_sentence(policy: Policy, words: Phrases) -> pl.Expr:
    won = fill(
        _constants(words.won, policy, words, None),
        _money(pl.col("window_revenue"), policy, words),
        percent(pl.col("wallet_share"), words),
    )
    last_win = fill(words.last_win, _date(pl.col("last_win_date"), words))
    not_won = pl.concat_str(
        pl.lit(_constants(words.not_won, policy, words, None)),
        pl.when(pl.col("ever_won")).then(last_win),
        separator=" ",
        ignore_nulls=True,
    )
    return (
        pl.when(pl.col("kind") == RecordKind.LEAD.value)
        .then(pl.lit(words.lead))
        .when(pl.col("window_revenue") > 0)
        .then(won)
        .otherwise(not_won)
    )


def _peer_group_phrase(words: Phrases) -> pl.Expr:
    group = pl.col("peer_group")
    return (
        pl.when(group == PORTFOLIO_GROUP)
        .then(pl.lit(words.portfolio_peers))
        .otherwise(fill(words.industry_peers, group))
    )


def _date(column: pl.Expr, words: Phrases) -> pl.Expr:
    return column.dt.to_string(words.date_format)


def _money(amount: pl.Expr, policy: Policy, words: Phrases) -> Pieces:
    return compact(amount, words, unit=f" {policy.corporate_currency}")


def _constants(
    template: str, policy: Policy, words: Phrases, size: SizeModel | None
) -> str:
    """Fill a template's run-wide constants; per-record ``{}`` slots stay."""
    constants = {
        "{PCT}": _percentile_label(policy.peer_quantile, policy.locale),
        "{CUR}": policy.corporate_currency,
        "{DAYS}": str(policy.window_days),
        "{STALE}": str(policy.signals.stale_win_days),
        "{GAP}": f"{policy.signals.large_gap_ratio * 100:.3g}".replace(
            ".", words.decimal_separator
        ),
        "{B}": decimal(size.exponent, words) if size else "",
    }
    for placeholder, value in constants.items():
        template = template.replace(placeholder, value)
    return template


def _percentile_label(quantile: float, locale: Locale) -> str:
    """90 -> "90th" in English, "90" in Russian (the template adds "-го")."""
    number = f"{quantile * 100:.1f}".removesuffix(".0")
    if locale is Locale.RU:
        return number.replace(".", ",")
    if "." in number or number[-2:] in {"11", "12", "13"}:
        return f"{number}th"
    return number + {"1": "st", "2": "nd", "3": "rd"}.get(number[-1], "th")
