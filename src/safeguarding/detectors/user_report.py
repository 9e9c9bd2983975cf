"""Turns a user's report into a signal, so policy treats reports like any other evidence."""

from __future__ import annotations

from typing import ClassVar

from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.detectors import Detector, DetectorContext
from safeguarding.domain.events import Event, EventType, ReportReason, UserReportEvent
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
                explanation=explain(event.reason, context.actor.age_band),
                evidence=Evidence(event_ids=evidence_ids),
            )
        ]


def explain(reason: ReportReason, reporter: AgeBand) -> str:
    """ "reported for grooming by a child": the reporter described only as far as their age
    band is known."""
    what = "for another reason" if reason is ReportReason.OTHER else f"for {reason.value}"
    if reporter.is_child:
        who = "a child"
    elif reporter is AgeBand.ADULT:
        who = "an adult"
    else:
        who = "a user whose age is unknown"
    return f"reported {what.replace('_', ' ')} by {who}"
