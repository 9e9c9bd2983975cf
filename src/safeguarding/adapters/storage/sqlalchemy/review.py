"""The review part of the unit of work: what a case page shows, and who may see it.

Mixed into ``SqlUnitOfWork``: a conversation's events in order, the cases an event or an
account belongs to, exposure counts from the audit log, and formal information requests.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from safeguarding.adapters.storage.crypto import ContentCipher
from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.sealed import open_report
from safeguarding.domain.audit import AuditEntry
from safeguarding.domain.cases import Case
from safeguarding.domain.complaints import Attachment
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import EVENT_ADAPTER, Event
from safeguarding.domain.information_requests import InformationRequest, RequestStatus
from safeguarding.domain.reports import ReportRecord


class ReviewRows:
    """Case-page reads and information requests; mixed into ``SqlUnitOfWork``."""

    conn: Connection
    cipher: ContentCipher

    def case_events_link(self, case: Case) -> None:
        rows = [{"event_id": e, "case_id": case.case_id} for e in sorted(set(case.event_ids))]
        if rows:
            self.conn.execute(t.case_events.insert(), rows)

    def cases_of_event(self, event_id: str) -> list[Case]:
        query = (
            select(t.cases)
            .join(t.case_events, t.case_events.c.case_id == t.cases.c.case_id)
            .where(t.case_events.c.event_id == event_id)
            .order_by(t.cases.c.opened_at)
        )
        return [case_of_row(row) for row in self.conn.execute(query)]

    def cases_of_subject(self, account_id: str, limit: int = 50) -> list[Case]:
        c = t.cases.c
        query = (
            select(t.cases)
            .where(c.subject_account_id == account_id)
            .order_by(c.opened_at.desc(), c.case_id)
            .limit(limit)
        )
        return [case_of_row(row) for row in self.conn.execute(query)]

    def conversation_events(
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

    def audit_counts(self, action: str, actors: Collection[str] | None = None) -> dict[str, int]:
        """How many audit entries of ``action`` each actor has (all actors, or those given)."""
        a = t.audit_log.c
        query = select(a.actor, func.count()).where(a.action == action).group_by(a.actor)
        if actors is not None:
            query = query.where(a.actor.in_(list(actors)))
        return {actor: int(n) for actor, n in self.conn.execute(query)}

    def audit_mentions(self, actions: Collection[str], subject: str) -> bool:
        a = t.audit_log.c
        query = select(a.seq).where(a.action.in_(list(actions)), a.subject == subject).limit(1)
        return self.conn.execute(query).first() is not None

    def audit_details(self, action: str, subject: str) -> list[dict[str, Any]]:
        a = t.audit_log.c
        query = select(a.details).where(a.action == action, a.subject == subject).order_by(a.seq)
        return [dict(details) for (details,) in self.conn.execute(query)]

    def audit_of(
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

    def authority_reports_for(self, event_ids: Collection[str]) -> list[ReportRecord]:
        r = t.authority_reports.c
        query = (
            select(t.authority_reports)
            .where(r.event_id.in_(list(event_ids)))
            .order_by(r.created_at, r.event_id, r.authority)
        )
        return [open_report(self.cipher, row) for row in self.conn.execute(query)]

    def events_reinstate(
        self, event_ids: Collection[str], case_id: str, at: datetime, by: str
    ) -> int:
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

    def decisions_sample(
        self, n: int, since: datetime, until: datetime
    ) -> list[tuple[Event, Decision]]:
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

    # -- formal information requests --------------------------------------
    def information_request_add(self, request: InformationRequest) -> None:
        self.conn.execute(t.information_requests.insert(), [_request_row(request)])

    def information_request_put(self, request: InformationRequest) -> None:
        r = t.information_requests.c
        row = _request_row(request)
        self.conn.execute(
            update(t.information_requests)
            .where(r.request_id == request.request_id)
            .values({k: v for k, v in row.items() if k != "request_id"})
        )

    def information_request_get(self, request_id: str) -> InformationRequest | None:
        r = t.information_requests.c
        row = self.conn.execute(
            select(t.information_requests).where(r.request_id == request_id)
        ).first()
        return _request(row) if row else None

    def information_request_file_add(
        self, request_id: str, attachment_id: str, content: bytes
    ) -> None:
        key_id, sealed = self.cipher.seal(content, attachment_id.encode())
        row = {"attachment_id": attachment_id, "request_id": request_id}
        self.conn.execute(
            t.information_request_files.insert(), [row | {"key_id": key_id, "sealed": sealed}]
        )

    def information_request_file(self, attachment_id: str) -> bytes | None:
        f = t.information_request_files.c
        row = self.conn.execute(
            select(f.key_id, f.sealed).where(f.attachment_id == attachment_id)
        ).first()
        return self.cipher.open(row.key_id, row.sealed, attachment_id.encode()) if row else None

    def information_requests_list(
        self, status: RequestStatus | None = None, limit: int = 500
    ) -> list[InformationRequest]:
        r = t.information_requests.c
        query = select(t.information_requests).order_by(r.filed_at.desc(), r.request_id)
        if status is not None:
            query = query.where(r.status == status.value)
        return [_request(row) for row in self.conn.execute(query.limit(limit))]


def case_of_row(row: Any) -> Case:
    data = dict(row._mapping)
    data.pop("source_key", None)
    data.pop("open_key", None)
    data["event_ids"] = tuple(data["event_ids"])
    return Case(**data)


def _request_row(request: InformationRequest) -> dict[str, Any]:
    return {
        **request.model_dump(),
        "status": request.status.value,
        "event_ids": list(request.event_ids),
        "attachments": [a.model_dump() for a in request.attachments],
    }


def _request(row: Any) -> InformationRequest:
    data = dict(row._mapping)
    data["event_ids"] = tuple(data["event_ids"])
    data["attachments"] = tuple(Attachment(**a) for a in data["attachments"] or ())
    return InformationRequest(**data)
