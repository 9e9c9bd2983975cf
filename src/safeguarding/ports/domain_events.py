"""The unit of work's part in domain events: it collects those its transaction records.

Every unit of work inherits ``UnitOfWorkBase``; the store takes ``recorded()`` after the
transaction commits and hands them to the subscribers (never after a rollback: the unit of
work, and what it recorded, is dropped).
"""

from __future__ import annotations

from typing import Protocol

from safeguarding.domain.domain_events import DomainEvent


class RecordsDomainEvents(Protocol):
    """What a service may do with the domain events of its transaction."""

    def record(self, event: DomainEvent) -> None: ...


class UnitOfWorkBase:
    """Collects the domain events recorded in one transaction, in the order recorded."""

    _recorded: list[DomainEvent] | None = None  # made on the first record: most record none

    def record(self, event: DomainEvent) -> None:
        if self._recorded is None:
            self._recorded = []
        self._recorded.append(event)

    def recorded(self) -> tuple[DomainEvent, ...]:
        return tuple(self._recorded or ())
