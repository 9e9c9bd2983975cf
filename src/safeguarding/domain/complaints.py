"""Complaints, appeals and super-complaints: a voice for users and for the bodies that speak
for children.

A user (through the platform) complains about how the service handled something, or appeals
a decision on their own content or account; each has a deadline and an outcome with a
reason. An appeal that is upheld reverses the decision's effects. A designated advocacy body
files a super-complaint about a systemic problem, with evidence attached, and receives a
reasoned response; the regulator sees them all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.errors import Conflict, InvalidInput


class ComplaintKind(StrEnum):
    """A complaint about the service's handling, or an appeal against a decision."""

    COMPLAINT = "complaint"
    APPEAL = "appeal"


class ComplaintStatus(StrEnum):
    """Open until someone decides it; upheld means the user was right."""

    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


# What a user may say it is about, in codes the transparency report can count.
REASONS: dict[ComplaintKind, tuple[str, ...]] = {
    ComplaintKind.COMPLAINT: (
        "report_not_acted_on",
        "too_slow",
        "harmful_content_still_visible",
        "privacy",
        "other",
    ),
    ComplaintKind.APPEAL: ("not_harmful", "context_missed", "not_me", "other"),
}


class Complaint(BaseModel):
    """One complaint or appeal, its deadline and its outcome."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    complaint_id: str
    kind: ComplaintKind
    account_id: str
    reason: str
    text: str
    event_id: str | None = None
    filed_at: datetime
    filed_via: str
    deadline: datetime
    status: ComplaintStatus = ComplaintStatus.OPEN
    outcome_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    def check(self) -> None:
        """Raise InvalidInput when the reason does not fit the kind, or an appeal names no event."""
        allowed = REASONS[self.kind]
        if self.reason not in allowed:
            raise InvalidInput.about(
                "reason",
                f"reason {self.reason!r} does not fit a {self.kind.value}; "
                f"use one of: {', '.join(allowed)}",
                allowed,
            )
        if self.kind is ComplaintKind.APPEAL and not self.event_id:
            raise InvalidInput.about(
                "event_id", "an appeal names the event whose decision it appeals (event_id)"
            )

    def decided(self, status: ComplaintStatus, reason: str, by: str, at: datetime) -> Complaint:
        if self.status is not ComplaintStatus.OPEN:
            raise Conflict(f"{self.kind.value} {self.complaint_id} was already {self.status.value}")
        if status is ComplaintStatus.OPEN:
            raise InvalidInput.about(
                "status", "decide a complaint as upheld or rejected", ("upheld", "rejected")
            )
        if len(reason.strip()) < 10:
            raise InvalidInput.about("reason", "give the user a reason of at least 10 characters")
        update = {"status": status, "outcome_reason": reason.strip(), "decided_by": by}
        return self.model_copy(update=update | {"decided_at": at})

    def overdue(self, now: datetime) -> bool:
        return self.status is ComplaintStatus.OPEN and now > self.deadline

    @staticmethod
    def deadline_for(filed_at: datetime, days: float) -> datetime:
        return filed_at + timedelta(days=days)


class SuperComplaintStatus(StrEnum):
    """Where a super-complaint is: received, being looked into, answered with reasons."""

    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    RESPONDED = "responded"


class Attachment(BaseModel):
    """Evidence filed with a super-complaint (its content is stored sealed, apart)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attachment_id: str
    name: str
    content_type: str
    size: int
    sha256: str


MIN_RESPONSE = 50


class SuperComplaint(BaseModel):
    """A systemic complaint from a designated advocacy body, and the service's response."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    super_complaint_id: str
    filed_by: str
    organisation: str | None = None  # the advocacy body; its keys (not a key's name) read it
    filed_at: datetime
    title: str
    description: str
    harms: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    status: SuperComplaintStatus = SuperComplaintStatus.RECEIVED
    response: str | None = None
    responded_by: str | None = None
    responded_at: datetime | None = None

    def answered(
        self, status: SuperComplaintStatus, response: str, by: str, at: datetime
    ) -> SuperComplaint:
        if self.status is SuperComplaintStatus.RESPONDED:
            raise Conflict(f"super-complaint {self.super_complaint_id} was already answered")
        if status is SuperComplaintStatus.RECEIVED:
            raise InvalidInput.about(
                "status",
                "move a super-complaint to under_review or responded",
                ("under_review", "responded"),
            )
        if status is SuperComplaintStatus.RESPONDED and len(response.strip()) < MIN_RESPONSE:
            raise InvalidInput.about(
                "response", f"a response gives its reasons: at least {MIN_RESPONSE} characters"
            )
        update = {"status": status, "response": response.strip() or None, "responded_by": by}
        return self.model_copy(update=update | {"responded_at": at})


class Audience(StrEnum):
    """Whom the platform shows complaint wording to."""

    CHILD = "child"  # under 13
    TEEN = "teen"  # 13 to 17
    ADULT = "adult"

    @classmethod
    def of(cls, band: AgeBand) -> Audience:
        if band is AgeBand.UNDER_13:
            return cls.CHILD
        return cls.TEEN if band.is_child else cls.ADULT


# Words a platform can show; short sentences, no jargon, and always a way to get help now.
WORDING: dict[Audience, dict[str, str]] = {
    Audience.CHILD: {
        "how_to_complain": (
            "If something felt wrong, or we made a mistake, tell us. You won't get in trouble."
        ),
        "appeal": (
            "Think we got it wrong about your post? Tell us why and a person will look again."
        ),
        "received": "Thank you for telling us. A real person will look at this.",
        "upheld": "You were right. We have fixed it. Thank you for telling us.",
        "rejected": "We looked again and kept our decision. Here is why:",
        "get_help": (
            "If you feel unsafe or upset, talk to an adult you trust, or call Childline on "
            "0800 1111. It's free."
        ),
    },
    Audience.TEEN: {
        "how_to_complain": (
            "Not happy with how we handled something? Tell us what happened and what you want"
            " us to do."
        ),
        "appeal": (
            "If you think we removed your post or limited your account by mistake, you can "
            "ask us to look again."
        ),
        "received": "We've got your message. Someone will reply by the date shown.",
        "upheld": "We looked again and agree with you. We've put things right.",
        "rejected": "We looked again and are keeping our decision. This is why:",
        "get_help": "Need to talk now? Childline: 0800 1111 (free), or text SHOUT to 85258.",
    },
    Audience.ADULT: {
        "how_to_complain": (
            "You can complain about how we handled a report, a decision or your data."
        ),
        "appeal": (
            "You can appeal a decision about your content or account. Tell us why it was wrong."
        ),
        "received": "Your complaint is logged. We will answer by the date shown.",
        "upheld": "Your complaint was upheld and the decision reversed.",
        "rejected": "Your complaint was not upheld, for the reason below.",
        "get_help": (
            "If you are worried about a child, you can also contact the NSPCC helpline on "
            "0808 800 5000."
        ),
    },
}
