"""Turns a user's report into a signal, so policy treats reports like any other evidence."""

from __future__ import annotations

from typing import ClassVar

from safeguarding.domain.detectors import Detector, DetectorContext
from safeguarding.domain.events import Event, EventType, UserReportEvent
from safeguarding.domain.signals import Evidence, Signal, SubjectKind


class UserReportDetector(Detector):
    """One signal per report, of the report's reason; a report from a child weighs more."""

    event_types: ClassVar[frozenset[EventType]] = frozenset({EventType.USER_REPORT})

    def observe(self, event: Event, context: DetectorContext) -> list[Signal]:
        if not isinstance(event, UserReportEvent):
            return []
        by_child = context.actor.age_band.is_child
        evidence_ids = (
            event.event_id,
            *((event.reported_event_id,) if event.reported_event_id else ()),
        )
        return [
            Signal(
                detector=self.get_name(),
                kind=event.reason.value,
                score=1.0 if by_child else 0.8,
                subject=SubjectKind.ACCOUNT,
                subject_id=event.reported_account_id,
                explanation=f"reported for {event.reason.value.replace('_', ' ')}"
                + (" by a child" if by_child else " by a user"),
                evidence=Evidence(event_ids=evidence_ids),
            )
        ]
