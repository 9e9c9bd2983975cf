"""Cases: what a moderator reviews, with a state machine of allowed transitions."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from safeguarding.domain.errors import Conflict


class CaseStatus(StrEnum):
    """Where a case is in review."""

    OPEN = "open"
    IN_REVIEW = "in_review"
    ESCALATED = "escalated"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.IN_REVIEW}),
    CaseStatus.IN_REVIEW: frozenset(
        {
            CaseStatus.OPEN,
            CaseStatus.ESCALATED,
            CaseStatus.CONFIRMED,
            CaseStatus.DISMISSED,
        }
    ),
    CaseStatus.ESCALATED: frozenset({CaseStatus.IN_REVIEW}),
    CaseStatus.CONFIRMED: frozenset(),
    CaseStatus.DISMISSED: frozenset({CaseStatus.IN_REVIEW}),
}

DEFAULT_DEADLINE_HOURS = {1: 1, 2: 4, 3: 24, 4: 72}


class Case(BaseModel):
    """A subject under review: the events and signals behind it, priority and deadline."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    queue: str
    priority: int
    status: CaseStatus
    subject_account_id: str
    event_ids: tuple[str, ...]
    rule: str
    opened_at: datetime
    deadline: datetime
    report_to_authority: bool = False
    assignee: str | None = None

    def move_to(self, status: CaseStatus) -> Case:
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise Conflict(f"a case cannot go from {self.status} to {status}")
        return self.model_copy(update={"status": status})

    @staticmethod
    def deadline_for(priority: int, opened_at: datetime, hours: float | None = None) -> datetime:
        return opened_at + timedelta(hours=hours or DEFAULT_DEADLINE_HOURS.get(priority, 72))
