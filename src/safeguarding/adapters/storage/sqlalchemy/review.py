"""The review part of the unit of work: what a case page shows, and who may see it.

Parts of three repositories (see ``uow.py``): a conversation's events in order, the cases an
event or an account belongs to, and exposure counts from the audit log.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.audit import AuditEntry
from safeguarding.domain.cases import Case
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import EVENT_ADAPTER, Event


class CaseReviewRows(Rows):
    """The cases an event or an account belongs to; part of ``SqlCases``."""

    def case_events_link(self, case: Case) -> None:
        rows = [{"event_id": e, "case_id": case.case_id} for e in sorted(set(case.event_ids))]
        if rows:
            self.conn.execute(t.case_events.insert(), rows)

    def of_event(self, event_id: str) -> list[Case]:
        query = (
            select(t.cases)
            .join(t.case_events, t.case_events.c.case_id == t.cases.c.case_id)
            .where(t.case_events.c.event_id == event_id)
            .order_by(t.cases.c.opened_at)
        )
        return [case_of_row(row) for row in self.conn.execute(query)]

    def of_subject(self, account_id: str, limit: int = 50) -> list[Case]:
        c = t.cases.c
        query = (
            select(t.cases)
            .where(c.subject_account_id == account_id)
            .order_by(c.opened_at.desc(), c.case_id)
            .limit(limit)
        )
        return [case_of_row(row) for row in self.conn.execute(query)]


class EventReviewRows(Rows):
    """A conversation's events in order, reinstatements and samples; part of ``SqlEvents``."""

    def of_conversation(
        self, conversation_id: str, limit: int = 200
    ) -> list[tuple[Event, Decision]]:
        """The latest ``limit`` events of a conversation, oldest first, with their decisions."""
        e = t.events.c
        query = (
            select(e.event_id, e.key_id, e.payload, e.decision)
            .where(e.conversation_id == conversation_id)
            .order_by(e.occurred_at.desc(), e.seq.desc())
            .limit(limit)
        )
        rows = list(self.conn.execute(query))[::-1]
        return [(self._opened(row), Decision.model_validate(row.decision)) for row in rows]

    def _opened(self, row: Any) -> Event:
        plain = self.cipher.open(row.key_id, row.payload, row.event_id.encode())
        return EVENT_ADAPTER.validate_json(plain)

    def reinstate(self, event_ids: Collection[str], case_id: str, at: datetime, by: str) -> int:
        rows = [{"event_id": e, "case_id": case_id, "at": at, "by": by} for e in event_ids]
        if not rows:
            return 0
        existing = self.reinstated_among(event_ids)
        fresh = [row for row in rows if row["event_id"] not in existing]
        if fresh:
            self.conn.execute(t.reinstatements.insert(), fresh)
        return len(fresh)

    def reinstated_among(self, event_ids: Collection[str]) -> dict[str, str]:
        """Which of these events are back in feeds, each with what put it back: a case id,
        or ``appeal:<complaint id>``."""
        if not event_ids:
            return {}
        r = t.reinstatements.c
        query = select(r.event_id, r.case_id).where(r.event_id.in_(list(event_ids)))
        return {row.event_id: row.case_id for row in self.conn.execute(query)}

    def sample(self, n: int, since: datetime, until: datetime) -> list[tuple[Event, Decision]]:
        """Up to ``n`` events decided in [since, until) that were acted on or opened a case,
        chosen at random, with their decisions."""
        e = t.events.c
        in_case = select(t.case_events.c.event_id)
        query = (
            select(e.event_id, e.key_id, e.payload, e.decision)
            .where(e.decided_at >= since, e.decided_at < until)
            .where((e.verdict != "allow") | e.event_id.in_(in_case))
            .order_by(func.random())
            .limit(n)
        )
        rows = self.conn.execute(query)
        return [(self._opened(row), Decision.model_validate(row.decision)) for row in rows]


class AuditReviewRows(Rows):
    """Exposure counts and mentions read from the audit log; part of ``SqlAudit``."""

    def counts(self, action: str, actors: Collection[str] | None = None) -> dict[str, int]:
        """How many audit entries of ``action`` each actor has (all actors, or those given)."""
        a = t.audit_log.c
        query = select(a.actor, func.count()).where(a.action == action).group_by(a.actor)
        if actors is not None:
            query = query.where(a.actor.in_(list(actors)))
        return {actor: int(n) for actor, n in self.conn.execute(query)}

    def mentions(self, actions: Collection[str], subject: str) -> bool:
        a = t.audit_log.c
        query = select(a.seq).where(a.action.in_(list(actions)), a.subject == subject).limit(1)
        return self.conn.execute(query).first() is not None

    def details(self, action: str, subject: str) -> list[dict[str, Any]]:
        a = t.audit_log.c
        query = select(a.details).where(a.action == action, a.subject == subject).order_by(a.seq)
        return [dict(details) for (details,) in self.conn.execute(query)]

    def of(
        self, actions: Collection[str], start: datetime | None = None, end: datetime | None = None
    ) -> list[AuditEntry]:
        a = t.audit_log.c
        query = select(a.seq, a.at, a.actor, a.action, a.subject, a.details).where(
            a.action.in_(list(actions))
        )
        if start is not None:
            query = query.where(a.at >= start)
        if end is not None:
            query = query.where(a.at < end)
        return [
            AuditEntry(
                at=at, actor=actor, action=action, subject=subject, details={**details, "seq": seq}
            )
            for seq, at, actor, action, subject, details in self.conn.execute(query.order_by(a.seq))
        ]


def case_of_row(row: Any) -> Case:
    data = dict(row._mapping)
    data.pop("source_key", None)
    data.pop("open_key", None)
    data["event_ids"] = tuple(data["event_ids"])
    return Case(**data)
