"""The grooming-risk model: a conversation's state, updated one message at a time, and its risk.

The state holds, per participant, how often each cue group appeared in what
they wrote, the ages they stated, how many of their messages were late at
night, and the profile facts last seen for them (declared age, its history,
account age). It never holds text. Each message updates the state in place
and the risk is read from it again: nothing re-reads the history.

Risk is read for each ordered pair (writer, other) as a logistic regression
over ``FEATURES`` (the writer's stage cues, both people's ages and the gap,
age deception, a new account, late-night contact, and the family, club,
surprise and safety-talk context that the hard benign conversations show);
the conversation's risk is its riskiest pair. The weights and the two
thresholds (``flag`` and ``high``) are fitted by ``scripts/fit_grooming.py``
and shipped in ``models/grooming/model.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from safeguarding.detectors.text.grooming_cues import CueReader, MessageCues, shared_reader

MODEL_PATH = Path(__file__).parent / "models" / "grooming" / "model.json"
NEW_ACCOUNT_DAYS = 30
LATE_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4})
MAX_TIMELINE = 24
FULL_SCAN_PEOPLE = 8  # up to this many people, every pair is scored on each message
TOP_PAIRS = 8  # the riskiest pairs a big group's state keeps, to rescore on every message
MAX_DRIVERS = 6
CONTEXT_GROUPS = ("family", "surprise", "professional", "safety_talk")


@dataclass(slots=True)
class Person:
    """One participant as the model sees them: profile facts and what they have written."""

    declared_age: int | None = None
    declared_history_gap: int = 0  # widest gap between ages declared over time
    account_age_days: int | None = None
    counts: list[int] = field(default_factory=list)
    messages: int = 0
    late: int = 0
    stated_min: int | None = None
    stated_max: int | None = None

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

    def person(self, name: str, groups: int) -> Person:
        found = self.people.get(name)
        if found is None:
            found = self.people[name] = Person(counts=[0] * groups)
        return found

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
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        asked = data.get("age_question")
        return cls(
            people={k: Person(**v) for k, v in data["people"].items()},
            messages=data["messages"],
            age_question=(asked[0], asked[1]) if asked else None,
            timeline=[Step(*s) for s in data["timeline"]],
            drivers=[(float(p), int(i), str(e)) for p, i, e in data["drivers"]],
            risk=float(data["risk"]),
            first_flag_index=data.get("first_flag_index"),
            alerted=data.get("alerted", "none"),
            top=[(a, b) for a, b in data.get("top", ())],
        )


def _person_json(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in Person.__slots__}


@dataclass(frozen=True, slots=True)
class Profile:
    """What the platform says about a participant when a message arrives."""

    declared_age: int | None = None
    declared_history_gap: int = 0
    account_age_days: int | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The conversation's risk after a message, and who and what drove it."""

    risk: float
    level: str  # "none" | "flag" | "high"
    writer: str | None
    other: str | None
    reasons: tuple[str, ...]
    pushes: dict[str, float]
    message_push: float


def feature_names(reader: CueReader) -> tuple[str, ...]:
    stages = tuple(f"stage_{s}" for s in reader.stages)
    return (
        *stages,
        "stages_distinct",
        "stages_with_child",
        "asked_child_age",
        "other_is_child",
        "other_age_unknown",
        "writer_is_adult",
        "writer_age_unknown",
        "age_gap",
        "age_deception",
        "child_cues_other",
        "adult_cues_writer",
        "new_account",
        "late_night",
        "group_chat",
        *(f"context_{c}" for c in CONTEXT_GROUPS),
    )


class GroomingModel:
    """Fitted weights over ``features``, the thresholds, and the incremental update."""

    def __init__(
        self,
        reader: CueReader,
        weights: np.ndarray,
        bias: float,
        flag: float,
        high: float,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.reader = reader
        self.features = feature_names(reader)
        if weights.shape != (len(self.features),):
            raise ValueError(f"model has {weights.shape} weights for {len(self.features)} features")
        self.weights = weights.astype(np.float64)
        self.bias = float(bias)
        self.flag = float(flag)
        self.high = float(high)
        self.meta = meta or {}
        self._groups = len(reader.lexicon.names)
        self._stage_weights = {s: float(w) for s, w in zip(reader.stage_ids, weights, strict=False)}

    # -- updating ---------------------------------------------------------
    def update(
        self,
        state: ConversationState,
        writer: str,
        text: str,
        at: datetime,
        event_id: str,
        profiles: dict[str, Profile],
    ) -> Assessment:
        """Add one message to the state and assess the conversation after it."""
        for name, profile in profiles.items():
            _refresh(state.person(name, self._groups), profile)
        person = state.person(writer, self._groups)
        cues = self.reader.read(text, self._pending_question(state, writer))
        self._count(state, person, cues, at)
        self._record_age_question(state, writer, cues)
        self._record_timeline(state, writer, cues, event_id)
        assessment = self.assess(state, writer)
        push = self._message_push(cues) if assessment.writer == writer else 0.0
        if push > 0:
            state.drivers = sorted([*state.drivers, (push, state.messages, event_id)])[
                -MAX_DRIVERS:
            ]
        state.messages += 1
        state.risk = assessment.risk
        if assessment.level != "none" and state.first_flag_index is None:
            state.first_flag_index = state.messages - 1
        return assessment

    def _pending_question(self, state: ConversationState, writer: str) -> int | None:
        if state.age_question is None or state.age_question[0] == writer:
            return None
        return state.age_question[1]

    def _count(self, state: ConversationState, person: Person, cues: MessageCues, at: datetime):
        person.counts = [a + b for a, b in zip(person.counts, cues.counts, strict=True)]
        person.messages += 1
        person.late += at.hour in LATE_HOURS
        if cues.stated_age is not None:
            person.stated(cues.stated_age)

    def _record_age_question(self, state: ConversationState, writer: str, cues: MessageCues):
        if cues.asks_age:
            state.age_question = (writer, cues.asked_number if cues.asked_number else -1)
        elif state.age_question and state.age_question[0] != writer:
            state.age_question = None  # answered (or ignored): a later number is not a reply

    def _record_timeline(self, state: ConversationState, writer: str, cues: MessageCues, eid: str):
        seen = {(s.stage, s.writer) for s in state.timeline}
        for stage, group in zip(self.reader.stages, self.reader.stage_ids, strict=True):
            if (
                cues.has(group)
                and (stage, writer) not in seen
                and len(state.timeline) < MAX_TIMELINE
            ):
                state.timeline.append(Step(stage, writer, state.messages, eid))

    def _message_push(self, cues: MessageCues) -> float:
        """How much this message's stage cues push its writer's risk."""
        return sum(self._stage_weights[g] * math.log1p(cues.counts[g]) for g in self._stage_weights)

    # -- reading ----------------------------------------------------------
    def assess(self, state: ConversationState, writer: str | None = None) -> Assessment:
        """The riskiest ordered pair's risk, level and strongest reasons.

        A small conversation is scored pair by pair in full. In a big group that would cost
        the square of its size on every message (a 200-member group: 40,000 pairs), so there
        only the pairs a message can change are scored, the writer's with everyone, along
        with the riskiest pairs found before (kept in the state). A message changes only its
        writer's counts, so a pair left out keeps the score it had; the riskiest of those is
        among the kept ones unless more than TOP_PAIRS pairs fell below it at once.
        """
        group = len(state.people) > 2
        scored: list[tuple[float, str, str, np.ndarray]] = []
        for a, b in dict.fromkeys(self._pairs(state, writer)):
            person, them = state.people[a], state.people[b]
            if person.messages:
                x = self.pair_features(person, them, group)
                scored.append((_sigmoid(float(self.weights @ x) + self.bias), a, b, x))
        if not scored:
            return Assessment(0.0, "none", None, None, (), {}, 0.0)
        scored.sort(key=lambda item: item[0], reverse=True)
        state.top = [(a, b) for _, a, b, _ in scored[:TOP_PAIRS]]
        return self._assessment(*scored[0])

    @staticmethod
    def _pairs(state: ConversationState, writer: str | None) -> Iterator[tuple[str, str]]:
        names = list(state.people)
        if writer is None or len(names) <= FULL_SCAN_PEOPLE:
            yield from ((a, b) for a in names for b in names if a != b)
            return
        for other in names:
            if other != writer:
                yield (writer, other)
                yield (other, writer)
        yield from (pair for pair in state.top if set(pair) <= state.people.keys())

    def pair_features(self, writer: Person, other: Person, group_chat: bool) -> np.ndarray:
        """The feature vector for "``writer`` grooming ``other``" (see ``features``)."""
        g = self.reader.group
        c = writer.counts
        stage_counts = [c[i] for i in self.reader.stage_ids]
        distinct = sum(1 for n in stage_counts if n) / 4.0
        other_age, writer_age = other.best_age, writer.best_age
        child = 1.0 if other_age is not None and other_age < 18 else 0.0
        unknown = 1.0 if other_age is None else 0.0
        childish = child + 0.5 * unknown
        gap = 0.0
        if other_age is not None and writer_age is not None:
            gap = min(max((writer_age - other_age) / 10.0, 0.0), 3.0)
        context = [math.log1p(writer.counts[g[n]] + other.counts[g[n]]) for n in CONTEXT_GROUPS]
        values = [
            *(math.log1p(n) for n in stage_counts),
            distinct,
            distinct * childish,
            (1.0 if c[g["age_question"]] else 0.0) * childish,
            child,
            unknown,
            1.0 if writer_age is not None and writer_age >= 18 else 0.0,
            1.0 if writer_age is None else 0.0,
            gap,
            min(writer.deception_gap / 5.0, 2.0),
            math.log1p(other.counts[g["child_context"]] + other.counts[g["child_age"]]),
            math.log1p(c[g["adult_context"]]),
            1.0
            if writer.account_age_days is not None and writer.account_age_days <= NEW_ACCOUNT_DAYS
            else 0.0,
            writer.late / writer.messages if writer.messages else 0.0,
            1.0 if group_chat else 0.0,
            *context,
        ]
        return np.asarray(values, dtype=np.float64)

    def _assessment(self, risk: float, writer: str, other: str, x: np.ndarray) -> Assessment:
        pushes = {
            name: float(w * v)
            for name, w, v in zip(self.features, self.weights, x, strict=True)
            if w * v > 0.05
        }
        reasons = tuple(sorted(pushes, key=pushes.__getitem__, reverse=True))
        return Assessment(risk, self.level(risk), writer, other, reasons, pushes, 0.0)

    def level(self, risk: float) -> str:
        if risk >= self.high:
            return "high"
        return "flag" if risk >= self.flag else "none"

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "thresholds": {"flag": self.flag, "high": self.high},
            "meta": self.meta,
        }


def _refresh(person: Person, profile: Profile) -> None:
    if profile.declared_age is not None:
        if person.declared_age is not None and person.declared_age != profile.declared_age:
            person.declared_history_gap = max(
                person.declared_history_gap, abs(person.declared_age - profile.declared_age)
            )
        person.declared_age = profile.declared_age
    person.declared_history_gap = max(person.declared_history_gap, profile.declared_history_gap)
    if profile.account_age_days is not None:
        person.account_age_days = profile.account_age_days


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0


def load(path: Path = MODEL_PATH, reader: CueReader | None = None) -> GroomingModel:
    """Read a fitted model (weights by feature name, so a reordering is caught)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    model_reader = reader or shared_reader()
    names = feature_names(model_reader)
    if tuple(data["features"]) != names:
        raise ValueError(f"{path}: features do not match the lexicon; re-run fit_grooming.py")
    return GroomingModel(
        model_reader,
        np.asarray(data["weights"], dtype=np.float64),
        data["bias"],
        data["thresholds"]["flag"],
        data["thresholds"]["high"],
        data.get("meta", {}),
    )


@lru_cache(maxsize=1)
def shared_model() -> GroomingModel:
    """The shipped model, read once per process."""
    return load()
