"""Transparency report exports: CSV, the EU DSA template (one CSV, its parts as a ZIP of CSVs
and as XLSX), JSON, HTML and PDF.

Each format is a function from a ``TransparencyReport`` to an iterator of byte chunks, so
HTTP responses and files stream the same way. ``decisions_csv`` streams the decisions behind
a report, one row each, never their content. Charts are drawn on the server by matplotlib
(Agg, no browser): SVG inline in the HTML page, PNG in the PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from safeguarding.adapters.exports.dsa import dsa_csv
from safeguarding.adapters.exports.dsa_template import dsa_xlsx, dsa_zip
from safeguarding.adapters.exports.html import report_html
from safeguarding.adapters.exports.tables import decisions_csv, report_csv, report_json
from safeguarding.domain.transparency import TransparencyReport


def report_pdf(report: TransparencyReport) -> Iterator[bytes]:
    # fpdf and matplotlib load when a PDF is asked for, not when the server starts.
    from safeguarding.adapters.exports.pdf import report_pdf as write_pdf

    return write_pdf(report)


@dataclass(frozen=True)
class Export:
    """One export format: how it is served and saved, and how it is written."""

    media_type: str
    extension: str
    write: Callable[[TransparencyReport], Iterator[bytes]]


FORMATS: dict[str, Export] = {
    "csv": Export("text/csv; charset=utf-8", "csv", report_csv),
    "dsa-csv": Export("text/csv; charset=utf-8", "dsa.csv", dsa_csv),
    "dsa-zip": Export("application/zip", "dsa.zip", dsa_zip),
    "dsa-xlsx": Export(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "dsa.xlsx", dsa_xlsx
    ),
    "json": Export("application/json", "json", report_json),
    "html": Export("text/html; charset=utf-8", "html", report_html),
    "pdf": Export("application/pdf", "pdf", report_pdf),
}


def filename(report: TransparencyReport, fmt: str) -> str:
    """A download name that says what it holds: transparency-2025-04-01-to-2026-03-31.csv."""
    period = report.period
    return f"transparency-{period.start.date()}-to-{period.last_day}.{FORMATS[fmt].extension}"


__all__ = ["FORMATS", "Export", "decisions_csv", "filename"]
