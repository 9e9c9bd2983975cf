"""`safeguarding eval grooming --by-source --second-stage`: the contextual second stage, LOAO.

The same folds as ``--by-source``: for each source, both stages are fitted on the others, the
first stage's thresholds and the second stage's band, window, mixing weight and threshold are
chosen among those others only (``grooming_second_fit``), and the source left out is read.
Prints the first stage alone and the cascade, each fold's choice, the share of messages that
reach the second stage, and each stage's speed on one core (CPU seconds).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from safeguarding.adapters.cli.common import console as out
from safeguarding.adapters.cli.common import err
from safeguarding.adapters.cli.grooming_by_source import (
    COLUMNS,
    HIGHER_BETTER,
    LEGEND,
    figure_values,
    format_values,
)
from safeguarding.detectors.text.grooming_eval import Figures
from safeguarding.detectors.text.grooming_sources import read_sources

if TYPE_CHECKING:
    from safeguarding.detectors.text.grooming_second_fit import CascadeFold

CHOICE_COLUMN = "band, window, weight, threshold, read at, encoded"
SPEED_SAMPLE = 300  # messages encoded afresh to time the second stage


def print_second_stage(data: Path) -> None:
    """Measure the cascade leave one author out and print both tables and the speeds."""
    try:
        from safeguarding.detectors.text.contextual import ContextualEncoder
        from safeguarding.detectors.text.grooming_second_fit import (
            leave_one_source_out_cascade,
            second_stage_speed,
        )
    except ImportError as exc:  # scikit-learn, onnxruntime and tokenizers are extras
        err.print(f"[bold red]error:[/] --second-stage needs {exc.name}")
        raise typer.Exit(2) from exc
    sources = read_sources(data)
    if len(sources) < 3:
        err.print(f"[bold red]error:[/] {data}: --second-stage needs three or more sources")
        raise typer.Exit(2)
    _, folds = leave_one_source_out_cascade(sources)
    sized = list(zip(folds, (len(s.conversations) for s in sources), strict=True))
    alone = [(f.name, n, f.alone, f"{f.model.flag:.2f} / {f.model.high:.2f}") for f, n in sized]
    both = [(f.name, n, f.both, _choice(f)) for f, n in sized]
    out.print(table("First stage alone, each source left out", alone, "flag/high"))
    out.print(table("With the second stage, each source left out", both, CHOICE_COLUMN))
    out.print(LEGEND, highlight=False)
    texts = [m["text"] for s in sources for c in s.conversations for m in c["messages"]]
    per_read = second_stage_speed(texts[:SPEED_SAMPLE], ContextualEncoder())
    messages = sum(f.messages for f in folds)
    first = sum(f.first_seconds for f in folds) / messages
    encoded = sum(f.encoded * f.messages for f in folds) / messages
    consulted = sum(f.consulted * f.messages for f in folds) / messages
    out.print(
        f"second stage read at {consulted:.1%} of the left-out messages, {encoded:.1%} encoded; "
        f"CPU, one core: first stage {1 / first:,.0f} messages/s, second stage "
        f"{1 / per_read:,.0f} messages encoded/s ({per_read * 1000:.1f} ms each), both "
        f"{1 / (first + encoded * per_read):,.0f} messages/s",
        highlight=False,
    )


def _choice(fold: CascadeFold) -> str:
    c = fold.choice
    if not c.banded:
        return "none (first stage alone)"
    window = f"{c.window}{' + others' if c.others else ''}"
    return (
        f"{c.low:.2f}-{c.high:.2f}, {window}, {c.first_weight:.1f}, {c.threshold:.2f}, "
        f"{fold.consulted:.1%}, {fold.encoded:.1%}"
    )


def table(title: str, rows: Sequence[tuple[str, int, Figures, str]], last: str) -> Table:
    """One row per left-out source, then the worst and the mean (as ``--by-source``)."""
    shown = Table(title=title)
    shown.add_column("left out")
    shown.add_column("n", justify="right")
    for name in (*COLUMNS[:-1], last):
        shown.add_column(name, justify="right")
    values = []
    for name, n, found, extra in rows:
        values.append(figure_values(found))
        shown.add_row(name, str(n), *format_values(values[-1]), extra)
    worst = [
        (min if better else max)(row[at] for row in values)
        for at, better in enumerate(HIGHER_BETTER)
    ]
    mean = [statistics.fmean(row[at] for row in values) for at in range(len(HIGHER_BETTER))]
    shown.add_row("worst", "", *format_values(worst), "")
    shown.add_row("mean", "", *format_values(mean), "")
    return shown
