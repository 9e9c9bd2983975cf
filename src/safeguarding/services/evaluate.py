"""Run the detectors over an event and apply the policy: the decision, explained."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from safeguarding.domain.decisions import Decision
from safeguarding.domain.detectors import ConversationMemory, Detector, DetectorContext
from safeguarding.domain.events import Event
from safeguarding.domain.policy import PolicyVersion
from safeguarding.domain.signals import Signal, SubjectKind
from safeguarding.policy.engine import PolicyFacts, evaluate

log = logging.getLogger("safeguarding.evaluate")


@dataclass(frozen=True)
class Evaluated:
    """A decision, and the conversation state each stateful detector wants kept."""

    decision: Decision
    states: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Observed:
    signals: list[Signal] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)


class Evaluator:
    """Detectors then policy. A detector that fails yields an error signal instead of a crash."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = tuple(detectors)

    @property
    def detector_names(self) -> tuple[str, ...]:
        return tuple(d.get_name() for d in self.detectors)

    def reload(self) -> None:
        """Have every detector read its files again, in place (a decision being made meanwhile
        uses each detector's old or new state, never half of one). A detector that fails to
        reload keeps what it had, the others still reload, and the first failure is raised."""
        failures: list[Exception] = []
        for detector in self.detectors:
            try:
                detector.reload()
            except Exception as exc:  # a plugin's bug: report it after the others reloaded
                log.exception("detector reload failed", extra={"detector": detector.get_name()})
                failures.append(exc)
        if failures:
            raise failures[0]

    def close(self) -> None:
        """Release what each detector holds; one that fails to close does not stop the rest."""
        for detector in self.detectors:
            try:
                detector.close()
            except Exception:  # closing at shutdown: log it, close the others
                log.exception("detector close failed", extra={"detector": detector.get_name()})

    def signals(self, event: Event, context: DetectorContext) -> tuple[Signal, ...]:
        return tuple(self._observe_all(event, context).signals)

    def _observe_all(self, event: Event, context: DetectorContext) -> _Observed:
        found = _Observed()
        for detector in self.detectors:
            if detector.reads(event):
                found.signals.extend(self._observe(detector, event, context, found.states))
        return found

    def _observe(
        self,
        detector: Detector,
        event: Event,
        context: DetectorContext,
        states: dict[str, dict[str, Any]],
    ) -> list[Signal]:
        try:
            if isinstance(detector, ConversationMemory) and context.conversation is not None:
                name = detector.get_name()
                held = context.conversation.detector_state.get(name)
                signals, state = detector.observe_in_conversation(event, context, held)
                if state is not None:
                    states[name] = state
                return signals
            return detector.observe(event, context)
        except Exception as exc:  # a plugin's bug must not stop the event being decided
            log.exception(
                "detector failed",
                extra={"detector": detector.get_name(), "event_id": event.event_id},
            )
            return [
                Signal(
                    detector=detector.get_name(),
                    kind="detector_error",
                    score=0.0,
                    subject=SubjectKind.CONTENT,
                    subject_id=event.event_id,
                    explanation=f"detector failed ({type(exc).__name__}); decided without it",
                )
            ]

    def decide(
        self,
        event: Event,
        context: DetectorContext,
        facts: PolicyFacts,
        policy: PolicyVersion,
        now: datetime,
    ) -> Evaluated:
        observed = self._observe_all(event, context)
        decision = evaluate(policy, event.event_id, tuple(observed.signals), facts, now)
        return Evaluated(decision, observed.states)
