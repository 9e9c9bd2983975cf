"""Formal information requests from the regulator: filed, listed, answered, all audited.

Filing is audited with the events the request names, and that audit record is what opens
those events' evidence content to the regulator (see ``EvidenceService.read``) until an
admin answers the request. A request may name sampled decisions by the pseudonyms the
regulator was shown (``DecisionSamples.resolve``); the filing's audit record keeps the events
they named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditAction, AuditSubject, Listing
from safeguarding.domain.complaints import Attachment
from safeguarding.domain.errors import Conflict, InvalidInput, NotFound
from safeguarding.domain.ids import Clock, IdFactory
from safeguarding.domain.information_requests import InformationRequest, RequestStatus
from safeguarding.ports.store import (
    HasAccounts,
    HasAudit,
    HasCases,
    HasEvents,
    HasInformationRequests,
    Transactions,
)
from safeguarding.services import auditor
from safeguarding.services.complaints import EvidenceFile, attachment_of, check_files
from safeguarding.services.samples import DecisionSamples

MAX_EVENTS = 500


class RequestWork(HasAccounts, HasAudit, HasCases, HasEvents, HasInformationRequests, Protocol):
    """What the regulator's information requests reads and writes in one transaction."""


class InformationRequestService:
    """The regulator files requests; an admin answers them; everyone's access is audited."""

    def __init__(
        self,
        store: Transactions[RequestWork],
        clock: Clock,
        ids: IdFactory,
        samples: DecisionSamples,
    ) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        self.samples = samples

    def file(
        self,
        principal: Principal,
        question: str,
        legal_basis: str,
        deadline: datetime,
        event_ids: tuple[str, ...],
        sampled: tuple[str, ...] = (),
    ) -> InformationRequest:
        """File a request about ``event_ids`` and the ``sampled`` decisions, named by the
        event pseudonyms a sample showed; those are resolved here and the audit record of
        the filing keeps which event each pseudonym named."""
        now = self.clock.now()
        _check(question, legal_basis, deadline, (*event_ids, *sampled), now)
        with self.store.write() as uow:
            resolved = self.samples.resolve(uow, sampled) if sampled else {}
            request = InformationRequest(
                request_id=self.ids.new("irq"),
                filed_by=principal.audit_name,
                filed_at=now,
                question=question.strip(),
                legal_basis=legal_basis.strip(),
                deadline=deadline,
                event_ids=tuple(dict.fromkeys((*event_ids, *resolved.values()))),
            )
            uow.information_requests.add(request)
            details: dict[str, object] = {
                "event_ids": list(request.event_ids),
                "deadline": deadline.isoformat(),
            }
            if resolved:
                details["sampled"] = resolved
            _audit(
                uow,
                now,
                principal.audit_name,
                AuditAction.INFORMATION_REQUEST_FILE,
                request,
                details,
            )
        return request

    def list(self, principal: Principal) -> list[InformationRequest]:
        with self.store.write() as uow:
            found = uow.information_requests.listed()
            _audit(
                uow,
                self.clock.now(),
                principal.audit_name,
                AuditAction.INFORMATION_REQUEST_LIST,
                None,
            )
        return found

    def get(self, request_id: str, principal: Principal) -> InformationRequest:
        with self.store.write() as uow:
            request = _existing(uow, request_id)
            _audit(
                uow,
                self.clock.now(),
                principal.audit_name,
                AuditAction.INFORMATION_REQUEST_READ,
                request,
            )
        return request

    def answer(
        self,
        request_id: str,
        response: str,
        principal: Principal,
        files: Sequence[EvidenceFile] = (),
    ) -> InformationRequest:
        """Answer with text and files (sealed at rest); this closes the evidence access."""
        if not response.strip():
            raise InvalidInput.about("response", "an answer needs some text")
        check_files(files)
        now = self.clock.now()
        named = {self.ids.new("att"): f for f in files}
        with self.store.write() as uow:
            request = _existing(uow, request_id)
            if request.status is not RequestStatus.OPEN:
                raise Conflict(f"information request {request_id} was already answered")
            attachments = tuple(attachment_of(i, f) for i, f in named.items())
            answered = request.answered(response.strip(), principal.audit_name, now, attachments)
            uow.information_requests.put(answered)
            for attachment_id, f in named.items():
                uow.information_requests.file_add(request_id, attachment_id, f.content)
            details = {"files": len(named)}
            _audit(
                uow,
                now,
                principal.audit_name,
                AuditAction.INFORMATION_REQUEST_ANSWER,
                answered,
                details,
            )
        return answered

    def file_content(
        self, request_id: str, attachment_id: str, principal: Principal
    ) -> tuple[Attachment, bytes]:
        """A file sent with an answer; every download is audited."""
        with self.store.write() as uow:
            request = _existing(uow, request_id)
            attachment = next(
                (a for a in request.attachments if a.attachment_id == attachment_id), None
            )
            content = uow.information_requests.file(attachment_id) if attachment else None
            if attachment is None or content is None:
                raise NotFound(f"information request {request_id} has no file {attachment_id!r}")
            details = {"attachment_id": attachment_id}
            now = self.clock.now()
            actor = principal.audit_name
            _audit(uow, now, actor, AuditAction.INFORMATION_REQUEST_FILE_READ, request, details)
        return attachment, content


def _check(
    question: str, legal_basis: str, deadline: datetime, event_ids: tuple[str, ...], now: datetime
) -> None:
    if len(question.strip()) < 10:
        raise InvalidInput.about(
            "question", "a request needs its question (at least 10 characters)"
        )
    if len(legal_basis.strip()) < 5:
        raise InvalidInput.about(
            "legal_basis", "a request names its legal basis, such as 'Online Safety Act s.100'"
        )
    if deadline <= now:
        raise InvalidInput.about(
            "deadline",
            f"the deadline {deadline.isoformat()} has already passed; send a later date",
        )
    if len(event_ids) > MAX_EVENTS:
        raise InvalidInput.about(
            "event_ids", f"a request names at most {MAX_EVENTS} events; split it"
        )


def _existing(uow: RequestWork, request_id: str) -> InformationRequest:
    request = uow.information_requests.get(request_id)
    if request is None:
        raise NotFound(f"no information request {request_id!r}")
    return request


def _audit(
    uow: RequestWork,
    at: datetime,
    actor: str,
    action: AuditAction,
    request: InformationRequest | None,
    details: Mapping[str, object] | None = None,
) -> None:
    subject = (
        AuditSubject.information_request(request.request_id)
        if request
        else AuditSubject.of(Listing.INFORMATION_REQUESTS)
    )
    auditor.record(uow, at, actor, action, subject, dict(details) if details else None)
