"""What the audit log records: every action as an ``AuditAction``, every subject typed.

The values are the strings stored in the log (and hashed into its chain), so they never
change: a stored chain and the documentation that names them stay valid. Services write
records only through ``services/auditor.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safeguarding.domain.transparency import Period


class AuditAction(StrEnum):
    """Every action the audit log records."""

    DECISIONS = "decisions"
    POLICY_UPDATE = "policy.update"
    POLICY_RELAX_DEFAULT = "policy.relax_default"
    KEY_CREATE = "key.create"
    KEY_REVOKE = "key.revoke"
    SESSION_START = "session.start"
    SESSION_END = "session.end"
    CASE_VIEW = "case.view"
    CASE_CLAIM = "case.claim"
    CASE_RELEASE = "case.release"
    CASE_DECIDE = "case.decide"
    EVIDENCE_REVEAL = "evidence.reveal"
    EVIDENCE_READ = "evidence.read"
    EVIDENCE_HOLD = "evidence.hold"
    EVIDENCE_RELEASE = "evidence.release"
    EVIDENCE_PURGE = "evidence.purge"
    REPORT_READ = "report.read"
    REPORT_CONFIRM = "report.confirm"
    REPORT_SUBMIT = "report.submit"
    REPORT_ACKNOWLEDGE = "report.acknowledge"
    REGULATOR_READ = "regulator.read"
    INFORMATION_REQUEST_FILE = "information_request.file"
    INFORMATION_REQUEST_LIST = "information_request.list"
    INFORMATION_REQUEST_READ = "information_request.read"
    INFORMATION_REQUEST_ANSWER = "information_request.answer"
    INFORMATION_REQUEST_FILE_READ = "information_request.file_read"
    COMPLAINT_FILE = "complaint.file"
    COMPLAINT_READ = "complaint.read"  # a user's words, read by anyone but the regulator
    COMPLAINT_DECIDE = "complaint.decide"
    SUPER_COMPLAINT_FILE = "super_complaint.file"
    # A body's words, read by anyone but the regulator.
    SUPER_COMPLAINT_READ = "super_complaint.read"
    SUPER_COMPLAINT_FILE_READ = "super_complaint.file_read"
    SUPER_COMPLAINT_RESPOND = "super_complaint.respond"
    BANK_CREATE = "bank.create"
    BANK_UPDATE = "bank.update"
    BANK_DELETE = "bank.delete"
    BANK_IMPORT = "bank.import"
    BANK_REMOVE_ENTRY = "bank.remove_entry"
    BANK_SWITCH_ENTRY = "bank.switch_entry"
    BANK_ROLLBACK = "bank.rollback"
    BANK_WITHDRAW = "bank.withdraw"  # a partner withdrew entries it had shared
    SHARING_EXPORT = "sharing.export"
    SHARING_IMPORT = "sharing.import"
    RETENTION_CONTENT_REMOVED = "retention.content_removed"
    RISK_ASSESS = "risk.assess"
    RISK_REVIEW_DUE = "risk.review_due"
    CHECKPOINT = "audit.checkpoint"  # the record each automatic checkpoint signs


# The reads that show an event's content to someone at the service.
CONTENT_VIEWS = (AuditAction.EVIDENCE_REVEAL, AuditAction.EVIDENCE_READ)


class Listing(StrEnum):
    """A whole collection (or page of figures) read at once."""

    BANKS = "banks"
    FIGURES = "figures"
    COMPLIANCE = "compliance"
    POLICY = "policy"
    POLICY_HISTORY = "policy.history"
    RISK_ASSESSMENT = "risk_assessment"
    RISK_ASSESSMENT_HISTORY = "risk_assessment.history"
    RISK_ASSESSMENT_EXPORT = "risk_assessment.export"
    COMPLAINTS = "complaints"
    SUPER_COMPLAINTS = "super_complaints"
    DECISION_SAMPLES = "decision_samples"
    INFORMATION_REQUESTS = "information_requests"
    AUTHORITY_REPORTS = "authority reports"


@dataclass(frozen=True)
class AuditSubject:
    """What a record is about, as the text stored in the log (``str()`` gives it)."""

    text: str

    def __str__(self) -> str:
        return self.text

    @classmethod
    def of(cls, listing: Listing) -> AuditSubject:
        return cls(listing.value)

    @classmethod
    def named(cls, identifier: str) -> AuditSubject:
        """Something the log names by its own id or name alone."""
        return cls(identifier)

    # A case, an event, a request, a complaint, a file, and a bank changed: each by its id
    # (or name) alone, as the log has always named them.
    case = event = information_request = complaint = super_complaint = attachment = named
    bank = named

    @classmethod
    def events(cls, count: int) -> AuditSubject:
        """A batch of events, by number (retention)."""
        return cls(f"{count} events")

    @classmethod
    def decisions(cls, count: int, first_event_id: str) -> AuditSubject:
        return cls(f"{count} event(s) from {first_event_id}")

    @classmethod
    def decision(cls, event_id: str) -> AuditSubject:
        """One event's stored decision, as read."""
        return cls(f"decision:{event_id}")

    @classmethod
    def evidence_record(cls, event_id: str) -> AuditSubject:
        return cls(f"evidence record {event_id}")

    @classmethod
    def policy(cls, version: int) -> AuditSubject:
        return cls(f"policy:v{version}")

    @classmethod
    def rule(cls, name: str) -> AuditSubject:
        return cls(f"rule:{name}")

    @classmethod
    def key(cls, key_id: str) -> AuditSubject:
        return cls(f"key:{key_id}")

    @classmethod
    def bank_read(cls, name: str) -> AuditSubject:
        return cls(f"bank:{name}")

    @classmethod
    def risk_assessment(cls, version: int) -> AuditSubject:
        return cls(f"risk_assessment:v{version}")

    @classmethod
    def checkpoint(cls, seq: int) -> AuditSubject:
        return cls(f"audit:{seq}")

    @classmethod
    def page(cls, name: str) -> AuditSubject:
        """A web UI page, by the name its gate declares."""
        return cls(f"ui:{name}")

    @classmethod
    def transparency(
        cls, channel: str, first_day: str, last_day: str, fmt: str | None = None
    ) -> AuditSubject:
        """The transparency report (``channel``: api or ui) for a period, or an export."""
        what = f"transparency.{fmt}" if fmt else "transparency"
        return cls(f"{channel}:{what} {first_day}..{last_day}")

    @classmethod
    def transparency_of(cls, channel: str, period: Period, fmt: str | None = None) -> AuditSubject:
        """``transparency`` for ``period``, named by its first and last day."""
        return cls.transparency(channel, str(period.start.date()), str(period.last_day), fmt)
