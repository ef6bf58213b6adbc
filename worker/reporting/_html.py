"""The report as one self-contained HTML page (styles and chart library inline)."""

from __future__ import annotations

from importlib import resources

import jinja2
from markupsafe import Markup

from mkp_core import PotentialLevel, ProgressLevel
from worker.reporting._charts import bubble_chart_html, gap_colour
from worker.reporting._model import Flow, FlowMeaning, ReportModel, SegmentMark
from worker.reporting._words import Words

__all__ = ["render_html"]

_MARK_CLASS = {SegmentMark.KEY_GROWTH: "key-growth", SegmentMark.CAPTURE: "capture"}
_MARK_SYMBOL = {SegmentMark.KEY_GROWTH: "★", SegmentMark.CAPTURE: "◆"}
_GOOD = {
    FlowMeaning.CAPTURE_SUCCEEDED,
    FlowMeaning.SALES_STARTED,
    FlowMeaning.POTENTIAL_REACHED,
}
_BAD = {FlowMeaning.SHARE_SLIPPED, FlowMeaning.SALES_LAPSED}
# Above this share of the largest gap, cell text turns white to stay legible.
_DARK_CELL = 0.55


def render_html(model: ReportModel, words: Words, *, top_n: int) -> str:
    """The page for ``model``; ``top_n`` is how many accounts each list holds."""
    template = _environment().get_template("report.html.j2")
    largest_gap = max((cell.unrealised for cell in model.matrix), default=0.0)

    def relative(gap: float) -> float:
        return gap / largest_gap if largest_gap > 0 else 0.0

    return template.render(
        m=model,
        w=words,
        css=Markup(_read("report.css")),  # noqa: S704 - our own stylesheet
        bubble_chart=Markup(bubble_chart_html(model, words)),  # noqa: S704 - built by Plotly from the model
        top_n=top_n,
        progress_rows=[level.value for level in reversed(ProgressLevel)],
        potential_columns=[level.value for level in PotentialLevel],
        progress_label={
            level.value: words.progress_levels[level] for level in ProgressLevel
        },
        potential_label={
            level.value: words.potential_levels[level] for level in PotentialLevel
        },
        cells_by_progress={
            level.value: [c for c in model.matrix if c.progress_level == level.value]
            for level in ProgressLevel
        },
        cell_colour={
            c.segment: gap_colour(relative(c.unrealised)) for c in model.matrix
        },
        cell_dark={
            c.segment: relative(c.unrealised) > _DARK_CELL for c in model.matrix
        },
        mark_class=_MARK_CLASS,
        mark_symbol=_MARK_SYMBOL,
        flow_tone=_flow_tone,
        signed_money=lambda amount: _signed(words.money(amount), amount),
        signed_percent=lambda ratio: _signed(words.percent(ratio), ratio),
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("worker.reporting", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _read(name: str) -> str:
    return resources.files("worker.reporting").joinpath(name).read_text("utf-8")


def _flow_tone(flow: Flow) -> str:
    if any(meaning in _BAD for meaning in flow.meaning):
        return "bad"
    if any(meaning in _GOOD for meaning in flow.meaning):
        return "good"
    return ""


def _signed(text: str, value: float | None) -> str:
    return f"+{text}" if value is not None and value > 0 else text
