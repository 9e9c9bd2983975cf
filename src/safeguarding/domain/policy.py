"""Policy: ordered, versioned rules. ``when`` conditions hold, ``then`` actions follow.

A rule's conditions are all required (a logical AND); write two rules for an OR.
Target conditions hold when any one target of the event meets them all.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.actions import Action
from safeguarding.domain.banks import BankHarm
from safeguarding.domain.events import ConversationKind, EventType, StreamAudience
from safeguarding.domain.relationships import Relationship

# Rules with this tag are the child-safe defaults: relaxing one is recorded in the audit log.
CHILD_SAFETY_DEFAULT = "child_safety_default"


class Mode(StrEnum):
    """Enforce a rule, or only record what it would have done."""

    ENFORCE = "enforce"
    SHADOW = "shadow"


class SignalCondition(BaseModel):
    """Holds when the event has a signal of this detector and kind at or above min_score;
    with ``harm``, only a signal whose evidence names that harm (a bank match names its
    bank's)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    detector: str | None = None
    kind: str | tuple[str, ...] | None = None  # one kind, or any of several
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)
    harm: BankHarm | None = None

    def names_kind(self, kind: str) -> bool:
        """Whether a signal of ``kind`` is of a kind this condition names (or it names none)."""
        if self.kind is None:
            return True
        return kind == self.kind if isinstance(self.kind, str) else kind in self.kind


class AccountCondition(BaseModel):
    """Conditions over one account's facts; every one given must hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    age_band: tuple[AgeBand, ...] | None = None
    account_age_days_under: int | None = Field(default=None, ge=0)
    restricted: bool | None = None


class Condition(BaseModel):
    """A rule's ``when``: every part given must hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: tuple[EventType, ...] | None = None
    signal: SignalCondition | None = None
    actor: AccountCondition | None = None
    target: AccountCondition | None = None
    connected: bool | None = None
    first_contact: bool | None = None
    # The actor has an undecided case about a risk to this target (a held grooming flag).
    under_review: bool | None = None
    # What the platform knows actor and target to be (a family or guardian link counts only
    # when both sides confirm it; see domain/relationships.py).
    relationship: tuple[Relationship, ...] | None = None
    guardian_link: bool | None = None
    # The two have been connected for fewer than this many days (since ``connected_since``).
    connected_days_under: int | None = Field(default=None, ge=0)
    conversation_kind: tuple[ConversationKind, ...] | None = None
    # A live stream's audience as its start said (``public``, ``friends``, ``private``).
    stream_audience: tuple[StreamAudience, ...] | None = None
    # A live-stream gift worth more than this (in the gift's own currency units).
    gift_amount_over: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class Rule(BaseModel):
    """One named rule, enforced or in shadow mode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    when: Condition
    then: tuple[Action, ...]
    mode: Mode = Mode.ENFORCE
    tags: tuple[str, ...] = ()

    @property
    def is_child_safety_default(self) -> bool:
        return CHILD_SAFETY_DEFAULT in self.tags


class PolicyDocument(BaseModel):
    """The rules, in the order they are evaluated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[Rule, ...]

    def relaxed_defaults(self, newer: PolicyDocument) -> list[tuple[str, str]]:
        """Child-safe default rules of this document that ``newer`` removes, changes or shadows."""
        after = {r.name: r for r in newer.rules}
        relaxed = []
        for rule in self.rules:
            if not rule.is_child_safety_default:
                continue
            kept = after.get(rule.name)
            if kept is None:
                relaxed.append((rule.name, "removed"))
            elif kept.mode is not Mode.ENFORCE and rule.mode is Mode.ENFORCE:
                relaxed.append((rule.name, "set to shadow mode"))
            elif kept != rule:
                relaxed.append((rule.name, "changed"))
        return relaxed


class PolicyVersion(BaseModel):
    """A stored policy: its number, digest, source text, and who made it when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    sha256: str
    source: str
    document: PolicyDocument
    created_at: datetime
    created_by: str
    note: str = ""
