"""Charts for the report, drawn on the server with matplotlib's Agg backend (no browser).

Two charts: decisions that took action per day, stacked by harm; and the median time from
event to action per day. SVG (text kept as text, ids salted so the output is repeatable)
goes inline into HTML; PNG goes into the PDF.
"""

from __future__ import annotations

import io
import math
from datetime import timedelta
from typing import Literal

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: never a window, never a browser

from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from safeguarding.domain.transparency import Harm, TransparencyReport

matplotlib.rcParams.update(
    {"svg.fonttype": "none", "svg.hashsalt": "safeguarding-transparency", "font.size": 9}
)
ChartFormat = Literal["svg", "png"]
COLOURS = {
    Harm.ABUSE_IMAGERY: "#8e2043",
    Harm.GROOMING: "#d9822b",
    Harm.SELF_HARM: "#2b6cb0",
    Harm.OTHER: "#9aa5b1",
}
SIZE = (8.0, 2.8)  # inches


def harm_chart(report: TransparencyReport, fmt: ChartFormat) -> bytes:
    """Decisions that took action per day, stacked by harm."""
    figure, axes = _canvas()
    days = mdates.date2num([point.day for point in report.daily])
    series = [[point.by_harm.get(h, 0) for point in report.daily] for h in Harm]
    colours = [COLOURS[h] for h in Harm]
    axes.stackplot(days, *series, labels=[h.label for h in Harm], colors=colours, step="mid")
    axes.set_ylabel("decisions a day")
    axes.set_title("Decisions that took action, per day, by harm", loc="left")
    figure.legend(loc="outside upper right", ncols=4, frameon=False)
    axes.set_ylim(bottom=0)
    return _render(figure, axes, report, fmt)


def time_chart(report: TransparencyReport, fmt: ChartFormat) -> bytes:
    """The median minutes from event to action, per day (gaps where nothing was actioned)."""
    figure, axes = _canvas()
    days = mdates.date2num([point.day for point in report.daily])
    minutes = [
        math.nan if p.median_minutes_to_action is None else p.median_minutes_to_action
        for p in report.daily
    ]
    axes.plot(days, minutes, color="#2f855a", linewidth=1.2, marker=".", markersize=3)
    axes.set_ylabel("minutes")
    axes.set_title("Median time from event to action, per day", loc="left")
    axes.set_ylim(bottom=0)
    return _render(figure, axes, report, fmt)


def inline_svg(data: bytes) -> str:
    """An SVG document as an element to put inside HTML (without its XML prologue)."""
    text = data.decode()
    return text[text.index("<svg") :]


def _canvas() -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE, layout="constrained")
    return figure, figure.add_subplot()


def _render(figure: Figure, axes: Axes, report: TransparencyReport, fmt: ChartFormat) -> bytes:
    # The whole period on the x axis, whatever days have data (autoscale would guess).
    half_day = timedelta(hours=12)
    start, end = mdates.date2num([report.period.start - half_day, report.period.end - half_day])
    axes.set_xlim(float(start), float(end))
    locator = mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    out = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(out, format=fmt, dpi=150 if fmt == "png" else 72, metadata=metadata)
    return out.getvalue()
