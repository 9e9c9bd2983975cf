"""The report as CSV (one row per figure) and JSON, and the decisions behind it as CSV.

CSV is written in chunks of rows, so ten million decisions stream in constant memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice

from safeguarding.domain.decision_facts import DecisionFacts
from safeguarding.domain.transparency import Figure, TransparencyReport, half_up

FIGURE_COLUMNS = (
    "section",
    "name",
    "label",
    "value",
    "daily_rate",
    "previous",
    "change_percent",
    "wording",
)
DECISION_COLUMNS = (
    "event_id",
    "type",
    "received_at",
    "decided_at",
    "verdict",
    "harm",
    "actions",
    "rules",
    "policy_version",
)
CHUNK_ROWS = 1000


def csv_chunks(rows: Iterable[Iterable[object]], chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """CSV lines, ``chunk_rows`` at a time, as UTF-8 bytes, safe to open in a spreadsheet."""
    it = iter(rows)
    while chunk := list(islice(it, chunk_rows)):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows([map(inert, row) for row in chunk])
        yield buffer.getvalue().encode()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula (an id such as "=HYPERLINK(...)"),
    with a leading apostrophe so it shows as text; numbers are left as they are (OWASP's
    advice for CSV injection)."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def number(value: float | None) -> str:
    """A figure's value as CSV reads it: whole numbers bare, others to two decimals."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"


def figure_cells(title: str, figure: Figure) -> list[object]:
    rate = figure.daily_rate
    return [
        title,
        figure.name,
        figure.label,
        number(figure.value),
        "" if rate is None else str(half_up(rate, 1)),
        number(figure.previous),
        "" if figure.change_percent is None else figure.change_percent,
        figure.wording(),
    ]


def report_csv(report: TransparencyReport) -> Iterator[bytes]:
    rows = (figure_cells(section.title, figure) for section, figure in report.figures())
    return csv_chunks([FIGURE_COLUMNS, *rows])


def report_json(report: TransparencyReport) -> Iterator[bytes]:
    yield report.model_dump_json(indent=2).encode() + b"\n"


def timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def decision_cells(facts: DecisionFacts) -> list[object]:
    return [
        facts.event_id,
        facts.event_type,
        timestamp(facts.received_at),
        timestamp(facts.decided_at),
        facts.verdict,
        facts.harm.value,
        ";".join(facts.actions),
        ";".join(facts.rules),
        facts.policy_version,
    ]


def decisions_csv(decisions: Iterable[DecisionFacts]) -> Iterator[bytes]:
    """Every decision as one row (no content, no accounts), streamed."""
    yield from csv_chunks([DECISION_COLUMNS])
    yield from csv_chunks(decision_cells(facts) for facts in decisions)
