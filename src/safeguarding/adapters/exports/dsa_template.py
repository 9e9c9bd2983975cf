"""The EU DSA transparency template's own parts (Implementing Regulation (EU) 2024/2835):
quantitative parts as CSV files in a ZIP and as one XLSX workbook, and the qualitative part.

Part names, column headings, applicability wording and the rows of categories and keywords
follow the template as published reports reproduce it (checked on 2026-12-07 against
harmonised-template reports extracted to CSV; the Commission's template file itself could not
be opened here). Written: 1 (report identification), 4 (notices), 5 (own-initiative
measures, illegal content), 7 (complaints and suspensions) and 11 (qualitative). Not written,
because their layout could not be checked here or the engine records nothing for them: 2
(category names), 3 (Member State orders), 6 (own-initiative measures under the terms and
conditions), 8 (automated means), 9 (human resources) and 10 (average monthly recipients).

A cell the engine records is always filled (0 when there were none); a cell it does not
record is left empty and its "Contextual information" cell, where the part has one, says so.
Median times are in hours, as the template asks.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator

from safeguarding.adapters.exports.dsa_categories import CATEGORIES, category_rows
from safeguarding.adapters.exports.xlsx import workbook
from safeguarding.domain.transparency import Harm, TransparencyReport

Table = list[list[str]]
HOSTING = "Only for providers of hosting services, including online platforms"
PLATFORMS = "Only for providers of online platforms"
NOT_RECORDED = "Not recorded by the Safeguarding engine."
NOTICE_COLUMNS = (
    "Number of notices received ",
    "Number of notices received from Trusted flaggers",
    "Number of specific items of information included in the total number of notices",
    "Number of specific items of information included in the total number of notices by "
    "Trusted Flaggers (Trusted Flagger notices)",
    "Median time to take action",
    "Median time to take action (Trusted Flagger notices)",
    "Number of actions taken on the basis of the law",
    "Number of actions taken on the basis of the law (Trusted Flagger notices)",
    "Number of actions taken on the basis of the terms and conditions of the service",
    "Number of actions taken on the basis of the terms and conditions of the service "
    "(Trusted Flagger notices)",
)
MEASURE_COLUMNS = (
    "Number of measures taken at the provider's own initiative ",
    "Number of measures taken after detection with solely automated means ",
    "Visibility restriction Removal", "Visibility restriction Disable",
    "Visibility restriction Demoted", "Visibility restriction Age restricted",
    "Visibility restriction Interaction restricted", "Visibility restriction Labelled ",
    "Visibility restriction Other", "Monetary restriction Suspension",
    "Monetary restriction Termination", "Monetary restriction Other",
    "Provision of the service Suspension", "Provision of the service Termination",
    "Account restriction Suspension", "Account restriction Termination",
)  # fmt: skip
# Our actions under the template's types of restriction (the others the engine never takes).
RESTRICTIONS = {
    "Visibility restriction Removal": "remove",
    "Visibility restriction Disable": "block",
    "Visibility restriction Age restricted": "hide_from_children",
    "Visibility restriction Interaction restricted": "restrict_contact_with_children",
    "Visibility restriction Other": "hold_for_review",
    "Account restriction Suspension": "suspend_account",
}
# Which template keyword each of our harms is counted under.
KEYWORDS = {
    Harm.ABUSE_IMAGERY: "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
    Harm.GROOMING: "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
    Harm.SELF_HARM: "STATEMENT_CATEGORY_SELF_HARM",
    Harm.INTIMATE_IMAGE_ABUSE: "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
    Harm.TERRORISM: "KEYWORD_TERRORIST_CONTENT",
    Harm.OTHER: "TOTAL",
}


def _value(report: TransparencyReport, name: str) -> str:
    figure = report.figure(name)
    if figure.value is None:
        return ""
    if figure.unit == "minutes":
        return f"{figure.value / 60:.2f}"
    return f"{figure.value:g}"


def _count(report: TransparencyReport, name: str) -> str:
    return _value(report, name) or "0"


def _head(report: TransparencyReport) -> list[str]:
    period = report.period
    return [report.organisation, f"{period.start.date()}/{period.last_day}"]


def identification(report: TransparencyReport) -> Table:
    """Part 1: who reports, when, for which period."""
    rows = [
        ("Name of the service provider", report.organisation),
        ("Date of the publication of the report", str(report.generated_at.date())),
        ("Date of the publication of the latest previous report", ""),
        ("Starting date of reporting period", str(report.period.start.date())),
        ("Ending date of reporting period", str(report.period.last_day)),
    ]
    return [["Applicability", "Service", "Indicator", "Value"]] + [
        ["All", report.organisation, label, value] for label, value in rows
    ]


def _by_keyword(report: TransparencyReport, prefix: str) -> dict[str, str]:
    """Our per-harm counts under the template's keywords (and their category's row)."""
    found: dict[str, float] = {}
    for harm, keyword in KEYWORDS.items():
        value = report.figure(f"{prefix}.{harm}").value or 0
        found[keyword] = found.get(keyword, 0) + value
    minors = found["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"]
    found["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"] = (
        minors + found["KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"]
    )
    found["TOTAL"] = report.figure(prefix).value or 0
    return {k: f"{v:g}" for k, v in found.items()}


def _by_category(
    report: TransparencyReport,
    columns: tuple[str, ...],
    contextual: str,
    fill: Callable[[str, list[str]], None],
) -> Table:
    """A part laid out per category and keyword: the header, then a row for TOTAL and each
    category and keyword, its figures and their contextual cells filled by ``fill``."""
    header = ["Applicability", "Service", "Reporting period", "Category of illegal content",
              'Description of the sub-category "Other"', *columns,
              *(f"{contextual} {c}" for c in columns)]  # fmt: skip
    applicability = HOSTING if columns is NOTICE_COLUMNS else "All"
    rows = [header]
    for category, other in category_rows():
        row = [""] * (len(columns) * 2)
        fill(category, row)
        rows.append([applicability, *_head(report), category, other, *row])
    return rows


def notices(report: TransparencyReport) -> Table:
    """Part 4: user reports (notices under Article 16), by category, with the median time."""
    acted = _by_keyword(report, "detection.user_reports")

    def fill(category: str, row: list[str]) -> None:
        if category in acted:
            row[0] = row[8] = acted[category]  # every notice is decided; acted on under T&C
        if category == "TOTAL":
            _notice_totals(report, row)

    return _by_category(report, NOTICE_COLUMNS, "Contextual information on", fill)


def _notice_totals(report: TransparencyReport, row: list[str]) -> None:
    """The TOTAL row of part 4: notices decided, the median time, what is not recorded."""
    width = len(NOTICE_COLUMNS)
    row[0] = _count(report, "notices_decided")
    row[4] = _value(report, "time.notice_to_action.median")
    for unrecorded in (1, 2, 3, 5, 6, 7, 9):
        row[width + unrecorded] = NOT_RECORDED
    row[width + 4] = (
        "From each user report to the first decision on it: a moderator's, else the policy's."
        if row[4]
        else "No user report was decided in the period."
    )


def own_initiative(report: TransparencyReport) -> Table:
    """Part 5: measures the engine took on its own detection, by category and type."""
    found = _by_keyword(report, "detection.proactive")

    def fill(category: str, row: list[str]) -> None:
        if category in found:
            row[0] = row[1] = found[category]
        if category == "TOTAL":
            for index, column in enumerate(MEASURE_COLUMNS):
                if column in RESTRICTIONS:
                    row[index] = _count(report, f"actioned.action.{RESTRICTIONS[column]}")
            row[len(MEASURE_COLUMNS) + 2] = "Types of restriction: counted for all decisions."

    return _by_category(report, MEASURE_COLUMNS, "Contextual Information on", fill)


def complaints(report: TransparencyReport) -> Table:
    """Part 7: appeals, out-of-court disputes and suspensions."""
    section = "Internal complaints mechanism"
    indicator = "Number of complaints submitted to the internal-complaints mechanism"
    found = [
        ("All", section, indicator, "Total number", _count(report, "appeals"), ""),
        (PLATFORMS, section, indicator, "Decisions upheld", _count(report, "appeals.rejected"), ""),
        (PLATFORMS, section, indicator, "Decisions reversed", _count(report, "appeals.upheld"), ""),
        (PLATFORMS, section, indicator, "Median time",
         _value(report, "time.appeal_to_decision.median"),
         "In hours, over the appeals decided; empty when none was."),
        (PLATFORMS, "Out-of-court dispute settlement bodies",
         "Number of disputes submitted to out-of-court dispute settlement bodies",
         "Total number", "", NOT_RECORDED),
        (PLATFORMS, "Suspensions imposed on repeated offenders",
         "Number of suspensions enacted for the provision of manifestly illegal content ",
         "Total number", _count(report, "actioned.action.suspend_account"), ""),
    ]  # fmt: skip
    header = ["Applicability", "Service", "Reporting period", "Section", "Indicator", "Scope",
              "Value", "Contextual Information"]  # fmt: skip
    return [header] + [[a, *_head(report), *rest] for a, *rest in found]


def qualitative(report: TransparencyReport) -> Table:
    """Part 11: the qualitative template (Annex II)."""
    header = ["Applicability", "Service", "Reporting period", "Indicator", "Value"]
    return [header] + [
        [item.applicability, *_head(report), item.indicator, item.value]
        for item in report.qualitative
    ]


PARTS = {
    "1_report_identification": identification,
    "4_notices": notices,
    "5_own_initiative_illegal": own_initiative,
    "7_appeals_and_recidivism": complaints,
    "11_qualitative": qualitative,
}


def parts(report: TransparencyReport) -> dict[str, Table]:
    return {name: write(report) for name, write in PARTS.items()}


def _csv(table: Table) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    return out.getvalue().encode("utf-8")


def dsa_zip(report: TransparencyReport) -> Iterator[bytes]:
    """One CSV per part, in a ZIP, named as the template numbers its parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in parts(report).items():
            archive.writestr(f"{name}.csv", _csv(table))
    yield buffer.getvalue()


def dsa_xlsx(report: TransparencyReport) -> Iterator[bytes]:
    """The same parts as the sheets of one workbook."""
    yield workbook(parts(report))


__all__ = ["CATEGORIES", "dsa_xlsx", "dsa_zip", "parts"]
