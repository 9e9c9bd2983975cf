"""Evaluate a policy over an event's signals and account facts, giving a Decision.

Rules run in order. Every matching enforced rule adds its actions; every
matching shadow rule is recorded with what it would have done, and does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.actions import Action
from safeguarding.domain.decisions import Decision, RuleOutcome, Verdict
from safeguarding.domain.events import ConversationKind, EventType
from safeguarding.domain.policy import (
    AccountCondition,
    Condition,
    Mode,
    PolicyVersion,
    Rule,
    SignalCondition,
)
from safeguarding.domain.relationships import Relationship
from safeguarding.domain.signals import Signal


@dataclass(frozen=True)
class AccountFacts:
    """The facts about one account that rules may test."""

    account_id: str
    age_band: AgeBand
    account_age_days: int
    restricted: bool = False


@dataclass(frozen=True)
class TargetFacts(AccountFacts):
    """A target account's facts, plus its relation to the actor."""

    connected: bool = False
    first_contact: bool = False
    under_review: bool = False
    # What the platform knows the two to be (``domain/relationships.py``); None: nothing known.
    relationship: Relationship | None = None
    # Whole days since the two were connected (None: not connected, or since when unknown).
    connected_days: int | None = None

    @property
    def guardian_link(self) -> bool:
        """A family or guardian link that both sides confirm (the only kind the engine keeps)."""
        return self.relationship is not None and self.relationship.trusted


@dataclass(frozen=True)
class PolicyFacts:
    """Everything a rule may look at for one event."""

    event_type: EventType
    actor: AccountFacts
    targets: tuple[TargetFacts, ...] = ()
    conversation_kind: ConversationKind | None = None
    # For an event in a live stream: the audience its start gave, and a gift's amount.
    stream_audience: str | None = None
    gift_amount: float | None = None


def evaluate(
    policy: PolicyVersion,
    event_id: str,
    signals: tuple[Signal, ...],
    facts: PolicyFacts,
    decided_at: datetime,
) -> Decision:
    enforced: list[RuleOutcome] = []
    shadow: list[RuleOutcome] = []
    for rule in _candidates(policy, facts.event_type, signals):
        matched = _match(rule, signals, facts)
        if matched is None:
            continue
        outcome = RuleOutcome.model_construct(
            rule=rule.name, mode=rule.mode.value, actions=rule.then, signal_indexes=matched
        )
        (enforced if rule.mode is Mode.ENFORCE else shadow).append(outcome)
    actions = merge_actions(o.actions for o in enforced)
    # Every part is already a validated domain object: construct, don't validate again.
    return Decision.model_construct(
        event_id=event_id,
        verdict=Verdict.for_actions(actions),
        actions=actions,
        signals=signals,
        rules=tuple(enforced),
        shadow=tuple(shadow),
        policy_version=policy.version,
        decided_at=decided_at,
    )


def _candidates(
    policy: PolicyVersion, event_type: EventType, signals: tuple[Signal, ...]
) -> tuple[Rule, ...]:
    """The rules, in order, that can match an event of this type with signals from these
    detectors and of these kinds; the others cannot, whatever the facts, so they are not
    tried. A policy has dozens of rules and most name an event type or a signal another
    event lacks."""
    index = _INDEXES.get(id(policy.document))
    if index is None or index[0] is not policy.document:
        if len(_INDEXES) >= _INDEXES_KEPT:
            _INDEXES.clear()
        index = _INDEXES[id(policy.document)] = (policy.document, {})
    key = (event_type, frozenset((s.detector, s.kind) for s in signals))
    found = index[1].get(key)
    if found is None:
        found = index[1][key] = tuple(
            rule for rule in policy.document.rules if _could_match(rule, event_type, key[1])
        )
    return found


# Candidate rules per policy document, by (event type, the signals' detectors and kinds).
# The document is kept beside its entry, so an id reused after it is freed is not mistaken.
_Key = tuple[EventType, frozenset[tuple[str, str]]]
_INDEXES: dict[int, tuple[object, dict[_Key, tuple[Rule, ...]]]] = {}
_INDEXES_KEPT = 8


def _could_match(rule: Rule, event_type: EventType, present: frozenset[tuple[str, str]]) -> bool:
    when = rule.when
    if when.event_type is not None and event_type not in when.event_type:
        return False
    condition = when.signal
    if condition is None:
        return True
    return any(
        (condition.detector is None or condition.detector == detector)
        and condition.names_kind(kind)
        for detector, kind in present
    )


def merge_actions(groups: Iterable[tuple[Action, ...]]) -> tuple[Action, ...]:
    """Each action once, in first-seen order; a later rule's parameters fill gaps only."""
    merged: dict[str, Action] = {}
    for group in groups:
        for action in group:
            held = merged.get(action.name)
            if held is None:
                merged[action.name] = action
            else:
                merged[action.name] = Action(
                    name=action.name, params={**action.params, **held.params}
                )
    return tuple(merged.values())


def _match(rule: Rule, signals: tuple[Signal, ...], facts: PolicyFacts) -> tuple[int, ...] | None:
    """The indexes of the signals that made the rule match, or None when it does not."""
    when = rule.when
    if when.event_type is not None and facts.event_type not in when.event_type:
        return None
    if when.conversation_kind is not None and facts.conversation_kind not in when.conversation_kind:
        return None
    if not _stream_holds(when, facts):
        return None
    if when.actor is not None and not _account_holds(when.actor, facts.actor):
        return None
    if not _some_target_holds(rule, facts):
        return None
    if when.signal is None:
        return ()
    hits = tuple(i for i, s in enumerate(signals) if _signal_holds(when.signal, s))
    return hits or None


def _stream_holds(when: Condition, facts: PolicyFacts) -> bool:
    """The live-stream conditions: the stream's audience, and a gift above an amount."""
    if when.stream_audience is not None and facts.stream_audience not in when.stream_audience:
        return False
    over = when.gift_amount_over
    return over is None or (facts.gift_amount is not None and facts.gift_amount > over)


def _some_target_holds(rule: Rule, facts: PolicyFacts) -> bool:
    when = rule.when
    relations = (
        ("connected", when.connected),
        ("first_contact", when.first_contact),
        ("under_review", when.under_review),
        ("guardian_link", when.guardian_link),
    )
    wanted = [(name, value) for name, value in relations if value is not None]
    pair_facts = (when.relationship, when.connected_days_under)
    if when.target is None and not wanted and pair_facts == (None, None):
        return True
    return any(
        (when.target is None or _account_holds(when.target, t))
        and all(getattr(t, name) == value for name, value in wanted)
        and (when.relationship is None or t.relationship in when.relationship)
        and _connected_recently(when.connected_days_under, t.connected_days)
        for t in facts.targets
    )


def _connected_recently(under: int | None, days: int | None) -> bool:
    return under is None or (days is not None and days < under)


def _account_holds(condition: AccountCondition, facts: AccountFacts) -> bool:
    if condition.age_band is not None and facts.age_band not in condition.age_band:
        return False
    if (
        condition.account_age_days_under is not None
        and facts.account_age_days >= condition.account_age_days_under
    ):
        return False
    return condition.restricted is None or facts.restricted == condition.restricted


def _signal_holds(condition: SignalCondition, signal: Signal) -> bool:
    return (
        (condition.detector is None or condition.detector == signal.detector)
        and condition.names_kind(signal.kind)
        and signal.score >= condition.min_score
        and (condition.harm is None or condition.harm == signal.evidence.harm)
    )
