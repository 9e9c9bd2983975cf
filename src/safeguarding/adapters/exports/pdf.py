"""The report as a PDF (fpdf2): the header facts, every section's table, and the charts.

The core PDF fonts cover Latin-1 only, so text outside it (an organisation's name in another
script) is shown with replacement characters rather than failing the export.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from fpdf import FPDF
from fpdf.fonts import FontFace

from safeguarding.adapters.exports.charts import harm_chart, time_chart
from safeguarding.domain.transparency import Section, TransparencyReport

FONT = "Helvetica"
WIDTHS = (62, 24, 24, 80)  # mm: figure, this period, last year, in words
HEADING = FontFace(emphasis="BOLD", fill_color=(237, 242, 247))


def latin1(text: str) -> str:
    """Text the core fonts can draw."""
    return text.encode("latin-1", "replace").decode("latin-1")


def report_pdf(report: TransparencyReport) -> Iterator[bytes]:
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Transparency report: {report.organisation}, {report.period}"))
    pdf.set_author(latin1(report.organisation))
    pdf.set_creation_date(report.generated_at)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _header(pdf, report)
    for section in report.sections:
        _section(pdf, section)
    _charts(pdf, report)
    yield bytes(pdf.output())


def _header(pdf: FPDF, report: TransparencyReport) -> None:
    pdf.set_font(FONT, "B", 16)
    title = latin1(f"Transparency report: {report.organisation}")
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    facts = [
        f"Period: {report.period} ({report.period.days:.0f} days)",
        f"Accountable senior manager: {report.senior_manager or 'not named'}",
        f"Generated: {report.generated_at:%d %B %Y %H:%M} UTC",
        f"As of audit record {report.audit_head.seq}: {report.audit_head.hash}",
        "Policy versions in force: " + (", ".join(map(str, report.policy_versions)) or "none"),
    ]
    for line in facts:
        pdf.multi_cell(0, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, latin1(section.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    with pdf.table(col_widths=WIDTHS, headings_style=HEADING, line_height=4.5) as table:
        table.row(["Figure", "This period", "Last year", "In words"])
        for figure in section.figures:
            cells = [figure.label, figure.shown(), figure.shown_previous(), figure.wording()]
            table.row([latin1(cell) for cell in cells])
    if section.note:
        pdf.set_font(FONT, "I", 8)
        pdf.multi_cell(0, 4.5, latin1(section.note), new_x="LMARGIN", new_y="NEXT")


def _charts(pdf: FPDF, report: TransparencyReport) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, "Charts", new_x="LMARGIN", new_y="NEXT")
    for chart in (harm_chart(report, "png"), time_chart(report, "png")):
        pdf.image(io.BytesIO(chart), w=pdf.epw)
        pdf.ln(4)
