"""Web UI sessions, held in the store so that logout and key revocation end them everywhere.

The browser's cookie carries a random session id; the store keeps only its SHA-256. A
session gives its key's caller while it has not ended or expired and its key is active.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import HasAudit, HasKeys, HasSessions, Transactions, WebSessionRecord
from safeguarding.services import auditor
from safeguarding.services.keys import principal_of

SESSION_HOURS = 8


class SessionWork(HasAudit, HasKeys, HasSessions, Protocol):
    """What web sessions reads and writes in one transaction."""


class WebSessions:
    """Starts, looks up and ends web UI sessions."""

    def __init__(
        self, store: Transactions[SessionWork], clock: Clock, hours: float = SESSION_HOURS
    ) -> None:
        self.store = store
        self.clock = clock
        self.lifetime = timedelta(hours=hours)

    def start(self, principal: Principal) -> str:
        """A new session for ``principal``; the id returned is the only copy."""
        session_id, now = secrets.token_urlsafe(32), self.clock.now()
        record = WebSessionRecord(_hash(session_id), principal.key_id, now, now + self.lifetime)
        with self.store.write() as uow:
            uow.sessions.purge(expired_before=now)  # an expired session is never live again
            uow.sessions.add(record)
            _audit(uow, principal, AuditAction.SESSION_START, now)
        return session_id

    def principal(self, session_id: str | None) -> Principal | None:
        """The caller of a live session, or None (ended, expired, unknown, or key revoked)."""
        if not session_id:
            return None
        with self.store.read() as uow:
            record = uow.sessions.get(_hash(session_id))
            if record is None or record.ended_at is not None:
                return None
            if record.expires_at <= self.clock.now():
                return None
            key = uow.keys.get(record.key_id)
        if key is None or key.revoked_at is not None:
            return None
        return principal_of(key)

    def end(self, session_id: str | None, principal: Principal | None) -> None:
        """End a session (logout); ending one already ended does nothing."""
        if not session_id:
            return
        now = self.clock.now()
        with self.store.write() as uow:
            ended = uow.sessions.end(_hash(session_id), now)
            if ended and principal is not None:
                _audit(uow, principal, AuditAction.SESSION_END, now)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _audit(uow: SessionWork, principal: Principal, action: AuditAction, at: datetime) -> None:
    auditor.record(uow, at, principal, action, AuditSubject.key(principal.key_id))
