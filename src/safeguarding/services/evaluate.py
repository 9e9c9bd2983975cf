"""Run the detectors over an event and apply the policy: the decision, explained."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from safeguarding.domain.decisions import Decision
from safeguarding.domain.detectors import Detector, DetectorContext
from safeguarding.domain.events import Event
from safeguarding.domain.policy import PolicyVersion
from safeguarding.domain.signals import Signal, SubjectKind
from safeguarding.policy.engine import PolicyFacts, evaluate

log = logging.getLogger("safeguarding.evaluate")


class Evaluator:
    """Detectors then policy. A detector that fails yields an error signal instead of a crash."""

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = tuple(detectors)

    @property
    def detector_names(self) -> tuple[str, ...]:
        return tuple(d.get_name() for d in self.detectors)

    def signals(self, event: Event, context: DetectorContext) -> tuple[Signal, ...]:
        found: list[Signal] = []
        for detector in self.detectors:
            if detector.reads(event):
                found.extend(self._observe(detector, event, context))
        return tuple(found)

    def _observe(self, detector: Detector, event: Event, context: DetectorContext) -> list[Signal]:
        try:
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
    ) -> Decision:
        return evaluate(policy, event.event_id, self.signals(event, context), facts, now)
