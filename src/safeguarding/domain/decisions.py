"""Decisions: the verdict on one event, with the rules and signals that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from safeguarding.domain.actions import Action, ActionName
from safeguarding.domain.signals import Signal
from safeguarding.domain.support import SupportNotice


class Verdict(StrEnum):
    """What the platform should do with the event right now."""

    ALLOW = "allow"
    HOLD = "hold"
    BLOCK = "block"

    @classmethod
    def for_actions(cls, actions: tuple[Action, ...]) -> Verdict:
        names = {a.name for a in actions}
        if names & {ActionName.BLOCK, ActionName.REMOVE, ActionName.SUSPEND_ACCOUNT}:
            return cls.BLOCK
        if ActionName.HOLD_FOR_REVIEW in names:
            return cls.HOLD
        return cls.ALLOW


class RuleOutcome(BaseModel):
    """A rule that matched: its actions, and which of the decision's signals made it match."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    mode: str
    actions: tuple[Action, ...]
    signal_indexes: tuple[int, ...] = ()

    @property
    def would_verdict(self) -> Verdict:
        return Verdict.for_actions(self.actions)


class Decision(BaseModel):
    """The verdict for one event plus its actions, signals, rules and policy version.

    Shadow rules are recorded in ``shadow`` exactly as enforced ones are in
    ``rules``, so a platform can see what a rule would have done before it
    turns it on.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    verdict: Verdict
    actions: tuple[Action, ...]
    signals: tuple[Signal, ...]
    rules: tuple[RuleOutcome, ...]
    shadow: tuple[RuleOutcome, ...]
    policy_version: int
    decided_at: datetime
    support: tuple[SupportNotice, ...] = ()

    def side_effects(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.name.has_side_effect)
