"""Authority reports: an incident package for a hotline or the police, and two wire formats.

One ``AuthorityReport`` holds what any receiver needs: who reports, what happened and when,
the accounts involved with their age facts, the content by its hashes and preserved-evidence
reference, the conversation excerpt that shows the grooming (a text-only case must be as
complete as an image case), and the signals that raised it. It renders to an NCMEC
CyberTipline-style report or to an NCA-style referral for the UK; both are pydantic models,
so a package that would not validate is never written or sent. No report leaves before a
moderator confirms it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ReportStatus(StrEnum):
    """Where a report is: drafted by policy, confirmed by a moderator, sent, acknowledged."""

    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CONFIRMED = "confirmed"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"


class IncidentType(StrEnum):
    """The kinds of incident the engine reports (named as NCMEC's categories)."""

    CHILD_SEXUAL_ABUSE_MATERIAL = "apparent_child_sexual_abuse_material"
    ONLINE_ENTICEMENT = "online_enticement_of_children"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportedAccount(_Frozen):
    """An account in the incident, by the platform's id, with what is known of its age."""

    account_id: str
    role: Literal["suspect", "child", "other"]
    age_band: str
    declared_age: int | None = None
    age_assurance: str | None = None


class ReportedContent(_Frozen):
    """One piece of content by its hashes, and where the preserved copy is."""

    event_id: str
    kind: Literal["image", "video", "message", "other"]
    sent_at: datetime
    sha256: str | None = None
    md5: str | None = None
    pdq: str | None = None
    matched_bank: str | None = None
    evidence_sha256: str | None = None
    # Whether someone at the service looked at the file (revealed or read it) before the report.
    viewed_by_esp: bool | None = None


class ExcerptLine(_Frozen):
    """One message of the conversation that shows the incident."""

    event_id: str
    sender: str
    sent_at: datetime
    text: str


class AuthorityReport(_Frozen):
    """The incident package, before it takes a receiver's format."""

    report_id: str
    authority: str
    incident_type: IncidentType
    incident_time: datetime
    reporter: str
    accounts: tuple[ReportedAccount, ...]
    contents: tuple[ReportedContent, ...] = ()
    excerpt: tuple[ExcerptLine, ...] = ()
    reasons: tuple[str, ...] = ()  # the signals' explanations
    policy_version: int
    accountable_manager: str = ""  # the named senior manager accountable for children's safety

    def complete(self) -> list[str]:
        """What a receiver could not act without; empty when the report is complete."""
        missing = []
        if not any(a.role == "suspect" for a in self.accounts):
            missing.append("no reported (suspect) account")
        if not self.contents and not self.excerpt:
            missing.append("neither content hashes nor a conversation excerpt")
        return missing


class NcmecReport(_Frozen):
    """A CyberTipline-style report (the fields of NCMEC's reporting API, flattened to JSON)."""

    format: Literal["ncmec-cybertipline-v1"] = "ncmec-cybertipline-v1"
    report_id: str
    reporter: dict[str, str]
    incident_summary: dict[str, str]
    reported_persons: list[dict[str, object]] = Field(min_length=1)
    victims: list[dict[str, object]] = Field(default_factory=list)
    files: list[dict[str, object]] = Field(default_factory=list)
    chat_transcript: list[dict[str, str]] = Field(default_factory=list)
    additional_info: list[str] = Field(default_factory=list)


class NcaReferral(_Frozen):
    """An NCA-style referral of CSEA content or activity (UK, Online Safety Act)."""

    format: Literal["nca-csea-referral-v1"] = "nca-csea-referral-v1"
    reference: str
    provider: str
    offence_indicator: str
    occurred_at: datetime
    subjects: list[dict[str, object]] = Field(min_length=1)
    children: list[dict[str, object]] = Field(default_factory=list)
    material: list[dict[str, object]] = Field(default_factory=list)
    communications: list[dict[str, str]] = Field(default_factory=list)
    grounds: list[str] = Field(min_length=1)
    accountable_manager: str | None = None


def as_ncmec(report: AuthorityReport) -> NcmecReport:
    return NcmecReport(
        report_id=report.report_id,
        reporter=_reporter(report),
        incident_summary={
            "incident_type": report.incident_type.value,
            "incident_date_time": report.incident_time.isoformat(),
        },
        reported_persons=[_person(a) for a in report.accounts if a.role == "suspect"],
        victims=[_person(a) for a in report.accounts if a.role == "child"],
        files=[c.model_dump(mode="json", exclude_none=True) for c in report.contents],
        chat_transcript=[_line(x) for x in report.excerpt],
        additional_info=list(report.reasons),
    )


def as_nca(report: AuthorityReport) -> NcaReferral:
    return NcaReferral(
        reference=report.report_id,
        provider=report.reporter,
        offence_indicator=report.incident_type.value,
        occurred_at=report.incident_time,
        subjects=[_person(a) for a in report.accounts if a.role == "suspect"],
        children=[_person(a) for a in report.accounts if a.role == "child"],
        material=[c.model_dump(mode="json", exclude_none=True) for c in report.contents],
        communications=[_line(x) for x in report.excerpt],
        grounds=list(report.reasons) or ["flagged by policy and confirmed by a moderator"],
        accountable_manager=report.accountable_manager or None,
    )


FORMATS = {"ncmec": as_ncmec, "nca": as_nca}


def _reporter(report: AuthorityReport) -> dict[str, str]:
    named = {"accountable_manager": report.accountable_manager}
    return {"organisation": report.reporter} | (named if report.accountable_manager else {})


def _person(account: ReportedAccount) -> dict[str, object]:
    return account.model_dump(mode="json", exclude={"role"}, exclude_none=True)


def _line(line: ExcerptLine) -> dict[str, str]:
    return {k: str(v) for k, v in line.model_dump(mode="json").items()}


class _ReportLife(_Frozen):
    """A report's life: drafted, confirmed, submitted, where it went."""

    event_id: str
    authority: str
    status: ReportStatus
    created_at: datetime
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    submitted_at: datetime | None = None
    destination: str | None = None


class ReportSummary(_ReportLife):
    """What anyone who follows reports may see of one: no content, only its life and size."""

    counts: dict[str, int] | None = None  # accounts, files and messages in a confirmed package


# Where each wire format keeps the accounts, the files and the messages of a package.
_PACKAGE_PARTS = {
    "accounts": ("reported_persons", "victims", "subjects", "children"),
    "files": ("files", "material"),
    "messages": ("chat_transcript", "communications"),
}


def package_counts(package: dict[str, object]) -> dict[str, int]:
    """How many accounts, files and messages a package holds, in either format."""
    return {
        part: sum(len(v) for k in keys if isinstance(v := package.get(k), list))
        for part, keys in _PACKAGE_PARTS.items()
    }


class ReportRecord(_ReportLife):
    """A report's life: drafted, confirmed (with the package as confirmed), submitted."""

    package: dict[str, object] | None = None

    def summary(self) -> ReportSummary:
        counts = package_counts(self.package) if self.package is not None else None
        return ReportSummary(**self.model_dump(exclude={"package"}), counts=counts)
