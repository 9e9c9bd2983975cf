"""The web sessions part of the unit of work (migration 0013).

A session row holds the SHA-256 of the session id the browser's cookie carries, so a copy
of the table lets no one log in. A session is live while it has no ``ended_at`` and has not
expired; logout ends one, revoking a key ends all of its sessions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Table, and_, delete, select, update

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.ports.store import WebSessionRecord

# Declared here, beside the only code that reads it, on the shared metadata.
web_sessions = Table(
    "web_sessions",
    t.metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("key_id", String(32), nullable=False, index=True),
    Column("created_at", t.UTCDateTime, nullable=False),
    Column("expires_at", t.UTCDateTime, nullable=False),
    Column("ended_at", t.UTCDateTime),
)
S = web_sessions.c


class SessionRows(Rows):
    """Web session rows to and from ``WebSessionRecord``."""

    def add(self, session: WebSessionRecord) -> None:
        self.conn.execute(web_sessions.insert(), [session.__dict__])

    def get(self, session_hash: str) -> WebSessionRecord | None:
        query = select(web_sessions).where(S.session_hash == session_hash)
        found = self.conn.execute(query).mappings().first()
        return WebSessionRecord(**found) if found else None

    def end(self, session_hash: str, at: datetime) -> bool:
        result = self.conn.execute(
            update(web_sessions)
            .where(and_(S.session_hash == session_hash, S.ended_at.is_(None)))
            .values(ended_at=at)
        )
        return result.rowcount == 1

    def end_for_key(self, key_id: str, at: datetime) -> int:
        result = self.conn.execute(
            update(web_sessions)
            .where(and_(S.key_id == key_id, S.ended_at.is_(None)))
            .values(ended_at=at)
        )
        return int(result.rowcount)

    def purge(self, expired_before: datetime) -> int:
        result = self.conn.execute(delete(web_sessions).where(S.expires_at < expired_before))
        return int(result.rowcount)
