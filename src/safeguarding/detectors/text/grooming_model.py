"""The grooming-risk model: a conversation's state, updated one message at a time, and its risk.

The state (``grooming_state``) holds, per participant, how often each cue
group appeared in what they wrote, how much their messages meant each stage
(``grooming_semantic``), the ages they stated and the profile facts last seen
for them, and per pair the relationship the platform knows. It never holds
text. Each message updates the state in place and the risk is read from it
again: nothing re-reads the history.

Risk is read for each ordered pair (writer, other) as a logistic regression
over the features of ``grooming_features`` (the writer's stage cues and their
semantic likeness, both people's ages and the gap, age deception, a new
account, peers, another adult taking part, and the family, kinship, parent in
the loop, club, surprise and safety-talk context that the hard benign
conversations show); the conversation's risk is its riskiest pair. A known
adult is never the other of a pair, so a chat between adults stays at watch.
Neither the hour nor the conversation's length is a feature: messages without
cues add nothing. A known relationship moves the pair's log-odds by a fixed
amount (no development set carries relationships, so it is not fitted): a
family or guardian link down, an unconnected adult up.

The high level needs corroboration: the risk at the high threshold, three or
more stages from the same writer in more than one message, the other's age
(account or text) under 18, and a writer who is not a child (an adult by age
or by a misstated age, or of unknown age on a new or unconnected account);
never with a verified family or guardian link, nor where the chat shows a
relative in address, a parent kept in the loop or another adult taking part.
The weights and the two thresholds (``flag`` and ``high``) are fitted by
``scripts/fit_grooming.py`` and shipped in ``models/grooming/model.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from safeguarding.detectors.text import grooming_corroboration as corroboration
from safeguarding.detectors.text.grooming_cues import CueReader, MessageCues, shared_reader
from safeguarding.detectors.text.grooming_features import (
    SAID_CONTEXT,
    adult_writers,
    can_be_target,
    feature_names,
    pair_features,
)
from safeguarding.detectors.text.grooming_semantic import (
    SEMANTIC_STAGES,
    SemanticReader,
    shared_semantic_reader,
)
from safeguarding.detectors.text.grooming_state import (
    TRUSTED_LINKS,
    ConversationState,
    Person,
    Profile,
    Step,
    refresh,
)
from safeguarding.detectors.text.once import OncePerProcess

__all__ = [
    "Assessment",
    "ConversationState",
    "GroomingModel",
    "Person",
    "Profile",
    "Step",
    "feature_names",
]

MODEL_PATH = Path(__file__).parent / "models" / "grooming" / "model.json"
# Fixed log-odds moves for a relationship the platform knows (not fitted: see above).
TRUSTED_LINK_SHIFT = -2.0  # a verified family or guardian link
TRUSTED_LINK_SHIFT_SECRET_MEETING = -0.5  # ... when the writer asks for secrecy and a meeting
UNCONNECTED_ADULT_SHIFT = 0.5  # known to have no connection, writer adult or of unknown age
MAX_TIMELINE = 24
FULL_SCAN_PEOPLE = 8  # up to this many people, every pair is scored on each message
TOP_PAIRS = 8  # the riskiest pairs a big group's state keeps, to rescore on every message
PER_WRITER = 3  # ... and each writer's riskiest pairs (a group's size times this in all)
MAX_DRIVERS = 6


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
    corroboration: tuple[str, ...] = ()  # the independent kinds of evidence for this pair
    corroborated: bool = False  # whether those allow the high level (``corroborated``)
    cued: bool = False  # whether the writer has shown a stage (no level without one)


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
        semantic: SemanticReader | None = None,
    ) -> None:
        self.reader = reader
        self.semantic = semantic or shared_semantic_reader()
        self.features = feature_names(reader)
        if weights.shape != (len(self.features),):
            raise ValueError(f"model has {weights.shape} weights for {len(self.features)} features")
        self.weights = weights.astype(np.float64)
        self.bias = float(bias)
        self.flag = float(flag)
        self.high = float(high)
        self.meta = meta or {}
        self._family_groups = tuple(reader.group[g] for g in SAID_CONTEXT)
        self._groups = len(reader.lexicon.names)
        self._stage_weights = {s: float(w) for s, w in zip(reader.stage_ids, weights, strict=False)}
        first = self.features.index(f"semantic_{SEMANTIC_STAGES[0]}")
        self._semantic_weights = self.weights[first : first + len(SEMANTIC_STAGES)]

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
        """Add one message to the state and assess the conversation after it.

        ``at`` is taken for the callers' sake and not read: the hour is not a feature."""
        state.widen(self._groups)
        for name, profile in profiles.items():
            refresh(state.person(name, self._groups), profile)
        person = state.person(writer, self._groups)
        cues = self.reader.read(text, self._pending_question(state, writer))
        likeness = self.semantic.likeness(cues.words)
        self._count(person, cues, likeness)
        self._record_age_question(state, writer, cues)
        self._record_timeline(state, writer, cues, event_id)
        assessment = self.assess(state, writer)
        push = self._message_push(cues, likeness) if assessment.writer == writer else 0.0
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

    def _count(self, person: Person, cues: MessageCues, likeness: list[float]) -> None:
        person.counts = [a + b for a, b in zip(person.counts, cues.counts, strict=True)]
        person.messages += 1
        held = person.semantic or [0.0] * len(likeness)
        person.semantic = [max(a, b) for a, b in zip(held, likeness, strict=True)]
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

    def _message_push(self, cues: MessageCues, likeness: list[float]) -> float:
        """How much this message's stage cues and stage likeness push its writer's risk."""
        stage_weights = self._stage_weights
        words = sum(w * math.log1p(cues.counts[g]) for g, w in stage_weights.items())
        return words + float(self._semantic_weights @ np.asarray(likeness))

    # -- reading ----------------------------------------------------------
    def assess(self, state: ConversationState, writer: str | None = None) -> Assessment:
        """The riskiest ordered pair's risk, level and strongest reasons.

        A small conversation is scored pair by pair in full. In a big group that would cost
        the square of its size on every message (a 200-member group: 40,000 pairs), so there
        only the pairs a message can change are scored, the writer's with everyone, along
        with the riskiest pairs found before (kept in the state). A message changes only its
        writer's counts, so a pair left out keeps the score it had. The state keeps the
        TOP_PAIRS riskiest pairs and also each writer's PER_WRITER riskiest, so that when a
        message lowers every pair of its own writer (a cue with a negative weight), or the
        best pair of another writer with it, the next best pair is still at hand.
        """
        group = len(state.people) > 2
        adults = adult_writers(state)
        scored: list[tuple[float, str, str, np.ndarray]] = []
        for a, b in dict.fromkeys(self._pairs(state, writer)):
            person, them = state.people[a], state.people[b]
            if person.messages and can_be_target(them):
                x = self.pair_features(person, them, group, bool(adults - {a, b}))
                z = float(self.weights @ x) + self.bias + self.link_shift(state, a, b)
                scored.append((_sigmoid(z), a, b, x))
        if not scored:
            return Assessment(0.0, "none", None, None, (), {}, 0.0)
        scored.sort(key=lambda item: item[0], reverse=True)
        state.top = _kept_pairs(scored)
        return self._assessment(state, *scored[0])

    def link_shift(self, state: ConversationState, writer: str, other: str) -> float:
        """The fixed log-odds move for the relationship the platform knows between the two."""
        if not state.links:
            return 0.0
        link = state.link(writer, other)
        if link in TRUSTED_LINKS:
            stages = self._writer_stages(state, writer)
            secret_meeting = {"secrecy", "meeting"} <= stages
            return TRUSTED_LINK_SHIFT_SECRET_MEETING if secret_meeting else TRUSTED_LINK_SHIFT
        if link == "none":
            age = state.people[writer].best_age
            return UNCONNECTED_ADULT_SHIFT if age is None or age >= 18 else 0.0
        return 0.0

    @staticmethod
    def _writer_stages(state: ConversationState, writer: str) -> set[str]:
        return {s.stage for s in state.timeline if s.writer == writer}

    def corroboration(self, state: ConversationState, writer: str, other: str) -> tuple[str, ...]:
        """The independent kinds of evidence for "``writer`` grooms ``other``"
        (``grooming_corroboration.kinds``)."""
        return corroboration.kinds(state, writer, other)

    def corroborated(
        self, state: ConversationState, writer: str, other: str, kinds: tuple[str, ...]
    ) -> bool:
        """Whether ``kinds`` allow the high level (``grooming_corroboration.allows_high``)."""
        return corroboration.allows_high(state, writer, other, kinds, self._family_groups)

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

    def pair_features(
        self, writer: Person, other: Person, group_chat: bool, adult_present: bool = False
    ) -> np.ndarray:
        """The feature vector for "``writer`` grooming ``other``" (``grooming_features``)."""
        return pair_features(self.reader, writer, other, group_chat, adult_present)

    def _assessment(
        self, state: ConversationState, risk: float, writer: str, other: str, x: np.ndarray
    ) -> Assessment:
        pushes = {
            name: float(w * v)
            for name, w, v in zip(self.features, self.weights, x, strict=True)
            if w * v > 0.05
        }
        reasons = tuple(sorted(pushes, key=pushes.__getitem__, reverse=True))
        kinds = self.corroboration(state, writer, other)
        allowed = self.corroborated(state, writer, other, kinds)
        cued = corroboration.cued(state, writer)
        level = self.level(risk, allowed, cued)
        return Assessment(risk, level, writer, other, reasons, pushes, 0.0, kinds, allowed, cued)

    def level(self, risk: float, corroborated: bool = True, cued: bool = True) -> str:
        """The level a risk reaches; high only when corroborated (else it stays at flag);
        no level at all before the writer has shown a stage (``cued``)."""
        if risk >= self.high and corroborated:
            return "high"
        if not cued:
            return "none"
        return "flag" if risk >= self.flag else "none"

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "thresholds": {"flag": self.flag, "high": self.high},
            "meta": self.meta,
        }


def _kept_pairs(scored: list[tuple[float, str, str, np.ndarray]]) -> list[tuple[str, str]]:
    """The riskiest pairs (``scored`` is sorted), then each writer's PER_WRITER riskiest."""
    kept = [(a, b) for _, a, b, _ in scored[:TOP_PAIRS]]
    per_writer: dict[str, int] = {}
    for _, a, b, _ in scored:
        if per_writer.get(a, 0) < PER_WRITER:
            per_writer[a] = per_writer.get(a, 0) + 1
            kept.append((a, b))
    return list(dict.fromkeys(kept))


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


_shared: OncePerProcess[GroomingModel] = OncePerProcess(load)


def shared_model() -> GroomingModel:
    """The shipped model, read once per process."""
    return _shared.get()


def forget_shared_model() -> None:
    """Read the model afresh at next use (after its files changed)."""
    _shared.forget()
