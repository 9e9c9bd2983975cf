"""Risk assessments in memory (``uow.risk``), and the figures they and the compliance checklist
read, counted over the stored rows as ``sqlalchemy/risk.py`` counts them in SQL: a feature's
events, held or blocked decisions, signals by detector and cases; overdue cases, cases
decided on time (from the ``case.decide`` audit records) and reports left waiting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from safeguarding.adapters.storage.memory.state import Repository, StoredRow
from safeguarding.domain.cases import Case, CaseStatus
from safeguarding.domain.complaints import ComplaintStatus
from safeguarding.domain.reports import ReportStatus
from safeguarding.domain.risk import FeatureEvidence, Observation, RiskAssessment

ACTIVE = frozenset({CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED})


class MemoryRisk(Repository):
    """``RiskStore`` in memory."""

    def add(self, assessment: RiskAssessment) -> None:
        self.s.risk_assessments.append(assessment)

    def latest(self) -> RiskAssessment | None:
        found = self.assessments(limit=1)
        return found[0] if found else None

    def assessments(self, limit: int = 100) -> list[RiskAssessment]:
        """Stored assessments, newest first."""
        newest = sorted(self.s.risk_assessments, key=lambda a: a.version, reverse=True)
        return newest[:limit]

    def feature_evidence(
        self, observations: Sequence[Observation], start: datetime, end: datetime, now: datetime
    ) -> FeatureEvidence:
        if not observations:
            return FeatureEvidence()
        feature = [r for r in self.s.events.values() if self._is_feature(r, observations)]
        period = [r for r in feature if start <= r.received_at < end]
        signals = Counter(
            s.detector for r in period for s in r.decision.signals if s.kind != "detector_error"
        )
        cases = self._cases_of({r.event.event_id for r in feature})
        return FeatureEvidence(
            events=len(period),
            actioned=sum(1 for r in period if r.decision.verdict.value != "allow"),
            signals_by_detector=dict(signals),
            cases=sum(1 for c in cases if start <= c.opened_at < end),
            cases_overdue=sum(1 for c in cases if _late(c, now)),
        )

    def _is_feature(self, row: StoredRow, observations: Sequence[Observation]) -> bool:
        """Whether the event is one of the observations: an event type, for messages a kind
        (an event outside any conversation has no kind, so a kind never matches it)."""
        conversation_id = row.event.conversation()
        conversation = self.s.conversations.get(conversation_id) if conversation_id else None
        kind = conversation.kind if conversation is not None else None
        return any(
            row.event.type == seen.event_type
            and (seen.conversation_kinds is None or kind in seen.conversation_kinds)
            for seen in observations
        )

    def _cases_of(self, event_ids: set[str]) -> list[Case]:
        return [r.case for r in self.s.cases.values() if event_ids & set(r.case.event_ids)]

    def cases_overdue(self, now: datetime) -> int:
        return sum(1 for r in self.s.cases.values() if _late(r.case, now))

    def complaints_open(self, now: datetime) -> tuple[int, int]:
        """(open, open past their deadline) complaints and appeals."""
        opened = [c for c in self.s.complaints.values() if c.status is ComplaintStatus.OPEN]
        return len(opened), sum(1 for c in opened if c.deadline < now)

    def cases_decided_on_time(self, start: datetime, end: datetime) -> tuple[int, int]:
        """(decided within deadline, decided) for cases first decided in [start, end)."""
        first: dict[str, datetime] = {}
        for record in self.s.audit:
            if record.action == "case.decide":
                first[record.subject] = min(record.at, first.get(record.subject, record.at))
        decided = [
            (at, self.s.cases[case_id].case.deadline)
            for case_id, at in first.items()
            if case_id in self.s.cases and start <= at < end
        ]
        return sum(1 for at, deadline in decided if at <= deadline), len(decided)

    def authority_reports_waiting(self, before: datetime) -> int:
        """Drafted reports awaiting a moderator's confirmation since before ``before``."""
        return sum(
            1
            for r in self.s.reports.values()
            if r.status is ReportStatus.AWAITING_CONFIRMATION and r.created_at < before
        )


def _late(case: Case, now: datetime) -> bool:
    return case.status in ACTIVE and case.deadline < now
