"""`safeguarding classify-text` and `safeguarding eval self-harm`: the self-harm classifier's CLI.

Plain functions with Typer annotations; ``main.py`` registers them. Both read
the Text JSONL format (``{"id", "text"}`` per line); ``eval`` also reads the
labels (``{"id", "label"}``) and shows the classifier beside the keyword
baseline.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table

from safeguarding.adapters.cli.common import console as out
from safeguarding.adapters.cli.common import err
from safeguarding.detectors.text.jsonl import numbered_rows
from safeguarding.detectors.text.keyword_baseline import KeywordBaseline
from safeguarding.detectors.text.self_harm_model import ACTION_LABELS, LABELS, Prediction
from safeguarding.detectors.text.self_harm_model import shared_model as self_harm_model

SHORT = {
    "ideation": "idea",
    "intent_or_plan": "plan",
    "encouragement": "enc",
    "self_harm_disclosure": "sh",
    "recovery_support": "rec",
    "news_or_education": "news",
    "idiom_or_hyperbole": "idiom",
    "other_negative": "neg",
    "benign": "ben",
}
TextsFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="Text JSONL: one {id, text} per line.")
]


def classify_text(
    file: TextsFile,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Action threshold; the fitted one by default."),
    ] = None,
) -> None:
    """Classify each text for self-harm and suicide risk; print one JSON line per text.

    Output lines are {"id", "label", "action", "score"}, score being the
    probability that the text needs action.
    """
    rows = list(read_jsonl(file, ("id", "text")))
    model = self_harm_model()
    for row in rows:
        found = model.classify_one(row["text"], threshold)
        line = {"id": row["id"], "label": found.label, "action": found.action}
        out.print(json.dumps(line | {"score": round(found.score, 4)}), highlight=False)


def eval_self_harm(
    texts: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Text JSONL: {id, text} per line."),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Labels JSONL: {id, label} per line."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Action threshold; the fitted one by default."),
    ] = None,
    by_source: Annotated[
        bool,
        typer.Option(
            "--by-source",
            help="Leave one source out: refit on all sources but one, score the one left out, "
            "for each in turn (needs scikit-learn). Sources come from --source, or else from "
            "--data: the project's train split (+ extra_train.jsonl, fit only) and each "
            "independent/NAME/ folder.",
        ),
    ] = False,
    source: Annotated[
        list[str] | None,
        typer.Option(
            help="With --by-source: NAME=TEXTS,LABELS (or NAME=FILE whose rows carry the "
            "label); repeat it, and repeat a NAME to join files into one source.",
        ),
    ] = None,
    fit_only: Annotated[
        list[str] | None,
        typer.Option(
            help="With --by-source: NAME=TEXTS[,LABELS] items added to NAME's fitting data "
            "but never scored.",
        ),
    ] = None,
    data: Annotated[
        Path,
        typer.Option(file_okay=False, help="With --by-source and no --source: the data folder."),
    ] = Path("datasets/self_harm"),
) -> None:
    """Score the self-harm classifier and the keyword baseline against labelled texts."""
    if by_source:
        from safeguarding.adapters.cli.text_sources import eval_by_source

        eval_by_source(source or [], fit_only or [], data)
        return
    if texts is None or labels is None:
        err.print("[bold red]error:[/] give --texts and --labels, or --by-source", highlight=False)
        raise typer.Exit(2)
    items, truth = read_labelled(texts, labels)
    model = self_harm_model().classify(items, threshold)
    baseline = KeywordBaseline().classify(items)
    results = {"model": Figures.of(model, truth), "keyword baseline": Figures.of(baseline, truth)}
    out.print(action_table(results))
    out.print(label_table(results, truth))
    out.print(confusion_table(model, truth))


@dataclass(frozen=True)
class Figures:
    """How well a classifier's action decision matches the labels."""

    predictions: tuple[Prediction, ...]
    truth: tuple[str, ...]

    @classmethod
    def of(cls, predictions: Sequence[Prediction], truth: Sequence[str]) -> Figures:
        return cls(tuple(predictions), tuple(truth))

    def count(self, flagged: bool, needs_action: bool) -> int:
        return sum(
            p.action == flagged and (t in ACTION_LABELS) == needs_action
            for p, t in zip(self.predictions, self.truth, strict=True)
        )

    @property
    def recall(self) -> float:
        hits = self.count(True, True)
        return hits / max(hits + self.count(False, True), 1)

    @property
    def precision(self) -> float:
        hits = self.count(True, True)
        return hits / max(hits + self.count(True, False), 1)

    def flagged_share(self, label: str) -> tuple[int, int]:
        """(flagged, all) among the items with this true label."""
        rows = [p for p, t in zip(self.predictions, self.truth, strict=True) if t == label]
        return sum(p.action for p in rows), len(rows)


def read_labelled(texts: Path, labels: Path) -> tuple[list[str], list[str]]:
    """Texts and their labels, matched by id; every text needs a known label."""
    by_id = {row["id"]: row["label"] for row in read_jsonl(labels, ("id", "label"))}
    rows = list(read_jsonl(texts, ("id", "text")))
    missing = [row["id"] for row in rows if row["id"] not in by_id]
    unknown = sorted({label for label in by_id.values() if label not in LABELS})
    if missing or unknown:
        problem = f"no label for ids {missing[:5]}" if missing else f"unknown labels {unknown}"
        err.print(f"[bold red]error:[/] {labels}: {problem}", highlight=False)
        raise typer.Exit(2)
    return [row["text"] for row in rows], [by_id[row["id"]] for row in rows]


def action_table(results: dict[str, Figures]) -> Table:
    table = Table(title="Action decision (ideation, intent, encouragement, disclosure)")
    table.add_column("figure")
    for name in results:
        table.add_column(name, justify="right")
    table.add_row("precision", *(f"{f.precision:.3f}" for f in results.values()))
    table.add_row("recall", *(f"{f.recall:.3f}" for f in results.values()))
    table.add_row(
        "idioms flagged", *(_share(f.flagged_share("idiom_or_hyperbole")) for f in results.values())
    )
    table.add_row("true positives", *(str(f.count(True, True)) for f in results.values()))
    table.add_row("false positives", *(str(f.count(True, False)) for f in results.values()))
    table.add_row("false negatives", *(str(f.count(False, True)) for f in results.values()))
    return table


def label_table(results: dict[str, Figures], truth: Sequence[str]) -> Table:
    table = Table(title="Flagged for action, by true label")
    table.add_column("label")
    table.add_column("action")
    table.add_column("items", justify="right")
    for name in results:
        table.add_column(name, justify="right")
    counts = Counter(truth)
    for label in LABELS:
        if counts[label]:
            shares = (_share(f.flagged_share(label)) for f in results.values())
            table.add_row(
                label, "yes" if label in ACTION_LABELS else "no", str(counts[label]), *shares
            )
    return table


def confusion_table(predictions: Sequence[Prediction], truth: Sequence[str]) -> Table:
    """True label (rows) by the model's label (columns, abbreviated)."""
    pairs = Counter((t, p.label) for p, t in zip(predictions, truth, strict=True))
    present = [label for label in LABELS if any(label in pair for pair in pairs)]
    table = Table(title="Label confusion, model (rows: true label; columns: predicted)")
    table.add_column("true label", overflow="fold")
    for label in present:
        table.add_column(SHORT[label], justify="right")
    for label in present:
        table.add_row(label, *(str(pairs[(label, other)] or ".") for other in present))
    return table


def _share(flagged_of: tuple[int, int]) -> str:
    flagged, total = flagged_of
    return f"{flagged}/{total} ({flagged / max(total, 1):.1%})"


def read_jsonl(path: Path, keys: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Each line's object, checked for its keys; a bad line stops with file:line."""
    for _, row in numbered_jsonl(path, keys):
        yield row


def numbered_jsonl(path: Path, keys: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line, checked for its string keys."""
    try:
        yield from numbered_rows(path, keys)
    except ValueError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None


def bad_line(path: Path, number: int, problem: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {path}:{number}: {problem}", highlight=False)
    raise typer.Exit(2)
