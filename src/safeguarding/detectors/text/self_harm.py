"""The self-harm and suicide detector: one signal for a message or post that needs action.

It reads the text of ``message`` and ``post`` events with the classifier in
``self_harm_model`` (loaded once per process, on first use) and reports the
four labels that need action: ``ideation``, ``intent_or_plan``,
``encouragement`` and ``self_harm_disclosure``. The signal's score is the
probability that the text needs action; its evidence points at the cue words
by span, so the explanation never repeats the message.

Options (``SAFEGUARDING`` detector options for ``self_harm``): ``threshold``,
a probability in (0, 1) that replaces the fitted action threshold (a text read
more likely as an idiom than as needing action is still never flagged).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from safeguarding.detectors.text.self_harm_model import (
    Prediction,
    SelfHarmModel,
    forget_shared_model,
    shared_model,
)
from safeguarding.detectors.text.shipped import ShippedModel
from safeguarding.domain.detectors import Detector, DetectorContext, DetectorResources
from safeguarding.domain.events import Event, EventType, MessageEvent, PostEvent
from safeguarding.domain.signals import Evidence, Signal, Span, SubjectKind

_CUE_CHARS = 30


class SelfHarmDetector(Detector):
    """Flags text that reads as suicidal ideation, intent, encouragement or self-harm."""

    event_types: ClassVar[frozenset[EventType]] = frozenset({EventType.MESSAGE, EventType.POST})

    def __init__(self, model: SelfHarmModel | None = None, threshold: float | None = None) -> None:
        self._slot = ShippedModel(model, shared_model, forget_shared_model)
        self.threshold = threshold

    @classmethod
    def configure(
        cls, options: Mapping[str, Any], resources: DetectorResources | None = None
    ) -> Self:
        cls.refuse_unknown_options(options, "threshold")
        threshold = options.get("threshold")
        if threshold is not None and not 0.0 < float(threshold) < 1.0:
            raise ValueError(f"detector {cls.get_name()}: threshold must be in (0, 1)")
        return cls(threshold=None if threshold is None else float(threshold))

    @property
    def model(self) -> SelfHarmModel:
        return self._slot.get()

    def reload(self) -> None:
        """Read the shipped model again (its files changed); a model given to the constructor
        stays. If the new files do not load, the model in use stays too."""
        self._slot.reload()

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        if not isinstance(event, MessageEvent | PostEvent) or not event.text.strip():
            return []
        prediction = self.model.classify_one(event.text, self.threshold)
        if not prediction.action:
            return []
        return [self._signal(event.event_id, prediction)]

    def _signal(self, event_id: str, prediction: Prediction) -> Signal:
        score = min(max(prediction.score, 0.0), 1.0)
        return Signal(
            detector=self.get_name(),
            kind=prediction.label,
            score=score,
            subject=SubjectKind.CONTENT,
            subject_id=event_id,
            explanation=explain(prediction),
            evidence=Evidence(
                event_ids=(event_id,),
                spans=tuple(
                    Span(event_id=event_id, start=c.start, end=c.end) for c in prediction.cues
                ),
                details={"label_scores": prediction.top_labels(3)},
            ),
        )


def explain(prediction: Prediction) -> str:
    """One line: "reads as intent or plan (0.93); cues: 'tonight', 'goodbye'"."""
    line = f"reads as {prediction.label.replace('_', ' ')} ({prediction.score:.2f})"
    cues = [c.words[:_CUE_CHARS] for c in prediction.cues]
    if cues:
        line += "; cues: " + ", ".join(f"'{c}'" for c in cues)
    return line
