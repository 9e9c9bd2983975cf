"""Cases: what a moderator reviews, with a state machine of allowed transitions."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from safeguarding.domain.errors import Conflict, InvalidInput


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


class Outcome(StrEnum):
    """What a moderator decides about a case."""

    CONFIRM = "confirm"
    DISMISS = "dismiss"
    ESCALATE = "escalate"


# Why, in words a transparency report can count; each outcome takes its own codes.
REASON_CODES: dict[Outcome, tuple[str, ...]] = {
    Outcome.CONFIRM: (
        "known_abuse_image",
        "grooming_confirmed",
        "self_harm_risk",
        "harmful_content",
        "policy_violation",
    ),
    Outcome.DISMISS: ("false_positive", "benign_context", "duplicate", "insufficient_evidence"),
    Outcome.ESCALATE: ("imminent_risk", "needs_specialist", "legal_advice"),
}
OUTCOME_STATUS = {
    Outcome.CONFIRM: CaseStatus.CONFIRMED,
    Outcome.DISMISS: CaseStatus.DISMISSED,
    Outcome.ESCALATE: CaseStatus.ESCALATED,
}


class CaseDecision(BaseModel):
    """A moderator's decision on a case: the outcome, a reason code, a note, who and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    outcome: Outcome
    reason_code: str
    note: str = ""
    by: str
    at: datetime

    def check(self) -> None:
        """Raise InvalidInput when the reason code does not belong to the outcome."""
        allowed = REASON_CODES[self.outcome]
        if self.reason_code not in allowed:
            raise InvalidInput(
                f"reason_code {self.reason_code!r} does not fit {self.outcome.value}; "
                f"use one of: {', '.join(allowed)}"
            )
