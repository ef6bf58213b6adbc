"""The report in the terminal: the same sections as the page, as rich tables."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from mkp_core import PotentialLevel, ProgressLevel
from worker.reporting._model import (
    MatrixCell,
    Migration,
    ReportModel,
    SegmentList,
    SegmentMark,
)
from worker.reporting._words import Words

__all__ = ["print_report"]

_MARK_SYMBOL = {SegmentMark.KEY_GROWTH: "★", SegmentMark.CAPTURE: "◆"}


def print_report(console: Console, model: ReportModel, words: Words) -> None:
    """Print every section of the report."""
    for section in (
        _header(model, words),
        _matrix(model, words),
        _bubbles(model, words),
        _migration(model, words),
        _top_accounts(model, words),
        _calibration(model, words),
        _leads(model, words),
        _warnings(model, words),
    ):
        console.print(section)
        console.print()


def _header(model: ReportModel, words: Words) -> RenderableType:
    when = words.as_of.format(model.newer.as_of)
    if model.older:
        when += " · " + words.compared_with.format(model.older.as_of)
    totals = model.totals
    return Group(
        Text(f"{words.title} · {model.org}", style="bold"),
        Text(f"{when} · {words.currency.format(model.currency)}", style="dim"),
        Text(
            words.totals.format(
                words.count(totals.accounts),
                words.count(totals.leads, "lead"),
                words.money(totals.window_revenue),
                words.money(totals.potential),
                words.money(totals.unrealised),
            )
        ),
    )


def _matrix(model: ReportModel, words: Words) -> RenderableType:
    table = Table(title=words.matrix, show_lines=True, title_justify="left")
    table.add_column(f"{words.progress_axis} \\ {words.potential_axis}", style="bold")
    for level in PotentialLevel:
        table.add_column(words.potential_levels[level], min_width=22)
    for progress in reversed(ProgressLevel):
        cells = [c for c in model.matrix if c.progress_level == progress.value]
        table.add_row(
            words.progress_levels[progress], *(_cell(c, words) for c in cells)
        )

    legend = "  ".join(
        f"{_MARK_SYMBOL[mark]} {words.marks[mark]}" for mark in SegmentMark
    )
    return Group(table, Text(legend, style="dim"))


def _cell(cell: MatrixCell, words: Words) -> Text:
    mark = f" {_MARK_SYMBOL[cell.mark]}" if cell.mark else ""
    text = Text(f"{cell.segment} {cell.name}{mark}\n", style="bold")
    text.append(f"{words.accounts}: {words.integer(cell.accounts)}\n")
    text.append(f"{words.revenue}: {words.money(cell.window_revenue)}\n")
    text.append(f"{words.potential}: {words.money(cell.potential)}\n")
    text.append(
        f"{words.unrealised}: {words.money(cell.unrealised)} "
        f"({words.percent(cell.unrealised_share)})",
        style="yellow" if cell.unrealised_share >= 0.2 else "",
    )
    return text


def _bubbles(model: ReportModel, words: Words) -> RenderableType:
    bubbles = model.bubbles
    note = words.bubbles_note.format(
        words.integer(len(bubbles.points)), words.count(bubbles.total, "account_of")
    )
    borders = bubbles.borders
    lines = [
        f"{label} {words.money(amount)}"
        for label, amount in (
            (words.medium_from, borders.potential_medium),
            (words.high_from, borders.potential_high),
        )
        if amount is not None
    ]
    if borders.reached_share is not None:
        lines.append(f"{words.reached_from} {words.percent(borders.reached_share)}")
    return Group(
        Rule(words.bubbles, align="left"),
        Text(note, style="dim"),
        Text(" · ".join(lines)),
        Text(words.hysteresis_note, style="dim"),
    )


def _migration(model: ReportModel, words: Words) -> RenderableType:
    if model.migration is None:
        return Group(Rule(words.migration, align="left"), Text(words.no_previous))
    migration = model.migration
    summary = words.moved.format(
        words.count(migration.moved),
        words.integer(migration.stayed),
        words.integer(migration.new),
        words.integer(migration.gone),
    )
    flows = [
        Text(f"  {f.sentence} ({words.money(f.window_revenue)})")
        for f in migration.flows
    ] or [Text(words.no_flows)]
    return Group(
        Rule(words.migration, align="left"),
        Text(summary),
        Text(words.main_flows, style="bold"),
        *flows,
        _transition_table(migration, words),
        _growth_table(migration, words),
    )


def _transition_table(migration: Migration, words: Words) -> Table:
    table = Table(caption=words.migration_note, caption_justify="left")
    table.add_column(words.from_to, style="bold")
    for column in migration.columns:
        label = words.gone_column if column == "gone" else column
        table.add_column(label, justify="right")
    for row in migration.rows:
        label = words.new_row if row.from_segment == "new" else row.from_segment
        cells = [
            Text(
                words.integer(count) if count else "·",
                style="dim" if column == row.from_segment else "bold" if count else "",
            )
            for column, count in zip(migration.columns, row.accounts, strict=True)
        ]
        table.add_row(label, *cells)
    return table


def _growth_table(migration: Migration, words: Words) -> Table:
    table = Table(title=words.growth, title_justify="left")
    table.add_column(words.segment)
    for header in (
        words.accounts_before,
        words.accounts_after,
        words.revenue_before,
        words.revenue_after,
        words.change,
        words.cohort,
    ):
        table.add_column(header, justify="right")
    for g in migration.growth:
        table.add_row(
            f"{g.segment} {g.name}",
            words.integer(g.accounts_before),
            words.integer(g.accounts_after),
            words.money(g.revenue_before),
            words.money(g.revenue_after),
            words.money(g.revenue_change),
            words.percent(g.cohort_change_ratio),
        )
    return table


def _top_accounts(model: ReportModel, words: Words) -> RenderableType:
    tables: list[RenderableType] = [Rule(words.top_accounts, align="left")]
    tables.extend(_segment_table(g, words) for g in model.top_accounts if g.accounts)
    return Group(*tables)


def _segment_table(group: SegmentList, words: Words) -> Table:
    mark = f" {_MARK_SYMBOL[group.mark]}" if group.mark else ""
    table = Table(
        title=f"{group.segment} {group.name}{mark} — {words.count(group.accounts)}",
        title_justify="left",
    )
    table.add_column(words.account)
    table.add_column(words.owner)
    for header in (
        words.potential,
        words.revenue,
        words.unrealised,
        words.wallet_share,
    ):
        table.add_column(header, justify="right")
    table.add_column(words.next_action, max_width=60)
    for a in group.top:
        table.add_row(
            a.name,
            a.owner,
            words.money(a.potential),
            words.money(a.window_revenue),
            words.money(a.unrealised),
            words.percent(a.wallet_share),
            a.next_action,
        )
    return table


def _calibration(model: ReportModel, words: Words) -> RenderableType:
    title = Rule(words.calibration, align="left")
    if model.calibration is None:
        return Group(title, Text(words.not_judged))
    f = model.calibration.figures
    table = Table.grid(padding=(0, 2))
    table.add_row(words.holdout, words.integer(f.get("holdout") or 0))
    table.add_row(
        words.coverage,
        f"{words.percent(f.get('coverage'))} "
        f"({words.target} {words.percent(f.get('quantile'))})",
    )
    table.add_row(words.pinball, words.money(f.get("pinball_loss")))
    table.add_row(words.baseline, words.money(f.get("baseline_pinball_loss")))
    table.add_row(words.skill, words.percent(f.get("skill")))
    return Group(title, table, Text(model.calibration.sentence, style="bold"))


def _leads(model: ReportModel, words: Words) -> RenderableType:
    title = Rule(words.leads, align="left")
    if not model.totals.leads:
        return Group(title, Text(words.no_leads))
    tables: list[RenderableType] = [title, Text(words.leads_note, style="dim")]
    for group in model.leads:
        table = Table(
            title=f"{group.segment} {group.name} — "
            f"{words.count(group.leads, 'lead')}, {words.money(group.potential)}",
            title_justify="left",
        )
        table.add_column(words.lead)
        table.add_column(words.owner)
        table.add_column(words.potential, justify="right")
        table.add_column(words.next_action, max_width=60)
        for lead in group.top:
            table.add_row(
                lead.name, lead.owner, words.money(lead.potential), lead.next_action
            )
        tables.append(table)
    return Group(*tables)


def _warnings(model: ReportModel, words: Words) -> RenderableType:
    if not model.warnings:
        return Text("")
    return Group(
        Text(words.warnings, style="bold yellow"),
        *(Text(f"  {warning}") for warning in model.warnings),
    )
