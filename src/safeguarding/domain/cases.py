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

# A moderator can claim a case (take it into review) from these states.
CLAIMABLE: frozenset[CaseStatus] = frozenset(
    status for status, after in ALLOWED_TRANSITIONS.items() if CaseStatus.IN_REVIEW in after
)

DEFAULT_DEADLINE_HOURS = {1: 1, 2: 4, 3: 24, 4: 72}
# A case is decided once it reaches one of these; until then later signals join it.
DECIDED = frozenset({CaseStatus.CONFIRMED, CaseStatus.DISMISSED})
# Harms about the subject's own wellbeing follow the person, not the conversation: one child's
# self-harm messages in any conversation belong on one case.
ACCOUNT_WIDE_HARMS = frozenset({"self_harm"})


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
    conversation_id: str | None = None
    # When the content must be down by law (intimate-image abuse: 48 hours from the decision,
    # instead of an authority report); None where no such clock runs.
    takedown_by: datetime | None = None

    @property
    def open_key(self) -> str:
        """Harm, subject and conversation: while the case is undecided, no other case has it."""
        conversation = "" if self.queue in ACCOUNT_WIDE_HARMS else self.conversation_id or ""
        return "\x1f".join((self.queue, self.subject_account_id, conversation))

    def absorb(self, later: Case) -> Case:
        """This case with a later signal's case folded in: its events added, and the priority,
        deadline and rule taken from it where it is more severe."""
        update: dict[str, object] = {
            "event_ids": tuple(dict.fromkeys((*self.event_ids, *later.event_ids))),
            "deadline": min(self.deadline, later.deadline),
            "report_to_authority": self.report_to_authority or later.report_to_authority,
            "takedown_by": min(
                (t for t in (self.takedown_by, later.takedown_by) if t is not None), default=None
            ),
        }
        if later.priority < self.priority:
            update |= {"priority": later.priority, "rule": later.rule}
        return self.model_copy(update=update)

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
        "intimate_image_shared",
        "terrorist_content",
        "grooming_confirmed",
        "self_harm_risk",
        "harmful_content",
        "policy_violation",
    ),
    Outcome.DISMISS: ("false_positive", "benign_context", "duplicate", "insufficient_evidence"),
    Outcome.ESCALATE: ("imminent_risk", "needs_specialist", "legal_advice"),
}
# The reason codes that name one harm. A case of that harm offers its own first; a case of
# another harm does not offer it at all (a grooming case is not confirmed as a known image).
HARM_REASONS: dict[str, frozenset[str]] = {
    "abuse_imagery": frozenset({"known_abuse_image"}),
    "intimate_image_abuse": frozenset({"intimate_image_shared"}),
    "terrorism": frozenset({"terrorist_content"}),
    "grooming": frozenset({"grooming_confirmed"}),
    "self_harm": frozenset({"self_harm_risk"}),
}


def reasons_for(queue: str) -> dict[Outcome, tuple[str, ...]]:
    """Each outcome's reason codes for a case in ``queue``, the most likely first: the harm's
    own codes, then those that fit any harm. A queue that is no harm (user reports) gets
    every code, the general ones first."""
    own = HARM_REASONS.get(queue)
    named = frozenset().union(*HARM_REASONS.values())
    offered: dict[Outcome, tuple[str, ...]] = {}
    for outcome, codes in REASON_CODES.items():
        general = tuple(c for c in codes if c not in named)
        if own is None:
            offered[outcome] = general + tuple(c for c in codes if c in named)
        else:
            offered[outcome] = tuple(c for c in codes if c in own) + general
    return offered


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
            raise InvalidInput.about(
                "reason_code",
                f"reason_code {self.reason_code!r} does not fit {self.outcome.value}; "
                f"use one of: {', '.join(allowed)}",
                allowed,
            )
