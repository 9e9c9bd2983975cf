"""What a transparency report reads of stored decisions, and the running counts it keeps.

``DecisionFacts`` is a stored decision reduced to what figures need (never content, never
accounts); ``ActionTally`` adds them up one at a time, so memory stays flat however many
decisions a period holds. ``is_child_safe_default`` recognises the rules that protect
children by default from their conditions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from safeguarding.domain.events import CONTACT_EVENT_TYPES, EventType
from safeguarding.domain.policy import Rule
from safeguarding.domain.transparency import Harm, harm_from, harm_signals

# -- the child-safe defaults --------------------------------------------------------------
CONTACT_TYPES = CONTACT_EVENT_TYPES
# Signals that restate a fact of the contact itself (how the adult found the child), not what
# was sent or how the adult behaved over time; the detector raises them only for a child.
CONTACT_ROUTE_SIGNALS = frozenset({("contact_pattern", "friend_of_friend_contact")})


def is_child_safe_default(rule: Rule) -> bool:
    """Whether a rule protects children by default: it decides who may reach a child, not
    what was said.

    True for a rule tagged ``child_safety_default``, and for a rule about contact (its event
    types are all ``message``, ``media``, ``contact_request``, ``group_add`` or ``post``) that
    reads no content or behaviour: either it names no signal and requires a child target
    (every ``target`` age band is a child's), or its only signal is a contact-route fact
    (``contact_pattern``/``friend_of_friend_contact``). In the default policy these are
    ``restricted-account-contacting-child``, ``adult-contact-request-to-unconnected-child``,
    ``adult-contact-with-unconnected-child``, ``friend-of-friend-adult-contact`` and
    ``new-adult-account-first-contact-with-child``.
    """
    if rule.is_child_safety_default:
        return True
    when = rule.when
    if when.event_type is None or not set(when.event_type) <= CONTACT_TYPES:
        return False
    if when.signal is not None:
        return (when.signal.detector, when.signal.kind) in CONTACT_ROUTE_SIGNALS
    bands = when.target.age_band if when.target is not None else None
    return bool(bands) and all(band.is_child for band in bands or ())


# -- decisions as the report reads them ---------------------------------------------------
Detection = Literal["detector", "user_report", "rule"]


@dataclass(frozen=True)
class DecisionFacts:
    """What a report reads of one stored decision: never the content, never the accounts."""

    event_id: str
    event_type: str
    received_at: datetime
    decided_at: datetime
    verdict: str
    policy_version: int
    actions: tuple[str, ...]
    rules: tuple[str, ...]
    harm: Harm
    detection: Detection

    @property
    def actioned(self) -> bool:
        """Whether the decision did something: a verdict other than allow, or any action."""
        return self.verdict != "allow" or bool(self.actions)

    @classmethod
    def from_stored(
        cls,
        event_type: str,
        received_at: datetime,
        decision: Mapping[str, Any],
    ) -> DecisionFacts:
        """From a decision as stored (``Decision.model_dump(mode="json")``), without
        validating it again: a report reads millions of them."""
        actions = decision.get("actions") or []
        rules = decision.get("rules") or []
        pairs = [(s["detector"], s["kind"]) for s in decision.get("signals") or []]
        cited = {i for r in rules for i in r.get("signal_indexes") or ()}
        queue = next(
            (str(a.get("params", {}).get("queue", "general")) for a in actions
             if a["name"] == "open_case"),
            None,
        )  # fmt: skip
        signals = harm_signals(
            [
                (s["detector"], s["kind"], (s.get("evidence") or {}).get("harm"))
                for s in decision.get("signals") or []
            ],
            cited,
        )
        return cls(
            event_id=decision["event_id"],
            event_type=event_type,
            received_at=received_at,
            decided_at=datetime.fromisoformat(decision["decided_at"]),
            verdict=decision["verdict"],
            policy_version=int(decision["policy_version"]),
            actions=tuple(a["name"] for a in actions),
            rules=tuple(r["rule"] for r in rules),
            harm=harm_from(queue, signals),
            detection=_detection(event_type, [pairs[i] for i in sorted(cited) if i < len(pairs)]),
        )


def _detection(event_type: str, cited: list[tuple[str, str]]) -> Detection:
    if event_type == EventType.USER_REPORT:
        return "user_report"
    if any(detector != "user_report" for detector, _ in cited):
        return "detector"
    return "rule"


@dataclass
class ActionTally:
    """Counts over actioned decisions, added one at a time: memory stays flat however many."""

    total: int = 0
    by_harm: Counter[str] = field(default_factory=Counter)
    by_action: Counter[str] = field(default_factory=Counter)
    by_detection: Counter[str] = field(default_factory=Counter)
    found: Counter[tuple[str, str]] = field(default_factory=Counter)  # (detection, harm)
    daily: dict[date, Counter[str]] = field(default_factory=dict)

    def add(self, facts: DecisionFacts) -> None:
        self.total += 1
        self.by_harm[facts.harm] += 1
        self.by_action.update(facts.actions)
        self.by_detection[facts.detection] += 1
        self.found[facts.detection, facts.harm] += 1
        self.daily.setdefault(facts.decided_at.date(), Counter())[facts.harm] += 1


@dataclass(frozen=True)
class TimeQuantiles:
    """Nearest-rank median and 90th percentile of some durations, in seconds."""

    count: int = 0
    median_s: float | None = None
    p90_s: float | None = None
