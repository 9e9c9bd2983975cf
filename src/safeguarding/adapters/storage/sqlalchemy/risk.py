"""The risk part of the unit of work: stored risk assessments, and the figures they read.

Part of ``SqlUnitOfWork``. Every figure is an SQL aggregate: a feature's events, held or
blocked decisions, signals by detector (from the decision JSON, expanded in the database) and
cases; and for the compliance checklist, overdue cases, cases decided on time (from the
``case.decide`` audit records) and drafted authority reports left waiting. No rows are loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    String,
    Table,
    and_,
    case,
    distinct,
    false,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.cases import CaseStatus
from safeguarding.domain.risk import FeatureEvidence, Observation, RiskAssessment

# Declared here, beside the only code that reads it, on the shared metadata (migration 0008).
risk_assessments = Table(
    "risk_assessments",
    t.metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("assessed_at", t.UTCDateTime, nullable=False),
    Column("assessed_by", String(128), nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("document", JSON, nullable=False),
)

ACTIVE = [s.value for s in (CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED)]
E, C, CS = t.events.c, t.conversations.c, t.cases.c
# An event with its conversation (when it has one), whose kind tells direct from group.
_EVENTS = t.events.outerjoin(t.conversations, C.conversation_id == E.conversation_id)


def _of_feature(observations: Sequence[Observation]) -> ColumnElement[bool]:
    """Events that are one of the observations: an event type, for messages a kind."""
    parts = []
    for seen in observations:
        clause: ColumnElement[bool] = E.type == seen.event_type.value
        if seen.conversation_kinds is not None:
            clause = and_(clause, C.kind.in_([k.value for k in seen.conversation_kinds]))
        parts.append(clause)
    return or_(*parts) if parts else false()


class RiskRows(Rows):
    """Risk assessment rows and figures."""

    # -- assessments --------------------------------------------------------
    def add(self, assessment: RiskAssessment) -> None:
        self.conn.execute(
            risk_assessments.insert(),
            [
                {
                    "version": assessment.version,
                    "assessed_at": assessment.assessed_at,
                    "assessed_by": assessment.assessed_by,
                    "policy_version": assessment.policy_version,
                    "document": assessment.model_dump(mode="json"),
                }
            ],
        )

    def latest(self) -> RiskAssessment | None:
        found = self.assessments(limit=1)
        return found[0] if found else None

    def assessments(self, limit: int = 100) -> list[RiskAssessment]:
        """Stored assessments, newest first."""
        query = (
            select(risk_assessments.c.document)
            .order_by(risk_assessments.c.version.desc())
            .limit(limit)
        )
        return [RiskAssessment.model_validate(row.document) for row in self.conn.execute(query)]

    # -- a feature's evidence -----------------------------------------------
    def feature_evidence(
        self, observations: Sequence[Observation], start: datetime, end: datetime, now: datetime
    ) -> FeatureEvidence:
        if not observations:
            return FeatureEvidence()
        feature = _of_feature(observations)
        period = and_(E.received_at >= start, E.received_at < end)
        events, actioned = self.conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((E.verdict != "allow", 1), else_=0)), 0),
            )
            .select_from(_EVENTS)
            .where(feature, period)
        ).one()
        cases, overdue = self._feature_cases(feature, start, end, now)
        return FeatureEvidence(
            events=int(events),
            actioned=int(actioned),
            signals_by_detector=self._signals_by_detector(and_(feature, period)),
            cases=cases,
            cases_overdue=overdue,
        )

    def _signals_by_detector(self, where: ColumnElement[bool]) -> dict[str, int]:
        """Signals of the matching events by detector, counted inside the database."""
        if self.conn.dialect.name == "postgresql":
            elements = func.json_array_elements(E.decision["signals"])
            signals: Any = elements.table_valued("value").lateral()
        else:
            signals = func.json_each(E.decision, "$.signals").table_valued("value")
        joined = _EVENTS.join(signals, true())
        signal = type_coerce(signals.c.value, JSON)
        detector = signal["detector"].as_string()
        query = (
            select(detector, func.count())
            .select_from(joined)
            .where(where, signal["kind"].as_string() != "detector_error")
            .group_by(detector)
        )
        return {str(name): int(n) for name, n in self.conn.execute(query)}

    def _feature_cases(
        self, feature: ColumnElement[bool], start: datetime, end: datetime, now: datetime
    ) -> tuple[int, int]:
        """Cases about the feature's events opened in the period, and those open past due."""
        opened = and_(CS.opened_at >= start, CS.opened_at < end)
        late = and_(CS.status.in_(ACTIVE), CS.deadline < now)
        linked = (
            t.cases.join(t.case_events, t.case_events.c.case_id == CS.case_id)
            .join(t.events, E.event_id == t.case_events.c.event_id)
            .outerjoin(t.conversations, C.conversation_id == E.conversation_id)
        )
        cases, overdue = self.conn.execute(
            select(
                func.count(distinct(case((opened, CS.case_id)))),
                func.count(distinct(case((late, CS.case_id)))),
            )
            .select_from(linked)
            .where(feature)
        ).one()
        return int(cases), int(overdue)

    # -- what the compliance checklist reads -----------------------------------
    def cases_overdue(self, now: datetime) -> int:
        query = select(func.count()).where(CS.status.in_(ACTIVE), CS.deadline < now)
        return int(self.conn.execute(query).scalar_one())

    def complaints_open(self, now: datetime) -> tuple[int, int]:
        """(open, open past their deadline) complaints and appeals; their text is not read."""
        c = t.complaints.c
        query = select(
            func.count(), func.coalesce(func.sum(case((c.deadline < now, 1), else_=0)), 0)
        ).where(c.status == "open")
        opened, overdue = self.conn.execute(query).one()
        return int(opened), int(overdue)

    def cases_decided_on_time(self, start: datetime, end: datetime) -> tuple[int, int]:
        """(decided within deadline, decided) for cases first decided in [start, end)."""
        a = t.audit_log.c
        first = (
            select(a.subject.label("case_id"), func.min(a.at).label("at"))
            .where(a.action == "case.decide")
            .group_by(a.subject)
            .subquery()
        )
        on_time, decided = self.conn.execute(
            select(
                func.coalesce(func.sum(case((first.c.at <= CS.deadline, 1), else_=0)), 0),
                func.count(),
            )
            .select_from(first.join(t.cases, CS.case_id == first.c.case_id))
            .where(first.c.at >= start, first.c.at < end)
        ).one()
        return int(on_time), int(decided)

    def authority_reports_waiting(self, before: datetime) -> int:
        """Drafted reports awaiting a moderator's confirmation since before ``before``."""
        r = t.authority_reports.c
        query = select(func.count()).where(
            r.status == "awaiting_confirmation", r.created_at < before
        )
        return int(self.conn.execute(query).scalar_one())
