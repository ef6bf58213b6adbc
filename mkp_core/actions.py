"""Next action and explanation: what to do with a record, and why it sits where.

The next action is the segment's playbook, sharpened by signals from the
pipeline: no open opportunity, a long time since the last win, a large
unrealised potential. The explanation states, in one paragraph a rep can
check, which method produced the potential, with its figures, and how much of
it was won in the window. Both are built with vectorised string expressions.
"""

from __future__ import annotations

import polars as pl

from mkp_core._numbers import compact, decimal, percent
from mkp_core.frames import PotentialLevel, PotentialMethod, RecordKind
from mkp_core.policy import Locale, Policy
from mkp_core.potential import PORTFOLIO_GROUP, SizeModel
from mkp_core.texts import MAX_NEXT_ACTION_CHARS, Phrases, phrases

__all__ = ["add_actions"]


def add_actions(records: pl.DataFrame, policy: Policy, size: SizeModel) -> pl.DataFrame:
    """Add ``next_action`` and ``explanation`` in the policy's locale.

    Needs the columns left by potential, progress and segment assignment,
    including the segment's ``playbook``.
    """
    words = phrases(policy.locale)
    # Lazy, so that a number quoted in several branches (the potential is in
    # every one) is formatted once per record, not once per branch.
    return (
        records.lazy()
        .with_columns(
            _next_action(policy, words).alias("next_action"),
            pl.concat_str(
                _potential_sentence(policy, words, size),
                _raised_sentence(words),
                _progress_sentence(policy, words),
                separator=" ",
                ignore_nulls=True,
            ).alias("explanation"),
        )
        .collect()
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
    action = pl.concat_str(
        pl.col("playbook"),
        pl.when(no_pipeline).then(pl.lit(words.no_open_pipeline)),
        pl.when(stale).then(
            pl.format(
                _constants(words.stale_win, policy, words, None),
                _date(pl.col("last_win_date"), words),
            )
        ),
        pl.when(large_gap).then(
            pl.format(words.unrealised, _money(gap, policy, words))
        ),
        separator=" ",
        ignore_nulls=True,
    )

    # The CRM field holds 255 characters; a cut text says so with an ellipsis.
    too_long = action.str.len_chars() > MAX_NEXT_ACTION_CHARS
    shortened = action.str.slice(0, MAX_NEXT_ACTION_CHARS - 1) + pl.lit("…")
    return pl.when(too_long).then(shortened).otherwise(action)


def _potential_sentence(policy: Policy, words: Phrases, size: SizeModel) -> pl.Expr:
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

    def fill(template: str) -> str:
        return _constants(template, policy, words, size)

    return (
        pl.when(method == PotentialMethod.OVERRIDE.value)
        .then(pl.format(words.override, potential))
        .when((method == PotentialMethod.PEERS.value) & pl.col("size").is_not_null())
        .then(
            pl.format(
                fill(sized_template),
                *peers,
                size_text,
                _money(pl.col("method_potential"), policy, words),
            )
        )
        .when(method == PotentialMethod.PEERS.value)
        .then(pl.format(fill(words.peers_spend), *peers))
        .when(
            (method == PotentialMethod.FIRMOGRAPHIC.value)
            & (pl.col("annual_revenue") > 0)
        )
        .then(
            pl.format(
                words.firmographic_revenue,
                potential,
                percent(pl.col("firmographic_ratio"), words),
                _money(pl.col("annual_revenue"), policy, words),
            )
        )
        .when(method == PotentialMethod.FIRMOGRAPHIC.value)
        .then(
            pl.format(
                words.firmographic_employees,
                potential,
                _money(per_employee, policy, words),
                compact(pl.col("employees"), words),
            )
        )
        .otherwise(pl.format(words.revenue_only, potential))
    )


def _raised_sentence(words: Phrases) -> pl.Expr:
    raised = (pl.col("potential_method") != PotentialMethod.REVENUE.value) & (
        pl.col("method_potential") < pl.col("window_revenue")
    )
    return pl.when(raised).then(pl.lit(words.raised_to_revenue))


def _progress_sentence(policy: Policy, words: Phrases) -> pl.Expr:
    won = pl.format(
        _constants(words.won, policy, words, None),
        _money(pl.col("window_revenue"), policy, words),
        percent(pl.col("wallet_share"), words),
    )
    last_win = pl.format(words.last_win, _date(pl.col("last_win_date"), words))
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
        .otherwise(pl.format(words.industry_peers, group))
    )


def _date(column: pl.Expr, words: Phrases) -> pl.Expr:
    return column.dt.to_string(words.date_format)


def _money(amount: pl.Expr, policy: Policy, words: Phrases) -> pl.Expr:
    return compact(amount, words) + pl.lit(f" {policy.corporate_currency}")


def _constants(
    template: str, policy: Policy, words: Phrases, size: SizeModel | None
) -> str:
    """Fill a template's run-wide constants; per-record ``{}`` slots stay."""
    constants = {
        "{PCT}": _percentile_label(policy.peer_quantile, policy.locale),
        "{CUR}": policy.corporate_currency,
        "{DAYS}": str(policy.window_days),
        "{STALE}": str(policy.signals.stale_win_days),
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
