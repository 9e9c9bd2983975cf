"""`safeguarding eval self-harm --by-source`: leave-one-source-out figures (issue #16).

Sources are given as ``--source NAME=TEXTS,LABELS`` (repeatable; a repeated
NAME joins files into one source; ``NAME=FILE`` where each row carries its
label) and ``--fit-only NAME=...`` for items that are fitted on but never
scored. Without ``--source`` the layout under ``--data`` is used
(``self_harm_sources.default_layout``). Imported only with ``--by-source``, as
it needs the fitting extras.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.table import Table

from safeguarding.adapters.cli.common import console as out
from safeguarding.adapters.cli.common import err
from safeguarding.adapters.cli.text import Figures, _share
from safeguarding.detectors.text.self_harm_model import (
    ACTION_LABELS,
    LABELS,
    MODEL_DIR,
    Prediction,
    reader,
)

if TYPE_CHECKING:
    from safeguarding.detectors.text.self_harm_second_fit import CascadeFold
    from safeguarding.detectors.text.self_harm_sources import Fold

Layout = dict[str, tuple[list[tuple[Path, Path | None]], list[tuple[Path, Path | None]]]]


def eval_by_source(sources: Sequence[str], fit_only: Sequence[str], data: Path) -> None:
    """Run leave-one-source-out and print per-source rows, the worst and the mean."""
    try:
        from safeguarding.detectors.text.self_harm_fit import Config, base_featuriser
        from safeguarding.detectors.text.self_harm_second_fit import (
            everyday_chat,
            leave_one_source_out_cascade,
        )
        from safeguarding.detectors.text.self_harm_sources import default_layout, load_sources
    except ImportError as exc:  # the fitting extras are not installed
        fail(f"--by-source refits the model and needs {exc.name}: pip install -e '.[dev]'")
    layout = parse_layout(sources, fit_only) if sources else default_layout(data)
    if len(layout) < 3:
        fail(f"--by-source needs at least three sources, got {sorted(layout) or 'none'}")
    config, base = Config(), base_featuriser(MODEL_DIR)
    read = reader(base, config.split_compounds)
    try:
        loaded = load_sources(layout, read)
    except (ValueError, OSError) as exc:
        fail(str(exc))
    # Everyday chat (the grooming set's messages) bounds how much the second stage reads.
    everyday = [read(t) for t in everyday_chat(data.parent / "grooming")]
    err.print(f"refitting models on {len(loaded)} sources, leaving one source out at a time")
    _, folds = leave_one_source_out_cascade(loaded, base, config, everyday)
    both = {f.fold.source: (f.cascade.threshold, Figures.of(*_read(f.cascade))) for f in folds}
    alone = {f.fold.source: (f.fold.threshold, Figures.of(*_read(f.fold))) for f in folds}
    out.print(source_table(alone, "Leave one source out (chosen on the other sources only)"))
    out.print(
        label_by_source_table(alone, "Flagged for action by true label, each source left out")
    )
    out.print(stage_table(folds))
    out.print(source_table(both, "With the second stage, each source left out"))
    out.print(label_by_source_table(both, "With the second stage, flagged by true label"))


def _read(fold: Fold) -> tuple[Sequence[Prediction], Sequence[str]]:
    return fold.predictions, fold.truth


def stage_table(folds: Sequence[CascadeFold]) -> Table:
    """Each fold's uncertain band and the share of its left-out texts read again."""
    table = Table(title="Second stage, each source left out")
    for column in ("left out", "band", "first stage weight", "read again"):
        table.add_column(column, justify="left" if column == "left out" else "right")
    for f in folds:
        empty = f.choice.low >= f.choice.high  # the first stage alone was chosen
        band = "none" if empty else f"{f.choice.low:.2f} to {f.choice.high:.2f}"
        weight = f"{f.choice.first_weight:.1f}"
        table.add_row(f.fold.source, band, weight, f"{f.share:.1%}")
    return table


def parse_layout(sources: Sequence[str], fit_only: Sequence[str]) -> Layout:
    """NAME=TEXTS[,LABELS] specs to a layout; a bad spec or missing file stops with exit 2."""
    layout: Layout = {}
    for specs, slot in ((sources, 0), (fit_only, 1)):
        for spec in specs:
            name = spec.partition("=")[0]
            if slot and name not in layout:
                fail(f"--fit-only {spec}: no --source named {name}")
            files = parse_spec(spec)[1]
            layout.setdefault(name, ([], []))[slot].append(files)
    return layout


def parse_spec(spec: str) -> tuple[str, tuple[Path, Path | None]]:
    name, sep, paths = spec.partition("=")
    parts = [Path(p) for p in paths.split(",") if p]
    if not sep or not name or not 1 <= len(parts) <= 2:
        fail(f"bad source {spec!r}: expected NAME=TEXTS,LABELS or NAME=FILE")
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        fail(f"source {name}: no such file {', '.join(missing)}")
    return name, (parts[0], parts[1] if len(parts) == 2 else None)


def source_table(results: dict[str, tuple[float, Figures]], title: str) -> Table:
    """One row per left-out source, then the worst and the mean over sources."""
    table = Table(title=title)
    for column in ("left out", "items", "action", "threshold", "precision", "recall"):
        table.add_column(column, justify="left" if column == "left out" else "right")
    table.add_column("idioms flagged", justify="right")
    table.add_column("right class", justify="right")
    rows = {name: row_figures(f) for name, (_, f) in results.items()}
    for name, (threshold, f) in results.items():
        action = sum(t in ACTION_LABELS for t in f.truth)
        table.add_row(name, str(len(f.truth)), str(action), f"{threshold:.2f}", *_cells(rows[name]))
    worst = {
        "precision": min(r["precision"] for r in rows.values()),
        "recall": min(r["recall"] for r in rows.values()),
        "idioms": max(r["idioms"] for r in rows.values()),
        "right class": min(r["right class"] for r in rows.values()),
    }
    mean = {key: sum(r[key] for r in rows.values()) / len(rows) for key in worst}
    table.add_row("worst", "", "", "", *_cells(worst))
    table.add_row("mean", "", "", "", *_cells(mean))
    return table


def row_figures(f: Figures) -> dict[str, float]:
    """Precision, recall, idioms flagged, and the share of caught action items given their class."""
    flagged, idioms = f.flagged_share("idiom_or_hyperbole")
    caught = [(p.label, t) for p, t in zip(f.predictions, f.truth, strict=True) if p.action]
    caught = [(label, t) for label, t in caught if t in ACTION_LABELS]
    right = sum(label == t for label, t in caught) / max(len(caught), 1)
    return {
        "precision": f.precision,
        "recall": f.recall,
        "idioms": flagged / max(idioms, 1),
        "right class": right,
    }


def _cells(row: dict[str, float]) -> list[str]:
    return [
        f"{row['precision']:.3f}",
        f"{row['recall']:.3f}",
        f"{row['idioms']:.1%}",
        f"{row['right class']:.3f}",
    ]


def label_by_source_table(results: dict[str, tuple[float, Figures]], title: str) -> Table:
    """Flagged for action by true label (rows), each source left out (columns)."""
    table = Table(title=title)
    table.add_column("label")
    table.add_column("action")
    for name in results:
        table.add_column(name, justify="right")
    for label in LABELS:
        cells = [_share(f.flagged_share(label)) for _, f in results.values()]
        table.add_row(label, "yes" if label in ACTION_LABELS else "no", *cells)
    return table


def fail(problem: str) -> NoReturn:
    """Print the problem and stop with exit status 2."""
    err.print(f"[bold red]error:[/] {problem}", highlight=False)
    raise typer.Exit(2)
