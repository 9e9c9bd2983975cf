"""What the SDK's calls return: the server's answers as typed pydantic models.

Every model accepts fields it does not name (``extra="allow"``), so a client keeps working
against a newer server that adds fields; those are on ``model_extra``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """Base of every answer model: unknown fields are kept, never refused."""

    model_config = ConfigDict(extra="allow")


class Action(Answer):
    """An action the policy chose, with its parameters."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class Decision(Answer):
    """The engine's decision on one event: the verdict to act on now, and why."""

    event_id: str
    verdict: str
    actions: list[Action] = Field(default_factory=list)
    signals: list[dict[str, Any]] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list)
    shadow: list[dict[str, Any]] = Field(default_factory=list)
    policy_version: int
    decided_at: datetime
    support: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def action_names(self) -> list[str]:
        return [a.name for a in self.actions]


class EventResult(Answer):
    """One event's result: its decision, and whether it was a replay of a stored event."""

    index: int
    event_id: str
    replayed: bool
    decision: Decision


class EventsAccepted(Answer):
    """202 in distributed mode: every event is queued; ``pending`` ones are not decided yet."""

    status: str
    event_ids: list[str]
    pending: list[str] = Field(default_factory=list)
    decided: list[EventResult] = Field(default_factory=list)


class VisibleItem(Answer):
    """Whether a viewer may see one item, and why."""

    event_id: str
    visible: bool
    reason: str
    rule: str | None = None


class Visibility(Answer):
    """The answers for a viewer, in the order the items were asked."""

    viewer_id: str
    age_band: str
    items: list[VisibleItem]


class RemovedCandidate(Answer):
    """A friend suggestion left out, and the rule behind it."""

    account_id: str
    reason: str
    rule: str | None = None


class Suggestions(Answer):
    """The candidates that may be suggested, and those left out."""

    allowed: list[str]
    removed: list[RemovedCandidate]
    policy_version: int


class Case(Answer):
    """A case in the review queue."""

    case_id: str
    queue: str
    priority: int
    status: str
    subject_account_id: str
    event_ids: list[str]
    rule: str
    opened_at: datetime
    deadline: datetime
    report_to_authority: bool = False
    takedown_by: datetime | None = None  # intimate-image abuse: when it must be down


class BankVersion(Answer):
    """One version of a bank: an import or a rollback."""

    version: int
    created_at: datetime
    added: int = 0
    removed: int = 0
    total: int = 0


class Bank(Answer):
    """A hash bank, its settings, live version and live hashes by type."""

    name: str
    kind: str
    harm: str = "abuse_imagery"
    description: str = ""
    enabled: bool
    pdq_threshold: int
    vpdq_match_percent: float
    created_at: datetime
    version: int
    counts: dict[str, int] = Field(default_factory=dict)
    versions: list[BankVersion] = Field(default_factory=list)


class Complaint(Answer):
    """A user's complaint or appeal, and its outcome once decided."""

    complaint_id: str
    kind: str
    account_id: str
    reason: str
    event_id: str | None = None
    filed_at: datetime
    deadline: datetime
    status: str
    outcome_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
