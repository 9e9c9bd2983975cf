"""Contact patterns: an adult reaching many children, and contact through a friend of a friend.

Two behaviours that come before grooming conversations, read from the account facts the
pipeline already has (no text):

- ``many_children_contacted``: an adult has first contacted ``many_children`` (5 by default)
  or more children within seven days, counting this contact request or message;
- ``friend_of_friend_contact``: an adult asks to connect with a child they are not
  connected to, found through a friend of a friend (the grooming pattern of "your friend
  gave me your name").

Options: ``many_children`` (an integer, at least 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.detectors import Detector, DetectorContext
from safeguarding.domain.events import ContactRequestEvent, Event, EventType
from safeguarding.domain.signals import Evidence, Signal, SubjectKind, counted

MANY_CHILDREN = 5


class ContactPatternDetector(Detector):
    """Signals adults who reach many children, or reach a child through a friend's friend."""

    event_types: ClassVar[frozenset[EventType]] = frozenset(
        {EventType.CONTACT_REQUEST, EventType.MESSAGE, EventType.MEDIA}
    )

    def __init__(self, many_children: int = MANY_CHILDREN) -> None:
        self.many_children = many_children

    @classmethod
    def configure(cls, options: Mapping[str, Any]) -> Self:
        unknown = sorted(set(options) - {"many_children"})
        if unknown:
            raise ValueError(f"detector {cls.get_name()} takes only 'many_children', got {unknown}")
        many = int(options.get("many_children", MANY_CHILDREN))
        if many < 2:
            raise ValueError(f"detector {cls.get_name()}: many_children must be at least 2")
        return cls(many)

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        if context.actor.age_band is not AgeBand.ADULT:
            return []
        children = [
            t.account_id
            for t in context.targets
            if t.age_band.is_child and not context.is_connected(t.account_id)
        ]
        if not children:
            return []
        found = []
        if context.children_contacted >= self.many_children:
            found.append(self._many(event, context.children_contacted))
        if isinstance(event, ContactRequestEvent) and event.via == "friend_of_friend":
            found.append(self._friend_of_friend(event))
        return found

    def _many(self, event: Event, count: int) -> Signal:
        return Signal(
            detector=self.get_name(),
            kind="many_children_contacted",
            score=min(1.0, count / (2 * self.many_children)),
            subject=SubjectKind.ACCOUNT,
            subject_id=event.actor_id,
            explanation=(
                f"an adult account first contacted {counted(count, 'child', 'children')} it is "
                f"not connected to within 7 days (the threshold is {self.many_children})"
            ),
            evidence=Evidence(event_ids=(event.event_id,), details={"children": count}),
        )

    def _friend_of_friend(self, event: ContactRequestEvent) -> Signal:
        return Signal(
            detector=self.get_name(),
            kind="friend_of_friend_contact",
            score=0.5,
            subject=SubjectKind.ACCOUNT,
            subject_id=event.actor_id,
            explanation="an adult asked to connect with a child found through a friend of a friend",
            evidence=Evidence(event_ids=(event.event_id,), details={"via": event.via}),
        )
