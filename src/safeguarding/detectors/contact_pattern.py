"""Contact patterns: behaviours that come before grooming conversations, read from the
account facts the pipeline already has (no text):

- ``many_children_contacted``: an adult has reached for ``many_children`` (5 by default)
  or more children within seven days (contact made or refused), counting this one;
- ``friend_of_friend_contact``: an adult asks to connect with a child they are not
  connected to, found through a friend of a friend (the grooming pattern of "your friend
  gave me your name");
- ``persistent_attempts``: an adult tries again to reach a child they are not connected to
  after ``persistent`` (3 by default) or more of their attempts were refused within seven
  days; the evidence says how many, and over how many days;
- ``child_age_stated``: an adult reaches for a child they are not connected to who is read as
  a child because of an age they gave for themselves in a message ("im 12"); the signal
  names that message, so the decision says why the recipient is protected;
- ``age_deception``: an account declares a child's age two or more years below the oldest
  it has claimed (an adult presenting as a child); its restrictions do not change with it.

Options: ``many_children`` (an integer, at least 2), ``persistent`` (an integer, at least 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from safeguarding.domain.accounts import Account, AgeBand, StatedAge
from safeguarding.domain.detectors import Detector, DetectorContext, DetectorResources
from safeguarding.domain.events import (
    CONTACT_EVENT_TYPES,
    ContactRequestEvent,
    Event,
    EventType,
    ProfileUpdateEvent,
)
from safeguarding.domain.signals import Evidence, Signal, SubjectKind, counted

MANY_CHILDREN = 5
PERSISTENT = 3
ADULT_AGE = 18


class ContactPatternDetector(Detector):
    """Signals adults who reach many children, or reach a child through a friend's friend."""

    event_types: ClassVar[frozenset[EventType]] = CONTACT_EVENT_TYPES | {EventType.PROFILE_UPDATE}

    def __init__(self, many_children: int = MANY_CHILDREN, persistent: int = PERSISTENT) -> None:
        self.many_children = many_children
        self.persistent = persistent

    @classmethod
    def configure(
        cls, options: Mapping[str, Any], resources: DetectorResources | None = None
    ) -> Self:
        cls.refuse_unknown_options(options, "many_children", "persistent")
        many = int(options.get("many_children", MANY_CHILDREN))
        if many < 2:
            raise ValueError(f"detector {cls.get_name()}: many_children must be at least 2")
        persistent = int(options.get("persistent", PERSISTENT))
        if persistent < 1:
            raise ValueError(f"detector {cls.get_name()}: persistent must be at least 1")
        return cls(many, persistent)

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        if isinstance(event, ProfileUpdateEvent):
            return self._age_drop(event, context)
        if context.actor.actor_band is not AgeBand.ADULT:
            return []
        children = [
            t.account_id
            for t in context.targets
            if t.age_band.is_child and not context.is_connected(t.account_id)
        ]
        if not children:
            return []
        found = [
            self._stated(event, t, stated)
            for t in context.targets
            if t.account_id in children and (stated := t.protected_by_statement()) is not None
        ]
        if context.children_contacted >= self.many_children:
            found.append(self._many(event, context.children_contacted))
        if isinstance(event, ContactRequestEvent) and event.via == "friend_of_friend":
            found.append(self._friend_of_friend(event))
        if len(context.refusals) >= self.persistent:
            found.append(self._persistent(event, context))
        return found

    def _persistent(self, event: Event, context: DetectorContext) -> Signal:
        refused = len(context.refusals)
        days = len({at.date() for at in context.refusals})
        return self._about_actor(
            event,
            "persistent_attempts",
            min(1.0, refused / (2 * self.persistent)),
            f"an adult tried again to reach a child after {counted(refused, 'refused attempt')} "
            f"on {counted(days, 'day')} within 7 days",
            {"refused": refused, "days": days},
        )

    def _stated(self, event: Event, target: Account, stated: StatedAge) -> Signal:
        return Signal(
            detector=self.get_name(),
            kind="child_age_stated",
            score=1.0,
            subject=SubjectKind.CONTENT,
            subject_id=stated.event_id,
            explanation=(
                f"the recipient said they were {stated.age} in message {stated.event_id}, so "
                "they are protected as a child whatever their profile says"
            ),
            evidence=Evidence(
                event_ids=(stated.event_id,),
                details={"account_id": target.account_id, "stated_age": stated.age},
            ),
        )

    def _age_drop(self, event: ProfileUpdateEvent, context: DetectorContext) -> list[Signal]:
        declared = "declared_age" in event.model_fields_set
        check = event.age_assurance
        age = event.declared_age if declared else check.claimed_age() if check else None
        if age is None or age >= ADULT_AGE:
            return []  # an adult shaving years off is no one's risk; presenting as a child is
        drop = context.actor.age_drop(age)
        if not drop:
            return []
        explanation = (
            f"the declared age dropped to a child's, {drop} years below the oldest age the "
            "account has claimed"
        )
        score = min(1.0, 0.5 + drop / 20)
        return [
            self._about_actor(event, "age_deception", score, explanation, {"years_dropped": drop})
        ]

    def _many(self, event: Event, count: int) -> Signal:
        return self._about_actor(
            event,
            "many_children_contacted",
            min(1.0, count / (2 * self.many_children)),
            f"an adult account tried to reach {counted(count, 'child', 'children')} it is not "
            f"connected to within 7 days (the threshold is {self.many_children})",
            {"children": count},
        )

    def _about_actor(
        self, event: Event, kind: str, score: float, explanation: str, details: dict[str, Any]
    ) -> Signal:
        """A signal about the account that did the event, with this event as its evidence."""
        return Signal(
            detector=self.get_name(),
            kind=kind,
            score=score,
            subject=SubjectKind.ACCOUNT,
            subject_id=event.actor_id,
            explanation=explanation,
            evidence=Evidence(event_ids=(event.event_id,), details=details),
        )

    def _friend_of_friend(self, event: ContactRequestEvent) -> Signal:
        return self._about_actor(
            event,
            "friend_of_friend_contact",
            0.5,
            "an adult asked to connect with a child found through a friend of a friend",
            {"via": event.via},
        )
