"""`safeguarding eval grooming --by-source`: the grooming model measured leave-one-author-out.

For each development source in turn (the project's train + extra_train, and each independent
author's set), a model is fitted on all the other sources, with its thresholds chosen among
them only, and scored on the source left out. Prints one row per source, the worst and the
mean, and a check that the score moves neither with the hour nor with added small talk.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import typer
from rich.table import Table

from safeguarding.adapters.cli.common import console as out
from safeguarding.adapters.cli.common import err
from safeguarding.detectors.text.grooming_eval import Figures, invariance
from safeguarding.detectors.text.grooming_sources import read_sources

COLUMNS = ("recall", "FP", "hard FP", "early", "grooming high", "at high", "flag/high")
LEGEND = (
    "FP: benign conversations flagged; hard FP: of the hard negatives; early: grooming flagged"
    " <= 3 messages after onset; grooming high: share of grooming conversations that reached the"
    " high level; at high: benign conversations that reached the high level"
)
# Per column, whether a bigger figure is better (for the "worst" row).
HIGHER_BETTER = (True, False, False, True, True, False)


def print_by_source(data: Path) -> None:
    try:
        from safeguarding.detectors.text.grooming_fit import leave_one_source_out
    except ImportError as exc:  # scikit-learn is a dev extra
        err.print(f"[bold red]error:[/] --by-source fits models and needs {exc.name}")
        raise typer.Exit(2) from exc
    sources = read_sources(data)
    if len(sources) < 2:
        err.print(f"[bold red]error:[/] {data}: --by-source needs two or more sources")
        raise typer.Exit(2)
    results = leave_one_source_out(sources)
    table = Table(title="Leave one author out: fitted on the other sources, scored on this one")
    table.add_column("left out")
    table.add_column("n", justify="right")
    for name in COLUMNS:
        table.add_column(name, justify="right")
    rows = []
    for (name, found, model), source in zip(results, sources, strict=True):
        values = figure_values(found)
        rows.append(values)
        table.add_row(
            name,
            str(len(source.conversations)),
            *format_values(values),
            f"{model.flag:.2f} / {model.high:.2f}",
        )
    worst = [
        (min if better else max)(row[at] for row in rows) for at, better in enumerate(HIGHER_BETTER)
    ]
    mean = [statistics.fmean(row[at] for row in rows) for at in range(len(HIGHER_BETTER))]
    table.add_row("worst", "", *format_values(worst), "")
    table.add_row("mean", "", *format_values(mean), "")
    out.print(table)
    out.print(LEGEND, highlight=False)
    for source in sources:
        out.print(f"{source.name}: {source.hard_note}", highlight=False)
    moved = max(
        invariance(model, source.conversations[:20])
        for (_, _, model), source in zip(results, sources, strict=True)
    )
    out.print(
        f"hour and length: final risk moved by at most {moved:.4f} when every timestamp moved "
        "1-23 h or 10 small-talk messages came first",
        highlight=False,
    )


def figure_values(found: Figures) -> list[float]:
    hard = found.hard_negative_rate
    return [
        found.recall,
        found.false_positive_rate,
        hard if hard is not None else found.false_positive_rate,
        found.early_share,
        found.grooming_high,
        float(found.benign_high),
    ]


def format_values(values: list[float]) -> list[str]:
    *rates, high = values
    return [f"{v:.3f}" for v in rates] + [f"{high:g}"]
