"""Recording who looked: every regulator read goes into the audit log."""

from __future__ import annotations

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.audit import AuditEntry
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import Store


class AccessLog:
    """Appends an audit record for reads that must be accounted for."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def read(self, principal: Principal, what: str) -> None:
        """Record a read of ``what`` when the reader is a regulator (others are not audited)."""
        if principal.role is not Role.REGULATOR:
            return
        with self.store.write() as uow:
            uow.audit_append(
                [
                    AuditEntry(
                        at=self.clock.now(),
                        actor=principal.audit_name,
                        action="regulator.read",
                        subject=what,
                    )
                ]
            )
