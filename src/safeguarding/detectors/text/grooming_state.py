"""What the grooming-risk model keeps for a conversation between messages (never text).

Per participant: profile facts (declared age, its history, account age), how often each cue
group appeared in what they wrote, the ages they stated, and the strongest semantic likeness
of their messages to each grooming stage. Per pair: the relationship the platform knows
(``family``, ``guardian``, ``school``, ``club``, ``mutual_friend``, ``none``). Per
conversation: the stage timeline, the messages that pushed the risk most, the level raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeguarding.domain.relationships import TRUSTED_RELATIONSHIPS, Relationship

# Relationships a platform can know between two accounts (docs/events.md).
RELATIONSHIPS = tuple(r.value for r in Relationship)
TRUSTED_LINKS = frozenset(r.value for r in TRUSTED_RELATIONSHIPS)


@dataclass(slots=True)
class Person:
    """One participant as the model sees them: profile facts and what they have written."""

    declared_age: int | None = None
    declared_history_gap: int = 0  # widest gap between ages declared over time
    account_age_days: int | None = None
    counts: list[int] = field(default_factory=list)
    messages: int = 0
    stated_min: int | None = None
    stated_max: int | None = None
    semantic: list[float] = field(default_factory=list)  # strongest likeness per stage

    def stated(self, age: int) -> None:
        self.stated_min = age if self.stated_min is None else min(self.stated_min, age)
        self.stated_max = age if self.stated_max is None else max(self.stated_max, age)

    @property
    def best_age(self) -> int | None:
        """The stated age where the text gives one that disagrees, else the declared age."""
        if self.stated_max is not None and self.declared_age is not None:
            return (
                self.stated_max
                if abs(self.stated_max - self.declared_age) >= 3
                else (self.declared_age)
            )
        return self.declared_age if self.declared_age is not None else self.stated_max

    @property
    def deception_gap(self) -> int:
        """How far the declared age and the text (or the declared history) disagree, in years."""
        gap = self.declared_history_gap
        if self.declared_age is not None:
            for stated in (self.stated_min, self.stated_max):
                if stated is not None:
                    gap = max(gap, abs(stated - self.declared_age))
        return gap


@dataclass(frozen=True, slots=True)
class Step:
    """One stage seen for the first time from one writer: the timeline a moderator reads."""

    stage: str
    writer: str
    index: int
    event_id: str


def pair_key(a: str, b: str) -> str:
    """The key of an unordered pair of participants (a relationship goes both ways)."""
    return "\t".join(sorted((a, b)))


@dataclass(slots=True)
class ConversationState:
    """Everything the model keeps for one conversation between messages (no text)."""

    people: dict[str, Person] = field(default_factory=dict)
    messages: int = 0
    age_question: tuple[str, int] | None = None  # (asker, age guessed or -1)
    timeline: list[Step] = field(default_factory=list)
    drivers: list[tuple[float, int, str]] = field(default_factory=list)  # (push, index, event)
    risk: float = 0.0
    first_flag_index: int | None = None
    alerted: str = "none"  # the highest level already raised, so each is raised once
    # The riskiest (writer, other) pairs at the last assessment, riskiest first.
    top: list[tuple[str, str]] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # pair_key -> relationship

    def person(self, name: str, groups: int) -> Person:
        found = self.people.get(name)
        if found is None:
            found = self.people[name] = Person(counts=[0] * groups)
        return found

    def widen(self, groups: int) -> None:
        """Give every person a count for each of ``groups`` cue groups (a state stored before
        the lexicon gained a group has fewer; the new ones start at zero)."""
        for person in self.people.values():
            if len(person.counts) < groups:
                person.counts.extend([0] * (groups - len(person.counts)))

    def link(self, a: str, b: str) -> str | None:
        return self.links.get(pair_key(a, b))

    def set_link(self, a: str, b: str, relationship: str | None) -> None:
        """Hold the relationship the platform knows now between two people (None: none known)."""
        if relationship is None:
            self.links.pop(pair_key(a, b), None)
        else:
            self.links[pair_key(a, b)] = relationship

    def to_json(self) -> dict[str, Any]:
        return {
            "people": {k: _person_json(p) for k, p in self.people.items()},
            "messages": self.messages,
            "age_question": list(self.age_question) if self.age_question else None,
            "timeline": [[s.stage, s.writer, s.index, s.event_id] for s in self.timeline],
            "drivers": [list(d) for d in self.drivers],
            "risk": self.risk,
            "first_flag_index": self.first_flag_index,
            "alerted": self.alerted,
            "top": [list(pair) for pair in self.top],
            "links": dict(self.links),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        asked = data.get("age_question")
        return cls(
            people={k: _person_from_json(v) for k, v in data["people"].items()},
            messages=data["messages"],
            age_question=(asked[0], asked[1]) if asked else None,
            timeline=[Step(*s) for s in data["timeline"]],
            drivers=[(float(p), int(i), str(e)) for p, i, e in data["drivers"]],
            risk=float(data["risk"]),
            first_flag_index=data.get("first_flag_index"),
            alerted=data.get("alerted", "none"),
            top=[(a, b) for a, b in data.get("top", ())],
            links=dict(data.get("links", {})),
        )


def _person_json(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in Person.__slots__}


def _person_from_json(data: dict[str, Any]) -> Person:
    """A stored person; fields an older version kept (such as ``late``) are dropped."""
    return Person(**{k: v for k, v in data.items() if k in Person.__slots__})


@dataclass(frozen=True, slots=True)
class Profile:
    """What the platform says about a participant when a message arrives."""

    declared_age: int | None = None
    declared_history_gap: int = 0
    account_age_days: int | None = None


def refresh(person: Person, profile: Profile) -> None:
    """Take a profile's newer facts into a person, remembering how far declared ages moved."""
    if profile.declared_age is not None:
        if person.declared_age is not None and person.declared_age != profile.declared_age:
            person.declared_history_gap = max(
                person.declared_history_gap, abs(person.declared_age - profile.declared_age)
            )
        person.declared_age = profile.declared_age
    person.declared_history_gap = max(person.declared_history_gap, profile.declared_history_gap)
    if profile.account_age_days is not None:
        person.account_age_days = profile.account_age_days
