"""Charts for the report, drawn on the server with matplotlib's Agg backend (no browser).

Two charts: decisions that took action per day, stacked by harm; and the median time from
event to action per day. SVG (text kept as text, ids salted so the output is repeatable)
goes inline into HTML; PNG goes into the PDF.
"""

from __future__ import annotations

import io
import math
from datetime import date, timedelta
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
    Harm.INTIMATE_IMAGE_ABUSE: "#6b46c1",
    Harm.TERRORISM: "#2f855a",
    Harm.OTHER: "#9aa5b1",
}
SIZE = (8.0, 2.8)  # inches
TIME_COLOUR = "#2f855a"
# With fewer days than this that have data, a line or an area over the whole period is a
# lone dot at its edge: those days are drawn as labelled bars instead, each under its date.
FEW_DAYS = 3


def harm_chart(report: TransparencyReport, fmt: ChartFormat) -> bytes:
    """Decisions that took action per day, stacked by harm."""
    figure, axes = _canvas()
    axes.set_ylabel("decisions a day")
    axes.set_title("Decisions that took action, per day, by harm", loc="left")
    actioned = [p for p in report.daily if sum(p.by_harm.values())]
    if len(actioned) < FEW_DAYS:
        bottoms = [0] * len(actioned)
        for harm in Harm:
            heights = [p.by_harm.get(harm, 0) for p in actioned]
            axes.bar(range(len(actioned)), heights, bottom=bottoms, width=0.5,
                     color=COLOURS[harm], label=harm.label)  # fmt: skip
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        for x, total in enumerate(bottoms):
            axes.annotate(str(total), (x, total), ha="center", va="bottom")
        figure.legend(loc="outside upper right", ncols=4, frameon=False)
        return _few_days(figure, axes, [p.day for p in actioned], fmt)
    days = mdates.date2num([point.day for point in report.daily])
    series = [[point.by_harm.get(h, 0) for point in report.daily] for h in Harm]
    colours = [COLOURS[h] for h in Harm]
    axes.stackplot(days, *series, labels=[h.label for h in Harm], colors=colours, step="mid")
    figure.legend(loc="outside upper right", ncols=4, frameon=False)
    axes.set_ylim(bottom=0)
    return _render(figure, axes, report, fmt)


def time_chart(report: TransparencyReport, fmt: ChartFormat) -> bytes:
    """The median minutes from event to action, per day (gaps where nothing was actioned)."""
    figure, axes = _canvas()
    axes.set_ylabel("minutes")
    axes.set_title("Median time from event to action, per day", loc="left")
    measured = [p for p in report.daily if p.median_minutes_to_action is not None]
    if len(measured) < FEW_DAYS:
        medians = [p.median_minutes_to_action or 0.0 for p in measured]
        axes.bar(range(len(measured)), medians, width=0.5, color=TIME_COLOUR)
        for x, median in enumerate(medians):
            axes.annotate(duration(median), (x, median), ha="center", va="bottom")
        return _few_days(figure, axes, [p.day for p in measured], fmt)
    days = mdates.date2num([point.day for point in report.daily])
    minutes = [
        math.nan if p.median_minutes_to_action is None else p.median_minutes_to_action
        for p in report.daily
    ]
    axes.plot(days, minutes, color=TIME_COLOUR, linewidth=1.2, marker=".", markersize=3)
    axes.set_ylim(bottom=0)
    return _render(figure, axes, report, fmt)


def duration(minutes: float) -> str:
    """A median time in the unit a reader takes in at a glance."""
    if minutes < 1:
        return f"{minutes * 60:.0f} s"
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


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
    return _save(figure, axes, fmt)


def _few_days(figure: Figure, axes: Axes, days: list[date], fmt: ChartFormat) -> bytes:
    """Bars drawn at 0..n-1, each labelled with its ISO date; a note when there are none."""
    axes.set_xticks(range(len(days)), [d.isoformat() for d in days])
    axes.set_xlim(-1, max(len(days), 1))
    axes.set_ylim(bottom=0, top=max(axes.get_ylim()[1] * 1.15, 1))
    if not days:
        axes.set_yticks([])
        axes.text(0, 0.5, "nothing was actioned in this period", ha="center", va="center")
    return _save(figure, axes, fmt)


def _save(figure: Figure, axes: Axes, fmt: ChartFormat) -> bytes:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    out = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(out, format=fmt, dpi=150 if fmt == "png" else 72, metadata=metadata)
    return out.getvalue()
