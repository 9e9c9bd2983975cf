"""The outbox part of the unit of work: side effects stored with the decision that asked
for them, then leased, done, retried or dead-lettered by the outbox worker.

Part of ``SqlUnitOfWork``. On PostgreSQL a lease skips the rows another worker holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.ports.store import OutboxItem


class OutboxRows(Rows):
    """Outbox rows to and from ``OutboxItem``."""

    def add(self, items: Sequence[OutboxItem]) -> None:
        if items:
            self.conn.execute(t.outbox.insert(), [_outbox_row(i) for i in items])

    def next(self, now: datetime, lease_seconds: float) -> OutboxItem | None:
        o = t.outbox.c
        query = (
            select(t.outbox)
            .where(and_(o.status == "pending", o.next_attempt_at <= now))
            .order_by(o.next_attempt_at, o.item_id)
            .limit(1)
        )
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = self.conn.execute(query).first()
        if row is None:
            return None
        self.conn.execute(
            update(t.outbox)
            .where(o.item_id == row.item_id)
            .values(attempts=o.attempts + 1, next_attempt_at=now + timedelta(seconds=lease_seconds))
        )
        return OutboxItem(
            row.item_id, row.kind, row.event_id, row.payload, row.created_at, row.attempts + 1
        )

    def done(self, item_id: str, now: datetime, result: str) -> None:
        self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.item_id == item_id)
            .values(status="done", done_at=now, result=result)
        )

    def retry(self, item_id: str, error: str, at: datetime) -> None:
        self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.item_id == item_id)
            .values(next_attempt_at=at, last_error=error[:2000])
        )

    def failed(self, item_id: str, now: datetime, error: str) -> None:
        """Dead-letter an item that can never succeed: kept, with why, and never retried."""
        self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.item_id == item_id)
            .values(status="failed", done_at=now, last_error=error[:2000])
        )

    def pending(self) -> int:
        o = t.outbox.c
        return self.conn.execute(select(func.count()).where(o.status == "pending")).scalar_one()


def _outbox_row(item: OutboxItem) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "kind": item.kind,
        "event_id": item.event_id,
        "payload": item.payload,
        "created_at": item.created_at,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": item.created_at,
    }
