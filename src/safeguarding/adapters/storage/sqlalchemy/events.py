"""The events of the unit of work, their authority reports, and the dashboard figures.

Rows are turned into domain objects here and never leave as rows.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from safeguarding.adapters.storage.crypto import EVENT_FINGERPRINT, ContentCipher
from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.adapters.storage.sqlalchemy.schema import EncodedJson, expanding_ids
from safeguarding.adapters.storage.sqlalchemy.sealed import open_report, seal_report
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import EVENT_ADAPTER, Event
from safeguarding.domain.reports import ReportRecord
from safeguarding.ports.store import Counts, NewEvent, StoredEvent

# The hot path's queries, built once: building and keying a statement costs more than running it.
_EVENTS_BY_ID = select(t.events.c.event_id, t.events.c.fingerprint, t.events.c.decision).where(
    t.events.c.event_id.in_(expanding_ids())
)
_DECISIONS_BY_ID = select(t.events.c.event_id, t.events.c.actor_id, t.events.c.decision).where(
    t.events.c.event_id.in_(expanding_ids())
)
_EVENTS_INSERT = t.events.insert()


def read_event(conn: Connection, cipher: ContentCipher, event_id: str) -> Event | None:
    """One stored event, opened (evidence and retention read it too)."""
    row = conn.execute(
        select(t.events.c.key_id, t.events.c.payload).where(t.events.c.event_id == event_id)
    ).first()
    if row is None:
        return None
    return EVENT_ADAPTER.validate_json(cipher.open(row.key_id, row.payload, event_id.encode()))


class EventRows(Rows):
    """Events with their decisions: the hot path's reads and the batch insert."""

    def find(self, event_ids: Collection[str]) -> dict[str, StoredEvent]:
        if not event_ids:
            return {}
        return {
            row.event_id: StoredEvent(
                row.event_id,
                Decision.model_validate(row.decision),
                functools.partial(self._fingerprint_matches, row.fingerprint),
            )
            for row in self.conn.execute(_EVENTS_BY_ID, {"ids": list(event_ids)})
        }

    def _fingerprint_matches(self, stored: str, fingerprint: str) -> bool:
        return self.cipher.digest_matches(stored, fingerprint.encode(), EVENT_FINGERPRINT)

    def decisions(self, event_ids: Collection[str]) -> dict[str, tuple[str, Decision]]:
        """Each stored event's author (its actor_id) and decision, by event_id."""
        if not event_ids:
            return {}
        rows = self.conn.execute(_DECISIONS_BY_ID, {"ids": list(event_ids)})
        return {row.event_id: (row.actor_id, Decision.model_validate(row.decision)) for row in rows}

    def add(self, items: Sequence[NewEvent]) -> None:
        if not items:
            return
        self.conn.execute(_EVENTS_INSERT, [self._event_row(item) for item in items])

    def _event_row(self, item: NewEvent) -> dict[str, Any]:
        event = item.event
        key_id, sealed = self.cipher.seal(event.model_dump_json().encode(), event.event_id.encode())
        return {
            "event_id": event.event_id,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "received_at": item.received_at,
            "actor_id": event.actor_id,
            "conversation_id": event.conversation(),
            "fingerprint": self.cipher.keyed_digest(item.fingerprint.encode(), EVENT_FINGERPRINT),
            "key_id": key_id,
            "payload": sealed,
            **_decision_columns(item.decision),
        }

    def get(self, event_id: str) -> Event | None:
        return read_event(self.conn, self.cipher, event_id)


class ReportRows(Rows):
    """Authority report drafts and their sealed packages."""

    def recent(self, limit: int = 500) -> list[ReportRecord]:
        r = t.authority_reports.c
        rows = self.conn.execute(
            select(t.authority_reports).order_by(r.created_at.desc(), r.event_id).limit(limit)
        )
        return [open_report(self.cipher, row) for row in rows]

    def get(self, event_id: str, authority: str) -> ReportRecord | None:
        r = t.authority_reports.c
        row = self.conn.execute(
            select(t.authority_reports).where(r.event_id == event_id, r.authority == authority)
        ).first()
        return open_report(self.cipher, row) if row else None

    def put(self, report: ReportRecord) -> None:
        r = t.authority_reports.c
        values = seal_report(self.cipher, report)
        self.conn.execute(
            update(t.authority_reports)
            .where(r.event_id == report.event_id, r.authority == report.authority)
            .values(**values)
        )

    def draft(self, event_id: str, authority: str, at: datetime) -> bool:
        row = {
            "event_id": event_id,
            "authority": authority,
            "status": "awaiting_confirmation",
            "created_at": at,
        }
        return self._insert_ignoring(t.authority_reports, [row]) == 1

    def for_events(self, event_ids: Collection[str]) -> list[ReportRecord]:
        r = t.authority_reports.c
        query = (
            select(t.authority_reports)
            .where(r.event_id.in_(list(event_ids)))
            .order_by(r.created_at, r.event_id, r.authority)
        )
        return [open_report(self.cipher, row) for row in self.conn.execute(query)]


class FigureRows(Rows):
    """Simple figures for dashboards."""

    def counts(self) -> Counts:
        def grouped(column: Any) -> dict[str, int]:
            rows = self.conn.execute(select(column, func.count()).group_by(column))
            return {str(key): int(n) for key, n in rows}

        return Counts(
            events_by_type=grouped(t.events.c.type),
            decisions_by_verdict=grouped(t.events.c.verdict),
            cases_by_status=grouped(t.cases.c.status),
            cases_by_queue=grouped(t.cases.c.queue),
        )


def _decision_columns(decision: Decision) -> dict[str, Any]:
    return {
        "verdict": decision.verdict.value,
        "policy_version": decision.policy_version,
        "decided_at": decision.decided_at,
        "decision": EncodedJson(decision.model_dump_json()),
    }
