"""The contract every detector must meet, built-in or a third party's.

Subclasses provide ``make_detector`` and ``positive_event`` (an event the detector must flag);
the suite checks the name, the signal shape, the explanation and evidence, determinism, that
an everyday message is not flagged, and that ``reload()`` and ``close()`` are safe to call.
It imports only the public domain, so it runs in a plugin's own test suite.
"""

from __future__ import annotations

from datetime import UTC, datetime

from safeguarding.domain.accounts import Account
from safeguarding.domain.detectors import Detector, DetectorContext, DetectorResources
from safeguarding.domain.events import EVENT_ADAPTER, Event
from safeguarding.domain.signals import Signal

T0 = datetime(2026, 3, 1, tzinfo=UTC)


class FixedClock:
    """A clock that always says ``at`` (T0 unless given)."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def everyday_message(text: str = "see you at practice tomorrow") -> Event:
    """A message between two accounts that no detector should flag."""
    return EVENT_ADAPTER.validate_python(
        {
            "type": "message",
            "event_id": "contract-everyday",
            "occurred_at": T0.isoformat(),
            "actor_id": "contract-sender",
            "recipient_ids": ["contract-recipient"],
            "conversation_id": "contract-conversation",
            "text": text,
        }
    )


class DetectorContract:
    """Inherit and fill in the two factories; override ``resources`` or ``context_for`` where
    the detector needs more than the defaults."""

    def make_detector(self) -> Detector:
        raise NotImplementedError

    def positive_event(self) -> Event:
        raise NotImplementedError

    def resources(self) -> DetectorResources:
        """What ``configure(options, resources)`` is given here: a fixed clock, no banks."""
        return DetectorResources(clock=FixedClock())

    def context_for(self, ev: Event) -> DetectorContext:
        return DetectorContext(now=T0, actor=Account.first_seen(ev.actor_id, T0))

    def observe(self, ev: Event, detector: Detector | None = None) -> list[Signal]:
        detector = detector or self.make_detector()
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
        assert self.observe(everyday_message()) == []

    def test_is_deterministic(self) -> None:
        ev = self.positive_event()
        assert self.observe(ev) == self.observe(ev)

    def test_reload_keeps_it_deciding_the_same(self) -> None:
        detector = self.make_detector()
        ev = self.positive_event()
        before = self.observe(ev, detector)
        detector.reload()  # the files it read are unchanged, so nothing it decides may change
        assert self.observe(ev, detector) == before

    def test_close_releases_without_error(self) -> None:
        self.make_detector().close()
