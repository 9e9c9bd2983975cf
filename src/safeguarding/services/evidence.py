"""Evidence: reading it (a role and a reason, audited), what a decision shows of it, legal
holds, and purging what expired.

Every read, hold, release and purge appends an audit record in the same transaction, so
there is no access to evidence that the audit log does not show. A purge leaves the record
as a tombstone (what was kept, from which event, under which rule, until when) and removes
the sealed content once nothing unpurged points to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.decisions import Decision
from safeguarding.domain.errors import AccessDenied, InvalidInput, NotFound
from safeguarding.domain.evidence import EvidenceContent, EvidenceRecord
from safeguarding.domain.ids import Clock
from safeguarding.domain.permissions import Permission
from safeguarding.domain.redaction import content_free
from safeguarding.ports.store import (
    HasAudit,
    HasCases,
    HasEvents,
    HasEvidence,
    HasInformationRequests,
    Transactions,
)
from safeguarding.services import auditor
from safeguarding.services.access import (
    OPERATOR,
    content_grounds,
    reads_content,
    sees_content,
)

READERS = Permission.READ_EVIDENCE
MIN_REASON = 10
_PURGE_CHUNK = 500


class EvidenceWork(HasAudit, HasCases, HasEvents, HasEvidence, HasInformationRequests, Protocol):
    """What preserved evidence reads and writes in one transaction."""


class EvidenceService:
    """The use cases of preserved evidence."""

    def __init__(self, store: Transactions[EvidenceWork], clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def record(self, event_id: str, principal: Principal = OPERATOR) -> EvidenceRecord:
        """What was preserved for an event (no content): a moderator's, of a queue they work.
        Its content hashes go only to those who could read the content (a hash of a message
        confirms a guess at it). A regulator's read is recorded, with the record or not at all."""
        read = auditor.Read(principal, AuditSubject.evidence_record(event_id))
        with auditor.reading(self.store, self.clock, read) as uow:
            found = _existing(uow, event_id)
            if principal.role is Role.MODERATOR:
                content_grounds(uow, principal, event_id, f"the evidence record of {event_id!r}")
            if _may_read(uow, event_id, principal):
                return found
        return found.model_copy(update={"content_sha256": None, "hashes": {}})

    def decision(self, event_id: str, principal: Principal) -> Decision:
        """An event's stored decision as ``principal`` may see it: whole, or without the
        words, links and hashes it quotes (``domain/redaction.py``) for a caller who may not
        read the content. A regulator's read is recorded; NotFound (unrecorded) if none."""
        read = auditor.Read(principal, AuditSubject.decision(event_id))
        with auditor.reading(self.store, self.clock, read) as uow:
            if (found := uow.events.find([event_id]).get(event_id)) is None:
                raise NotFound(f"no event with event_id '{event_id}' is stored")
            whole = sees_content(uow, principal, event_id)
        return found.decision if whole else content_free(found.decision)

    def read(self, event_id: str, principal: Principal, reason: str) -> EvidenceContent:
        """The content itself, for someone entitled to it who says why; the read is audited.

        An admin may read any evidence; a moderator, that of cases in the queues they work;
        a regulator, that of events named by an open formal information request.
        """
        if not READERS.admits(principal):
            raise _denied(principal, f"role {principal.role.value} may not read evidence content")
        _check_reason(reason)
        with self.store.write() as uow:
            record = _existing(uow, event_id)
            grounds = content_grounds(
                uow, principal, event_id, f"the evidence for event {event_id!r}"
            )
            content = uow.evidence.content(record.content_sha256) if record.content_sha256 else None
            if content is None:
                why = "was purged" if record.purged_at else "holds no content"
                raise NotFound(f"the evidence for event {event_id!r} {why}")
            details = {"reason": reason, **grounds}
            self._audit(uow, principal.audit_name, AuditAction.EVIDENCE_READ, event_id, details)
        return EvidenceContent(record=record, content=content)

    def hold(self, event_id: str, reason: str | None, actor: str) -> EvidenceRecord:
        """Set a legal hold (with its reason), or lift it (``reason=None``)."""
        if reason is not None:
            _check_reason(reason)
        with self.store.write() as uow:
            record = _existing(uow, event_id)
            if not uow.evidence.hold(event_id, reason):
                raise NotFound(f"the evidence for event {event_id!r} was purged")
            action = AuditAction.EVIDENCE_HOLD if reason else AuditAction.EVIDENCE_RELEASE
            self._audit(uow, actor, action, event_id, {"reason": reason})
        return record.model_copy(update={"legal_hold": reason is not None, "hold_reason": reason})

    def purge(
        self, actor: str, now: datetime | None = None, progress: Callable[[int], None] | None = None
    ) -> list[EvidenceRecord]:
        """Purge everything past its retention and not on hold, leaving audited tombstones."""
        now = now or self.clock.now()
        purged: list[EvidenceRecord] = []
        while True:
            with self.store.write() as uow:
                due = uow.evidence.expired(now, _PURGE_CHUNK)
                for record in due:
                    uow.evidence.purge(record.event_id, now)
                    self._audit(
                        uow, actor, AuditAction.EVIDENCE_PURGE, record.event_id, _tombstone(record)
                    )
            purged += due
            if progress is not None and due:
                progress(len(due))
            if len(due) < _PURGE_CHUNK:
                return purged

    def _audit(
        self,
        uow: EvidenceWork,
        actor: str,
        action: AuditAction,
        event_id: str,
        details: dict[str, Any],
    ) -> None:
        subject = AuditSubject.event(event_id)
        auditor.record(uow, self.clock.now(), actor, action, subject, details)


def _existing(uow: EvidenceWork, event_id: str) -> EvidenceRecord:
    record = uow.evidence.get(event_id)
    if record is None:
        raise NotFound(f"no evidence was preserved for event {event_id!r}")
    return record


def _may_read(uow: EvidenceWork, event_id: str, principal: Principal) -> bool:
    return READERS.admits(principal) and reads_content(uow, principal, event_id)


def _denied(principal: Principal, detail: str) -> AccessDenied:
    return AccessDenied(detail, principal.role.value, tuple(sorted(r.value for r in READERS.roles)))


def _check_reason(reason: str) -> None:
    if len(reason.strip()) < MIN_REASON:
        raise InvalidInput.about(
            "reason",
            f"give a reason of at least {MIN_REASON} characters (it goes into the audit log)",
        )


def _tombstone(record: EvidenceRecord) -> dict[str, Any]:
    return {
        "content_sha256": record.content_sha256,
        "content_kind": record.content_kind,
        "preserved_at": record.preserved_at.isoformat(),
        "preserved_by": record.preserved_by,
        "retain_until": record.retain_until.isoformat(),
    }
