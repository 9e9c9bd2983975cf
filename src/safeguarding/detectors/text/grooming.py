"""The grooming-risk detector: a conversation's risk, updated with every message.

For each ``message`` it reads the conversation's stored state (see
``grooming_model.ConversationState``: counts and ages, never text), adds the
message, and stores the new state with the decision. Once a conversation
shows any warning sign, every message's decision carries a signal with the
conversation's risk, its level, the stage timeline and the messages that
drove it:

- ``grooming_watch``: warning signs seen, risk below the flag threshold;
- ``grooming_risk``: the message that takes the risk to the fitted flag threshold;
- ``grooming_risk_high``: the message that takes it to the fitted high threshold, when the
  evidence is corroborated (three or more stages from the writer in more than one message,
  the other known to be a child, the writer not a child; never with a family or guardian
  link, a relative in address, a parent in the loop or another adult in the chat);
- ``grooming_ongoing``: later messages while the risk stays at a level already raised.

The relationship the platform knows between the writer and each recipient comes with the
context (``DetectorContext.relationships``: a family or guardian link only when both sides
state it) and is kept per pair in the state, where the model's fixed effects read it.

Each level is raised once per conversation, so the policy opens one case per
level, not one per message; ``grooming_ongoing`` lets it keep preserving the
evidence. Options: ``flag`` and ``high``
(probabilities in (0, 1)) replace the fitted thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from safeguarding.detectors.text.grooming_cues import forget_shared_reader
from safeguarding.detectors.text.grooming_model import (
    Assessment,
    ConversationState,
    GroomingModel,
    Profile,
    forget_shared_model,
    shared_model,
)
from safeguarding.detectors.text.shipped import ShippedModel
from safeguarding.domain.accounts import Account, AssuranceMethod
from safeguarding.domain.detectors import ConversationMemory, DetectorContext, DetectorResources
from safeguarding.domain.events import Event, EventType, LivestreamCommentEvent, MessageEvent
from safeguarding.domain.signals import Evidence, Signal, SubjectKind, counted

# What the detector reads: a message, or a comment in a live stream's chat.
ChatLine = MessageEvent | LivestreamCommentEvent
KINDS = {"none": "grooming_watch", "flag": "grooming_risk", "high": "grooming_risk_high"}
ORDER = ("none", "flag", "high")
MAX_REASONS = 12  # the features that pushed hardest, named in the signal's details
_READABLE = {
    "other_is_child": "the other person is a child",
    "writer_is_adult": "the writer is an adult",
    "writer_age_unknown": "the writer's age is unknown",
    "age_gap": "age gap",
    "age_deception": "age deception",
    "new_account": "new account",
    "child_cues_other": "the other person writes as a child",
    "adult_cues_writer": "the writer writes as an adult",
}


def _forget_shipped() -> None:
    """Drop the shipped model and the cue lists it reads, to read their files again."""
    forget_shared_reader()
    forget_shared_model()


class GroomingDetector(ConversationMemory):
    """Scores each message's conversation for grooming, incrementally, and explains the score."""

    # A live stream's comments are messages in the stream's conversation (its id: the stream's).
    event_types: ClassVar[frozenset[EventType]] = frozenset(
        {EventType.MESSAGE, EventType.LIVESTREAM_COMMENT}
    )

    def __init__(
        self,
        model: GroomingModel | None = None,
        flag: float | None = None,
        high: float | None = None,
    ) -> None:
        self._slot = ShippedModel(model, shared_model, _forget_shipped)
        self.flag = flag
        self.high = high

    @classmethod
    def configure(
        cls, options: Mapping[str, Any], resources: DetectorResources | None = None
    ) -> Self:
        cls.refuse_unknown_options(options, "flag", "high")
        found = {k: float(v) for k, v in options.items()}
        if any(not 0.0 < v < 1.0 for v in found.values()):
            raise ValueError(f"detector {cls.get_name()}: thresholds must be in (0, 1)")
        return cls(flag=found.get("flag"), high=found.get("high"))

    @property
    def model(self) -> GroomingModel:
        return self._slot.get()

    def reload(self) -> None:
        """Read the shipped model and cue lists again (their files changed); a model given to
        the constructor stays. If the new files do not load, the model in use stays too."""
        self._slot.reload()

    def observe_in_conversation(
        self, event: Event, context: DetectorContext, state: Mapping[str, Any] | None
    ) -> tuple[list[Signal], dict[str, Any] | None]:
        if not isinstance(event, ChatLine):
            return [], None
        held = ConversationState.from_json(dict(state)) if state else ConversationState()
        for target in context.targets:
            known = context.relationships.get(target.account_id)
            held.set_link(event.actor_id, target.account_id, known.value if known else None)
        profiles = {a.account_id: profile_of(a, event) for a in (context.actor, *context.targets)}
        found = self.model.update(
            held, event.actor_id, event.text, event.occurred_at, event.event_id, profiles
        )
        if not held.timeline:
            return [], held.to_json()
        signal = self._signal(event, held, found)
        return [signal], held.to_json()

    def level(self, risk: float, corroborated: bool = True, cued: bool = True) -> str:
        """The level a risk reaches here (thresholds may be overridden); high needs
        corroboration (``GroomingModel.corroborated``), and any level a stage cue from the
        writer (``GroomingModel.level``)."""
        high = self.high if self.high is not None else self.model.high
        flag = self.flag if self.flag is not None else self.model.flag
        if risk >= high and corroborated:
            return "high"
        if not cued:
            return "none"
        return "flag" if risk >= flag else "none"

    def _signal(self, event: ChatLine, state: ConversationState, found: Assessment) -> Signal:
        level = self.level(found.risk, found.corroborated, found.cued)
        kind = KINDS[level]
        if ORDER.index(level) > ORDER.index(state.alerted):
            state.alerted = level
        elif level != "none":
            kind = "grooming_ongoing"
        drivers = [e for _, _, e in sorted(state.drivers, key=lambda d: d[1])]
        timeline = [
            {"stage": s.stage, "account_id": s.writer, "message": s.index, "event_id": s.event_id}
            for s in state.timeline
        ]
        return Signal(
            detector=self.get_name(),
            kind=kind,
            score=min(max(found.risk, 0.0), 1.0),
            subject=SubjectKind.CONVERSATION,
            subject_id=event.conversation() or event.event_id,
            explanation=explain(found, level, state),
            evidence=Evidence(
                event_ids=tuple(dict.fromkeys([*drivers, event.event_id])),
                details={
                    "risk": round(found.risk, 4),
                    "level": level,
                    "suspect_account_id": found.writer,
                    "child_account_id": found.other,
                    "reasons": list(found.reasons[:MAX_REASONS]),
                    "corroboration": list(found.corroboration),
                    "relationship": _pair_link(state, found),
                    "timeline": timeline,
                    "messages_scored": state.messages,
                },
            ),
        )


def profile_of(account: Account, event: Event) -> Profile:
    """The age facts the model reads: the assured age where there is one, else the declared."""
    assurance = account.assurance
    strong = assurance is not None and assurance.method != AssuranceMethod.SELF_DECLARED
    assured = assurance.best_age() if strong and assurance else None
    ages = [d.age for d in account.declared_ages if d.age is not None]
    return Profile(
        declared_age=assured if assured is not None else account.declared_age,
        declared_history_gap=max(ages) - min(ages) if ages else 0,
        account_age_days=account.account_age_days(event.occurred_at),
    )


def explain(found: Assessment, level: str, state: ConversationState) -> str:
    """One line whose words follow the evidence: "grooming risk 0.91 (high): age deception,
    3 grooming stages with a child; stages: meeting, secrecy, platform move"."""
    stages = sorted({s.stage for s in state.timeline if s.writer == found.writer})
    other = state.people.get(found.other) if found.other is not None else None
    other_age = other.best_age if other is not None else None
    listed = {f"stage_{s}" for s in stages}  # named once, in the stage list
    said = (readable(r, len(stages), other_age) for r in found.reasons if r not in listed)
    reasons = [r for r in dict.fromkeys(said) if r]
    line = f"grooming risk {found.risk:.2f} ({level})"
    if reasons:
        line += ": " + ", ".join(reasons[:4])
    if stages:
        line += "; stages: " + ", ".join(s.replace("_", " ") for s in stages)
    if level == "high" and found.corroboration:
        line += "; corroborated by: " + ", ".join(k.replace("_", " ") for k in found.corroboration)
    link = _pair_link(state, found)
    if link is not None:
        line += f"; the platform knows them as: {link.replace('_', ' ')}"
    return line


def _pair_link(state: ConversationState, found: Assessment) -> str | None:
    """The relationship the platform knows between the riskiest pair, if any."""
    if found.writer is None or found.other is None:
        return None
    return state.link(found.writer, found.other)


def readable(reason: str, stages: int = 0, other_age: int | None = None) -> str:
    """A model reason in words true of this conversation: the stage count as seen, and "a
    child" only when the other person's age says so ("" when the reason says nothing here)."""
    if reason in ("stages_distinct", "stages_with_child"):
        return _stages_phrase(stages, other_age)
    if reason == "asked_child_age":
        return "asked the child's age" if _is_child(other_age) else "asked the other person's age"
    if reason.startswith("stage_"):
        return reason.removeprefix("stage_").replace("_", " ")
    if reason.startswith("semantic_"):
        return reason.removeprefix("semantic_").replace("_", " ") + " in other words"
    if reason.startswith("context_"):
        return reason.removeprefix("context_").replace("_", " ") + " context"
    return _READABLE.get(reason, reason.replace("_", " "))


def _stages_phrase(stages: int, other_age: int | None) -> str:
    if not stages:
        return ""
    seen = counted(stages, "grooming stage")
    if other_age is None:
        return f"{seen} with someone whose age is unknown"
    return f"{seen} with a child" if _is_child(other_age) else seen


def _is_child(age: int | None) -> bool:
    return age is not None and age < 18
