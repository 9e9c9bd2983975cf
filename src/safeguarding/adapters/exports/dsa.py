"""The report in the shape of the EU DSA transparency template (Implementing Regulation
(EU) 2024/2835, Annex I, quantitative template), as CSV.

One row per template item this engine can speak to, in the template's section order:
1.1 report identification, 1.2 Member State orders, 1.3 notices (Article 16), 1.4
own-initiative moderation, 1.5 complaints, out-of-court disputes and suspensions, 1.6
automated means, 1.7 human resources, 1.8 average monthly active recipients. Categories are
the Statement of Reasons categories and keywords the template uses. Items the engine does not
record are listed with ``applies`` = ``no`` and a note, never left out, so a reader sees what
the service must add from elsewhere. The mapping is documented in ``docs/transparency.md``;
item wording follows the template's, abbreviated. Check it against the Commission's current
template file before filing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from safeguarding.adapters.exports.tables import csv_chunks, number
from safeguarding.domain.transparency import Harm, TransparencyReport

COLUMNS = ("section", "item", "category", "keyword", "value", "applies", "source", "note")
MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
CATEGORIES: dict[Harm, tuple[str, str]] = {
    Harm.ABUSE_IMAGERY: (MINORS, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"),
    Harm.GROOMING: (MINORS, "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"),
    Harm.SELF_HARM: ("STATEMENT_CATEGORY_SELF_HARM", ""),
    Harm.INTIMATE_IMAGE_ABUSE: (
        "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
    ),
    Harm.TERRORISM: ("STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "KEYWORD_TERRORIST_CONTENT"),
    Harm.OTHER: ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", ""),
}
DEFAULTS = (MINORS, "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS")
SUSPENSIONS = "actioned.action.suspend_account"
NOT_RECORDED = "not recorded by the engine; add it from the service's own records"
RESTRICTIONS = (
    ("visibility: access disabled (blocked before delivery)", "block"),
    ("visibility: content removed", "remove"),
    ("visibility: content demoted or age-restricted", "hide_from_children"),
    ("visibility: content held pending review", "hold_for_review"),
    (
        "provision of the service: contact with children restricted",
        "restrict_contact_with_children",
    ),
    ("account: suspended", "suspend_account"),
)


@dataclass(frozen=True)
class Row:
    """One template item: where it is, what it counts, and from which of our figures."""

    section: str
    item: str
    source: str = ""  # a figure name, or empty when the item does not apply
    category: tuple[str, str] = ("", "")
    note: str = ""
    value: Callable[[TransparencyReport], str] | None = None

    def cells(self, report: TransparencyReport) -> list[str]:
        shown = self.shown(report)
        recorded = self.value is not None or bool(self.source)
        # A recorded item with nothing to measure (a median of no notices) is not applicable
        # for the period, and says why, rather than standing applicable and empty.
        applies = "yes" if recorded and shown != "" else "no"
        note = self.note
        if recorded and shown == "":
            note = "; ".join(filter(None, [note, "nothing to measure in this period"]))
        return [self.section, self.item, *self.category, shown, applies, self.source, note]

    def shown(self, report: TransparencyReport) -> str:
        """The item's value: times in hours, as the template asks; empty when not recorded."""
        if self.value is not None:
            return self.value(report)
        if not self.source:
            return ""
        figure = report.figure(self.source)
        if figure.unit == "minutes" and figure.value is not None:
            return number(figure.value / 60)
        return number(figure.value)


def _identification() -> list[Row]:
    section = "1.1 Report identification"
    return [
        Row(section, "Provider name", value=lambda r: r.organisation),
        Row(section, "Reporting period start", value=lambda r: str(r.period.start.date())),
        Row(section, "Reporting period end", value=lambda r: str(r.period.last_day)),
        Row(section, "Date of generation", value=lambda r: r.generated_at.isoformat()),
        Row(
            section,
            "Audit log head (seq:hash)",
            note="ours, not the template's",
            value=lambda r: f"{r.audit_head.seq}:{r.audit_head.hash}",
        ),
    ]


def _orders() -> list[Row]:
    section = "1.2 Member State orders (Art. 9 and 10)"
    return [
        Row(section, "Orders to act against illegal content", note=NOT_RECORDED),
        Row(section, "Orders to provide information", note=NOT_RECORDED),
        Row(section, "Median time to inform of receipt and to give effect", note=NOT_RECORDED),
    ]


def _notices() -> list[Row]:
    section = "1.3 Notices (Art. 16)"
    per_harm = [
        Row(
            section,
            "Notices acted on, by type of alleged illegal content",
            f"detection.user_reports.{harm}",
            CATEGORIES[harm],
            "user reports the engine acted on (the default policy acts on every report)",
        )
        for harm in Harm
    ]
    return [
        Row(section, "Notices acted on (total)", "detection.user_reports"),
        *per_harm,
        Row(section, "Notices submitted by trusted flaggers", note=NOT_RECORDED),
        Row(section, "Actions taken on the basis of the law / of the terms", note=NOT_RECORDED),
        Row(
            section,
            "Notices processed by automated means",
            "detection.user_reports",
            note="every report is decided by policy first, then reviewed by a moderator",
        ),
        Row(
            section,
            "Median time to take action (hours)",
            "time.notice_to_action.median",
            note="from each report to the first decision on it: a moderator's, else the policy's",
        ),
    ]


def _own_initiative() -> list[Row]:
    section = "1.4 Own-initiative content moderation"
    by_harm = [
        Row(
            section,
            "Measures by category, detected by automated means",
            f"detection.proactive.{harm}",
            CATEGORIES[harm],
            "detectors' signals, then policy",
        )
        for harm in Harm
    ]
    by_type = [
        Row(
            section,
            f"Measures by type of restriction: {kind}",
            f"actioned.action.{action}",
            note="every decision that took this action, whatever started it",
        )
        for kind, action in RESTRICTIONS
    ]
    return [
        Row(section, "Measures taken at own initiative (total)", "detection.proactive"),
        *by_harm,
        Row(
            section,
            "Measures by category: restrictions protecting minors by default",
            "detection.default_rules",
            DEFAULTS,
            "child-safe default rules over account facts",
        ),
        *by_type,
        Row(section, "Measures on the basis of the law / of the terms", note=NOT_RECORDED),
    ]


def _complaints() -> list[Row]:
    section = "1.5 Complaints, out-of-court disputes and suspensions (Art. 20, 21, 23)"
    return [
        Row(
            section,
            "Complaints received through the internal system",
            "appeals",
            note="appeals against decisions; complaints about handling are in 'complaints'",
        ),
        Row(section, "Complaints: decision reversed", "appeals.upheld"),
        Row(section, "Complaints: decision upheld", "appeals.rejected"),
        Row(section, "Complaints: pending", "appeals.open"),
        Row(
            section,
            "Median time to decide complaints (hours)",
            "time.appeal_to_decision.median",
            note="from each appeal to its decision, over the appeals decided",
        ),
        Row(section, "Disputes submitted to out-of-court settlement bodies", note=NOT_RECORDED),
        Row(
            section,
            "Suspensions for manifestly illegal content",
            SUSPENSIONS,
            note="automated, on known abuse imagery under the default policy",
        ),
        Row(
            section, "Suspensions for manifestly unfounded notices or complaints", note=NOT_RECORDED
        ),
    ]


def _the_rest() -> list[Row]:
    return [
        Row(
            "1.6 Automated means and indicators of accuracy",
            "Accuracy and error rates",
            note="not in this export; see the detectors' measured figures in the docs",
        ),
        Row(
            "1.7 Human resources",
            "Content moderators by language and qualification",
            note=NOT_RECORDED,
        ),
        Row(
            "1.8 Average monthly active recipients",
            "Average monthly active recipients",
            note=NOT_RECORDED,
        ),
    ]


def rows() -> list[Row]:
    """Every template item, in the template's order."""
    return [
        *_identification(),
        *_orders(),
        *_notices(),
        *_own_initiative(),
        *_complaints(),
        *_the_rest(),
    ]


def dsa_csv(report: TransparencyReport) -> Iterator[bytes]:
    return csv_chunks([COLUMNS, *(row.cells(report) for row in rows())])
