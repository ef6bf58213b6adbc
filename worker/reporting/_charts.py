"""The bubble view as a Plotly figure, and the colours the page shares with it."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import plotly.io as pio

from worker.reporting._model import Bubbles, Point, ReportModel
from worker.reporting._words import Words

__all__ = ["SEGMENT_COLOURS", "bubble_chart_html", "gap_colour"]

# Hue by potential (grey, blue, orange: Low, Medium, High), darker with
# progress, so the bubble colours read like the matrix.
SEGMENT_COLOURS = {
    1: "#bdbdbd",
    2: "#8c8c8c",
    3: "#525252",
    4: "#9ecae1",
    5: "#4292c6",
    6: "#08519c",
    7: "#fdae6b",
    8: "#f16913",
    9: "#a63603",
}

_GAP_LOW = (255, 247, 236)
_GAP_HIGH = (215, 48, 31)
_LARGEST_BUBBLE_PX = 40
_BORDER_STYLE = {"color": "#555555", "width": 1, "dash": "dash"}
_SHARE_TICKS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
# Amounts within this ratio of each other get a tick at every digit.
_DENSE_SPAN = 30.0


def gap_colour(share_of_largest: float) -> str:
    """A warm colour for a cell's gap, relative to the largest cell's gap."""
    weight = min(max(share_of_largest, 0.0), 1.0) ** 0.7
    channels = (
        round(low + (high - low) * weight)
        for low, high in zip(_GAP_LOW, _GAP_HIGH, strict=True)
    )
    return "#{:02x}{:02x}{:02x}".format(*channels)


def bubble_chart_html(model: ReportModel, words: Words) -> str:
    """A ``<div>`` with the chart and the whole Plotly library inline.

    The library is embedded so the page needs no network, printed or offline.
    """
    figure = _figure(model, words)
    return str(
        pio.to_html(
            figure,
            include_plotlyjs=True,
            full_html=False,
            div_id="bubble-chart",
            default_width="100%",
            default_height="540px",
            config={"displaylogo": False, "responsive": True},
        )
    )


def _figure(model: ReportModel, words: Words) -> go.Figure:
    bubbles = model.bubbles
    largest = max((p.window_revenue for p in bubbles.points), default=0.0)
    size_ref = 2.0 * largest / _LARGEST_BUBBLE_PX**2 if largest > 0 else 1.0
    figure = go.Figure()
    for cell in model.matrix:
        points = [p for p in bubbles.points if p.segment == cell.segment]
        if points:
            figure.add_trace(_trace(cell.segment, cell.name, points, size_ref, words))
    _draw_borders(figure, bubbles, words)

    figure.update_layout(
        margin={"l": 60, "r": 20, "t": 40, "b": 60},
        legend={"orientation": "h", "y": -0.18},
        plot_bgcolor="#ffffff",
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
    )
    # Ticks are written like every amount and share on the page ("100 тыс.",
    # "40 %"), not in Plotly's own SI style ("100k").
    amounts = _log_ticks([p.potential for p in bubbles.points])
    figure.update_xaxes(
        type="log",
        title=words.potential_log_axis.format(model.currency),
        tickvals=amounts,
        ticktext=[words.money(amount) for amount in amounts],
        gridcolor="#eeeeee",
    )
    figure.update_yaxes(
        title=words.wallet_share,
        tickvals=_SHARE_TICKS,
        ticktext=[words.percent(share) for share in _SHARE_TICKS],
        range=[-0.05, 1.08],
        gridcolor="#eeeeee",
    )
    return figure


def _trace(
    segment: int,
    name: str,
    points: list[Point],
    size_ref: float,
    words: Words,
) -> go.Scatter:
    hover = (
        "<b>%{text}</b><br>%{customdata[0]}<br>"
        f"{words.potential}: %{{customdata[1]}}<br>"
        f"{words.revenue}: %{{customdata[2]}}<br>"
        f"{words.wallet_share}: %{{customdata[3]}}<extra>{segment}</extra>"
    )
    return go.Scatter(
        x=[p.potential for p in points],
        y=[p.wallet_share for p in points],
        mode="markers",
        name=f"{segment} · {name}",
        text=[p.name for p in points],
        customdata=[
            [
                p.owner,
                words.money(p.potential),
                words.money(p.window_revenue),
                words.percent(p.wallet_share),
            ]
            for p in points
        ],
        hovertemplate=hover,
        marker={
            "size": [p.window_revenue for p in points],
            "sizemode": "area",
            "sizeref": size_ref,
            "sizemin": 4,
            "color": SEGMENT_COLOURS[segment],
            "line": {"color": "#ffffff", "width": 0.5},
            "opacity": 0.85,
        },
    )


def _draw_borders(figure: go.Figure, bubbles: Bubbles, words: Words) -> None:
    """Dashed lines where Medium and High potential and Reached progress begin."""
    borders = bubbles.borders
    # Labels sit above the plot, Medium's to the left of its line and High's
    # to the right, so they do not collide when the borders are close.
    for amount, label, side in (
        (borders.potential_medium, words.medium_from, "right"),
        (borders.potential_high, words.high_from, "left"),
    ):
        if amount is None or amount <= 0:
            continue
        figure.add_shape(
            type="line",
            x0=amount,
            x1=amount,
            y0=0,
            y1=1,
            xref="x",
            yref="paper",
            line=_BORDER_STYLE,
        )
        # Unlike shapes, annotations on a log axis are placed in log10 units.
        figure.add_annotation(
            x=math.log10(amount),
            y=1,
            xref="x",
            yref="paper",
            xanchor=side,
            yanchor="bottom",
            showarrow=False,
            text=f"{label} {words.money(amount)}",
            font={"size": 11, "color": "#555555"},
        )
    if borders.reached_share is not None:
        figure.add_hline(
            y=borders.reached_share,
            line=_BORDER_STYLE,
            annotation_text=f"{words.reached_from} "
            f"{words.percent(borders.reached_share)}",
            annotation_position="bottom left",
            annotation_font={"size": 11, "color": "#555555"},
            annotation_bgcolor="rgba(255, 255, 255, 0.85)",
        )


def _log_ticks(amounts: list[float]) -> list[float]:
    """Round amounts spanning the positive ``amounts`` on a log axis: every
    digit times a power of ten within a decade or so, else 1, 2 and 5."""
    positive = [amount for amount in amounts if amount > 0]
    if not positive:
        return []
    low, high = min(positive), max(positive)
    steps = range(1, 10) if high / low < _DENSE_SPAN else (1, 2, 5)
    ticks = [
        step * 10.0**power
        for power in range(_decade(low), _decade(high) + 2)
        for step in steps
    ]
    # One tick either side of the data, as the axis pads its range.
    below = [tick for tick in ticks if tick <= low][-1:]
    above = [tick for tick in ticks if tick >= high][:1]

    return sorted({*below, *(t for t in ticks if low < t < high), *above})


def _decade(amount: float) -> int:
    return math.floor(math.log10(amount))
