"""Formal information requests: the regulator's power to require information from the service.

A request names its question, a deadline and the events it concerns. Filing one is recorded
in the audit log, and that record is what lets the regulator read the evidence content of
those events (and only those) while the request is open; each read is audited too.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from safeguarding.domain.complaints import Attachment


class RequestStatus(StrEnum):
    """Where a request stands."""

    OPEN = "open"
    ANSWERED = "answered"


class InformationRequest(BaseModel):
    """One formal request: who filed it and when, what it asks, by when, and the answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    filed_by: str
    filed_at: datetime
    question: str
    legal_basis: str
    deadline: datetime
    event_ids: tuple[str, ...] = ()
    status: RequestStatus = RequestStatus.OPEN
    response: str | None = None
    responded_by: str | None = None
    responded_at: datetime | None = None
    attachments: tuple[Attachment, ...] = ()  # files sent with the response

    def covers(self, event_id: str) -> bool:
        """Whether this request opens ``event_id``'s evidence to the regulator now."""
        return self.status is RequestStatus.OPEN and event_id in self.event_ids

    def answered(
        self, response: str, by: str, at: datetime, attachments: tuple[Attachment, ...] = ()
    ) -> InformationRequest:
        return self.model_copy(
            update={
                "status": RequestStatus.ANSWERED,
                "response": response,
                "responded_by": by,
                "responded_at": at,
                "attachments": attachments,
            }
        )
