"""`safeguarding report`: transparency reports, and the decisions behind them as CSV.

Dates are checked before anything is opened or written: a bad date, or --to before --from,
exits 2 with a message naming the problem, and no file is created. Files are written to a
temporary name and renamed when complete, so a failed export never leaves half a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from safeguarding.adapters.cli.common import console, err, friendly_errors, open_container, table
from safeguarding.adapters.cli.output import is_stdout, refuse_binary_on_terminal, write_stdout
from safeguarding.adapters.exports import FORMATS, decisions_csv
from safeguarding.domain.decision_facts import DecisionFacts
from safeguarding.domain.transparency import Period, TransparencyReport

app = typer.Typer(
    help="Transparency reports for the public and the regulator, and the decisions behind them.",
    no_args_is_help=True,
)
FROM = typer.Option(..., "--from", help="First day of the period, YYYY-MM-DD (UTC).")
TO = typer.Option(..., "--to", help="Last day of the period, included, YYYY-MM-DD (UTC).")
PROGRESS_EVERY = 1000


class Format(StrEnum):
    """What `report transparency` writes."""

    TEXT = "text"
    CSV = "csv"
    DSA_CSV = "dsa-csv"
    DSA_ZIP = "dsa-zip"
    DSA_XLSX = "dsa-xlsx"
    JSON = "json"
    HTML = "html"
    PDF = "pdf"


@app.command("transparency")
@friendly_errors
def transparency(
    first: str = FROM,
    last: str = TO,
    fmt: Format = typer.Option(Format.TEXT, "--format", help="text prints a table."),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        dir_okay=False,
        help="Write here instead of standard output (- for standard output).",
    ),
) -> None:
    """A period's figures beside last year's, in words, as of the audit log's head.

    Each figure reads as published figures do: "735, equivalent to 2.0 a day, up 50% on last
    year". Definitions: docs/transparency.md.
    """
    period = Period.parse(first, last)
    output = None if is_stdout(output) else output
    if fmt is Format.PDF and output is None:
        refuse_binary_on_terminal("a PDF")
    with open_container() as container:
        report = container.transparency.report(period)
    if fmt is Format.TEXT and output is None:
        print_report(report)
        return
    chunks = _text(report) if fmt is Format.TEXT else FORMATS[fmt.value].write(report)
    if output is None:
        write_stdout(chunks)
        return
    write_atomically(output, chunks)
    err.print(f"{fmt.value} report for {period} written to {output}", highlight=False)


@app.command("decisions")
@friendly_errors
def decisions(
    first: str = FROM,
    last: str = TO,
    output: Path = typer.Option(
        ..., "--output", "-o", dir_okay=False, help="The CSV file (- for standard output)."
    ),
) -> None:
    """Every decision made in the period as CSV, one row each, streamed.

    Columns: event id, type, received and decided times, verdict, harm, actions, rules, policy
    version. Never content. No row cap; memory stays flat however many decisions there are.
    """
    period = Period.parse(first, last)
    with open_container() as container:
        total = container.transparency.decisions_count(period)
        with _progress() as progress:
            task = progress.add_task("decisions", total=total)
            rows = _counted(container.transparency.decisions(period), progress, task)
            if is_stdout(output):
                write_stdout(decisions_csv(rows))
            else:
                write_atomically(output, decisions_csv(rows))
            progress.update(task, completed=total)
    err.print(f"{total:,} decisions from {period} written to {output}", highlight=False)


def print_report(report: TransparencyReport) -> None:
    console.print(f"[bold]Transparency report: {report.organisation}[/]", highlight=False)
    for line in _facts(report):
        console.print(line, markup=False, highlight=False)
    for section in report.sections:
        grid = table("figure", "this period", "last year", "in words", title=section.title)
        for f in section.figures:
            grid.add_row(f.label, f.shown(), f.shown_previous(), f.wording())
        console.print(grid)


def _facts(report: TransparencyReport) -> list[str]:
    versions = ", ".join(map(str, report.policy_versions)) or "none"
    return [
        f"Period: {report.period} ({report.period.days:.0f} days)",
        f"Accountable senior manager: {report.senior_manager or 'not named'}",
        f"As of audit record {report.audit_head.seq}: {report.audit_head.hash}",
        f"Policy versions in force: {versions}",
    ]


def _text(report: TransparencyReport) -> Iterator[bytes]:
    lines = [f"Transparency report: {report.organisation}", *_facts(report), ""]
    lines += [f"{s.title} | {f.label}: {f.wording()}" for s, f in report.figures()]
    yield ("\n".join(lines) + "\n").encode()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
    )


def _counted(
    rows: Iterable[DecisionFacts], progress: Progress, task: TaskID
) -> Iterator[DecisionFacts]:
    for n, row in enumerate(rows, 1):
        if n % PROGRESS_EVERY == 0:
            progress.update(task, completed=n)
        yield row


def write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """Write to a temporary name beside ``path``, then rename: all or nothing."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
