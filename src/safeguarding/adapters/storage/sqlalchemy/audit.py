"""The audit part of the unit of work: the hash-chained audit log, appended in order.

Part of ``SqlUnitOfWork``. Appends take a lock first, so sequence numbers stay gapless and
the chain unforked however many transactions append at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select, text

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.audit import GENESIS_HASH, AuditEntry, AuditRecord

AUDIT_LOCK_KEY = 0x5AFE6A4D  # the PostgreSQL advisory lock that orders audit appends

# Built once: building and keying a statement costs more than running it.
_AUDIT_LAST = (
    select(t.audit_log.c.seq, t.audit_log.c.hash).order_by(t.audit_log.c.seq.desc()).limit(1)
)
_AUDIT_INSERT = t.audit_log.insert()


class AuditRows(Rows):
    """Audit records appended to and read from the chain."""

    def append(self, entries: Sequence[AuditEntry]) -> list[AuditRecord]:
        if not entries:
            return []
        self._lock_audit()
        last = self.conn.execute(_AUDIT_LAST).first()
        seq, prev = (last.seq, last.hash) if last else (0, GENESIS_HASH)
        records = []
        for entry in entries:
            seq += 1
            record = entry.chained(seq, prev)
            records.append(record)
            prev = record.hash
        self.conn.execute(_AUDIT_INSERT, [_audit_row(r) for r in records])
        return records

    def records(self, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditRecord]:
        query = select(t.audit_log).where(t.audit_log.c.seq > after_seq).order_by(t.audit_log.c.seq)
        if limit is not None:
            query = query.limit(limit)
        for row in self.conn.execute(query.execution_options(yield_per=1000)):
            yield AuditRecord(**row._mapping)

    def _lock_audit(self) -> None:
        if self._dialect == "postgresql":
            # Appenders queue here, so sequence numbers stay gapless and the chain unforked.
            # (SQLite writers already queue on BEGIN IMMEDIATE.)
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})

    def latest(self, action: str) -> AuditRecord | None:
        self._lock_audit()
        row = self.conn.execute(
            select(t.audit_log)
            .where(t.audit_log.c.action == action)
            .order_by(t.audit_log.c.seq.desc())
            .limit(1)
        ).first()
        return AuditRecord(**row._mapping) if row else None

    def head(self) -> AuditRecord | None:
        row = self.conn.execute(
            select(t.audit_log).order_by(t.audit_log.c.seq.desc()).limit(1)
        ).first()
        return AuditRecord(**row._mapping) if row else None


def _audit_row(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "subject": record.subject,
        "details": record.details,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }
