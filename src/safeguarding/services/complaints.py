"""Complaints and appeals from users, super-complaints from advocacy bodies; all audited.

An upheld appeal reverses what the appealed decision did to its author: the content is
reinstated in feeds and the restrictions it caused are lifted, in the same transaction as
the outcome. Super-complaints are read by the body that filed them, by admins and by the
regulator (whose reads are audited); their evidence files are sealed at rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.audit_actions import AuditAction, AuditSubject, Listing
from safeguarding.domain.complaints import (
    WORDING,
    Attachment,
    Audience,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    SuperComplaint,
    SuperComplaintStatus,
)
from safeguarding.domain.decisions import Verdict
from safeguarding.domain.domain_events import ContentReinstated
from safeguarding.domain.errors import AccessDenied, InvalidInput, NotFound
from safeguarding.domain.ids import Clock, IdFactory
from safeguarding.ports.store import (
    HasComplaints,
    HasSuperComplaints,
    RecordsDomainEvents,
    Transactions,
)
from safeguarding.services import auditor
from safeguarding.services.access import check_works_all, event_queues, out_of_scope
from safeguarding.services.reinstatement import (
    ReinstatementWork,
    check_hash_reinstatement,
    reverse,
    reverses,
)

COMPLAINT_READ = AuditAction.COMPLAINT_READ
SUPER_READ = AuditAction.SUPER_COMPLAINT_READ
MAX_FILES = 10
MAX_FILE_BYTES = 5 * 1024 * 1024


class ComplaintWork(
    ReinstatementWork, HasComplaints, HasSuperComplaints, RecordsDomainEvents, Protocol
):
    """What complaints, appeals and super-complaints reads and writes in one transaction."""


@dataclass(frozen=True)
class NewComplaint:
    """What a platform sends on a user's behalf."""

    kind: ComplaintKind
    account_id: str
    reason: str
    text: str
    event_id: str | None = None


@dataclass(frozen=True)
class EvidenceFile:
    """One file an advocacy body attaches to a super-complaint."""

    name: str
    content_type: str
    content: bytes


class ComplaintService:
    """Files, lists and decides complaints and appeals."""

    def __init__(
        self,
        store: Transactions[ComplaintWork],
        clock: Clock,
        ids: IdFactory,
        deadline_days: dict[ComplaintKind, float],
    ) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        self.deadline_days = deadline_days

    def file(self, new: NewComplaint, principal: Principal) -> Complaint:
        now = self.clock.now()
        complaint = Complaint(
            complaint_id=self.ids.new("cmp"),
            kind=new.kind,
            account_id=new.account_id,
            reason=new.reason,
            text=new.text.strip(),
            event_id=new.event_id,
            filed_at=now,
            filed_via=principal.audit_name,
            deadline=Complaint.deadline_for(now, self.deadline_days[new.kind]),
        )
        complaint.check()
        with self.store.write() as uow:
            _check_target(uow, complaint)
            uow.complaints.add(complaint)
            details = {"kind": new.kind.value, "reason": new.reason, "event_id": new.event_id}
            subject = AuditSubject.complaint(complaint.complaint_id)
            auditor.record(uow, now, principal, AuditAction.COMPLAINT_FILE, subject, details)
        return complaint

    def get(self, complaint_id: str, principal: Principal) -> Complaint:
        with self.store.write() as uow:
            complaint = _existing(uow, complaint_id)
            if not _sees(uow, principal, complaint):
                raise out_of_scope(principal, _scope_detail(uow, principal, complaint))
            subject = AuditSubject.complaint(complaint_id)
            auditor.content_read(uow, self.clock.now(), principal, COMPLAINT_READ, subject)
        return complaint

    def list(self, principal: Principal, status: ComplaintStatus | None = None) -> list[Complaint]:
        """Every complaint; a moderator's list holds those about the queues they work."""
        with self.store.write() as uow:
            found = [c for c in uow.complaints.listed(status) if _sees(uow, principal, c)]
            subject = AuditSubject.of(Listing.COMPLAINTS)
            shown = {"complaints": len(found)}
            auditor.content_read(uow, self.clock.now(), principal, COMPLAINT_READ, subject, shown)
        return found

    def decide(
        self, complaint_id: str, status: ComplaintStatus, reason: str, principal: Principal
    ) -> Complaint:
        now = self.clock.now()
        with self.store.write() as uow:
            complaint = _existing(uow, complaint_id)
            check_works_all(principal, _queues(uow, complaint), _what(complaint))
            decided = complaint.decided(status, reason, principal.audit_name, now)
            guard = check_hash_reinstatement(uow, decided, principal)
            uow.complaints.put(decided)
            effects = reverse(uow, decided, principal) if reverses(decided) else {}
            details = {"status": status.value, "reason": decided.outcome_reason, **guard, **effects}
            subject = AuditSubject.complaint(complaint_id)
            auditor.record(uow, now, principal, AuditAction.COMPLAINT_DECIDE, subject, details)
            if effects.get("content_reinstated") and decided.event_id:
                uow.record(ContentReinstated((decided.event_id,)))
        return decided

    @staticmethod
    def wording(band: AgeBand) -> dict[str, str]:
        """What the platform can show this user about complaining, in words for their age."""
        return WORDING[Audience.of(band)]


def _check_target(uow: ComplaintWork, complaint: Complaint) -> None:
    """An appeal is against an action on the appellant's own event; a complaint's event exists."""
    if complaint.event_id is None:
        return
    found = uow.events.decisions([complaint.event_id]).get(complaint.event_id)
    if found is None:
        raise NotFound(f"no event {complaint.event_id!r} is stored")
    author, decision = found
    if complaint.kind is ComplaintKind.APPEAL:
        if author != complaint.account_id:
            raise InvalidInput.about(
                "account_id",
                f"account {complaint.account_id!r} did not post {complaint.event_id!r}; "
                "only its author may appeal its decision",
            )
        if decision.verdict is Verdict.ALLOW and not decision.side_effects():
            raise InvalidInput.about(
                "event_id", f"the decision on {complaint.event_id!r} took no action to appeal"
            )


def _queues(uow: ComplaintWork, complaint: Complaint) -> frozenset[str]:
    """The harm a complaint is about: the queues of the event it names (none: no event)."""
    return event_queues(uow, complaint.event_id) if complaint.event_id else frozenset()


def _sees(uow: ComplaintWork, principal: Principal, complaint: Complaint) -> bool:
    """Moderators see the complaints about the queues they work; the other readers all."""
    return principal.role is not Role.MODERATOR or principal.works_any(_queues(uow, complaint))


def _what(complaint: Complaint) -> str:
    return f"{complaint.kind.value} {complaint.complaint_id}"


def _scope_detail(uow: ComplaintWork, principal: Principal, complaint: Complaint) -> str:
    queues = ", ".join(sorted(_queues(uow, complaint))) or "no review queue"
    return f"{_what(complaint)} is about {queues}, which {principal.name} does not work"


class SuperComplaintService:
    """Advocacy bodies file and follow super-complaints; admins answer; the regulator reads."""

    def __init__(self, store: Transactions[ComplaintWork], clock: Clock, ids: IdFactory) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids

    def file(
        self,
        principal: Principal,
        title: str,
        description: str,
        harms: Sequence[str],
        files: Sequence[EvidenceFile] = (),
    ) -> SuperComplaint:
        _check_super(title, description, files)
        now = self.clock.now()
        attachments = {self.ids.new("att"): f for f in files}
        complaint = SuperComplaint(
            super_complaint_id=self.ids.new("scp"),
            filed_by=principal.audit_name,
            organisation=principal.organisation,
            filed_at=now,
            title=title.strip(),
            description=description.strip(),
            harms=tuple(dict.fromkeys(harms)),
            attachments=tuple(attachment_of(i, f) for i, f in attachments.items()),
        )
        with self.store.write() as uow:
            uow.super_complaints.add(complaint, {i: f.content for i, f in attachments.items()})
            # The title is the advocate's words, sealed in the store: not copied to the audit.
            details = {"harms": list(complaint.harms), "files": len(files)}
            auditor.record(
                uow, now, principal, AuditAction.SUPER_COMPLAINT_FILE, _id(complaint), details
            )
        return complaint

    def list(self, principal: Principal) -> list[SuperComplaint]:
        advocate = principal.role is Role.ADVOCATE
        with self.store.write() as uow:
            if advocate and not principal.organisation:
                found = []  # a key that speaks for no body has filed nothing
            else:
                found = uow.super_complaints.listed(principal.organisation if advocate else None)
            subject = AuditSubject.of(Listing.SUPER_COMPLAINTS)
            shown = {"super_complaints": len(found)}
            auditor.content_read(uow, self.clock.now(), principal, SUPER_READ, subject, shown)
        return found

    def get(self, super_complaint_id: str, principal: Principal) -> SuperComplaint:
        with self.store.write() as uow:
            complaint = self._visible(uow, super_complaint_id, principal)
            subject = AuditSubject.super_complaint(super_complaint_id)
            auditor.content_read(uow, self.clock.now(), principal, SUPER_READ, subject)
        return complaint

    def file_content(
        self, super_complaint_id: str, attachment_id: str, principal: Principal
    ) -> tuple[Attachment, bytes]:
        with self.store.write() as uow:
            complaint = self._visible(uow, super_complaint_id, principal)
            attachment = next(
                (a for a in complaint.attachments if a.attachment_id == attachment_id), None
            )
            content = uow.super_complaints.file(attachment_id) if attachment else None
            if attachment is None or content is None:
                raise NotFound(
                    f"super-complaint {super_complaint_id} has no file {attachment_id!r}"
                )
            details = {"super_complaint_id": super_complaint_id}
            now = self.clock.now()
            read = AuditAction.SUPER_COMPLAINT_FILE_READ
            auditor.record(
                uow, now, principal, read, AuditSubject.attachment(attachment_id), details
            )
        return attachment, content

    def respond(
        self,
        super_complaint_id: str,
        status: SuperComplaintStatus,
        response: str,
        principal: Principal,
    ) -> SuperComplaint:
        now = self.clock.now()
        with self.store.write() as uow:
            complaint = self._visible(uow, super_complaint_id, principal)
            answered = complaint.answered(status, response, principal.audit_name, now)
            uow.super_complaints.put(answered)
            details = {"status": status.value}
            auditor.record(
                uow, now, principal, AuditAction.SUPER_COMPLAINT_RESPOND, _id(answered), details
            )
        return answered

    @staticmethod
    def _visible(
        uow: ComplaintWork, super_complaint_id: str, principal: Principal
    ) -> SuperComplaint:
        found = uow.super_complaints.get(super_complaint_id)
        if found is None:
            raise NotFound(f"no super-complaint {super_complaint_id!r}")
        if principal.role is Role.ADVOCATE and not principal.speaks_for(found.organisation):
            raise AccessDenied(
                f"super-complaint {super_complaint_id} was filed by another body",
                principal.role.value,
                ("admin", "regulator", "advocate (of the body that filed it)"),
            )
        return found


def _check_super(title: str, description: str, files: Sequence[EvidenceFile]) -> None:
    if not 5 <= len(title.strip()) <= 300:
        raise InvalidInput.about("title", "a super-complaint needs a title of 5 to 300 characters")
    if len(description.strip()) < 50:
        raise InvalidInput.about(
            "description", "describe the systemic problem in at least 50 characters"
        )
    check_files(files)


def check_files(files: Sequence[EvidenceFile]) -> None:
    """At most MAX_FILES files, each 1 byte to MAX_FILE_BYTES."""
    if len(files) > MAX_FILES:
        raise InvalidInput.about("files", f"attach at most {MAX_FILES} files")
    for f in files:
        if not f.content or len(f.content) > MAX_FILE_BYTES:
            raise InvalidInput.about(
                "files",
                f"file {f.name!r} is {len(f.content)} bytes; each file takes 1 byte to "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MiB",
            )


def attachment_of(attachment_id: str, f: EvidenceFile) -> Attachment:
    return Attachment(
        attachment_id=attachment_id,
        name=f.name,
        content_type=f.content_type,
        size=len(f.content),
        sha256=hashlib.sha256(f.content).hexdigest(),
    )


def _id(complaint: SuperComplaint) -> AuditSubject:
    return AuditSubject.super_complaint(complaint.super_complaint_id)


def _existing(uow: ComplaintWork, complaint_id: str) -> Complaint:
    found = uow.complaints.get(complaint_id)
    if found is None:
        raise NotFound(f"no complaint or appeal {complaint_id!r}")
    return found
