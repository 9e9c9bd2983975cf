"""The contract every detector must meet; a detector's tests subclass ``DetectorContract``.

Subclasses provide ``make_detector`` and ``positive_event`` (an event the detector
must flag); the suite checks names, signal shape, explanations and evidence.
"""

from __future__ import annotations

from datetime import UTC, datetime

from safeguarding.domain.accounts import Account
from safeguarding.domain.detectors import Detector, DetectorContext
from safeguarding.domain.events import Event
from safeguarding.domain.signals import Signal
from tests.factories import event, message

T0 = datetime(2026, 3, 1, tzinfo=UTC)


class DetectorContract:
    """Inherit and fill in the two factories."""

    def make_detector(self) -> Detector:
        raise NotImplementedError

    def positive_event(self) -> Event:
        raise NotImplementedError

    def context_for(self, ev: Event) -> DetectorContext:
        return DetectorContext(now=T0, actor=Account.first_seen(ev.actor_id, T0))

    def observe(self, ev: Event) -> list[Signal]:
        detector = self.make_detector()
        return detector.observe(ev, self.context_for(ev)) if detector.reads(ev) else []

    def test_name_is_snake_case_and_matches_signals(self) -> None:
        detector = self.make_detector()
        name = detector.get_name()
        assert name
        assert name == name.lower()
        assert " " not in name
        assert all(s.detector == name for s in self.observe(self.positive_event()))

    def test_flags_the_positive_event_with_explained_evidence(self) -> None:
        ev = self.positive_event()
        signals = self.observe(ev)
        assert signals, "the detector must flag its positive example"
        for signal in signals:
            assert 0.0 <= signal.score <= 1.0
            assert signal.explanation.strip()
            assert "\n" not in signal.explanation
            assert ev.event_id in signal.evidence.event_ids

    def test_ignores_an_everyday_message(self) -> None:
        assert self.observe(event(message(text="see you at practice tomorrow"))) == []

    def test_is_deterministic(self) -> None:
        ev = self.positive_event()
        assert self.observe(ev) == self.observe(ev)
