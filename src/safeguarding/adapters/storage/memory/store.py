"""The in-memory store and unit of work.

A write works on a deep copy of the committed state and replaces it on success, so a failed
write leaves nothing behind; one writer at a time, as on SQLite. Content is kept as domain
objects in this process's memory: there is nothing at rest to seal.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from safeguarding.adapters.storage.memory.banks import MemoryBanks
from safeguarding.adapters.storage.memory.complaints import (
    MemoryComplaints,
    MemoryInformationRequests,
    MemorySuperComplaints,
)
from safeguarding.adapters.storage.memory.evidence import (
    MemoryEvidence,
    MemoryReports,
    MemoryRetention,
)
from safeguarding.adapters.storage.memory.people import MemoryAccounts, MemoryConversations
from safeguarding.adapters.storage.memory.repositories import (
    MemoryAudit,
    MemoryCases,
    MemoryEvents,
    MemoryFigures,
    MemoryKeys,
    MemoryOutbox,
    MemoryPolicy,
    MemorySessions,
)
from safeguarding.adapters.storage.memory.risk import MemoryRisk
from safeguarding.adapters.storage.memory.sharing import MemoryPartnerAccounts
from safeguarding.adapters.storage.memory.state import MemoryState
from safeguarding.adapters.storage.memory.transparency import MemoryTransparency
from safeguarding.domain.domain_events import DomainEvent
from safeguarding.domain.errors import StoreClosed
from safeguarding.ports.domain_events import UnitOfWorkBase


class MemoryUnitOfWork(UnitOfWorkBase):
    """Every repository of the unit of work, over one transaction's state."""

    def __init__(self, state: MemoryState) -> None:
        self.events = MemoryEvents(state)
        self.retention = MemoryRetention(state)
        self.accounts = MemoryAccounts(state)
        self.conversations = MemoryConversations(state)
        self.outbox = MemoryOutbox(state)
        self.cases = MemoryCases(state)
        self.evidence = MemoryEvidence(state)
        self.reports = MemoryReports(state)
        self.audit = MemoryAudit(state)
        self.policy = MemoryPolicy(state)
        self.keys = MemoryKeys(state)
        self.sessions = MemorySessions(state)
        self.banks = MemoryBanks(state)
        self.partner_accounts = MemoryPartnerAccounts(state)
        self.figures = MemoryFigures(state)
        self.complaints = MemoryComplaints(state)
        self.super_complaints = MemorySuperComplaints(state)
        self.information_requests = MemoryInformationRequests(state)
        self.transparency = MemoryTransparency(state)
        self.risk = MemoryRisk(state)


class Committed:
    """The committed state and the lock its one writer holds, shared by every store opened
    on it (``MemoryStore.another``)."""

    def __init__(self) -> None:
        self.state = MemoryState()
        self.write_lock = threading.Lock()


class MemoryStore:
    """Hands out transactions over state kept in memory; ``publish`` is given the domain
    events a transaction recorded once it has committed (never after a rollback)."""

    def __init__(self, publish: Callable[[Iterable[DomainEvent]], None] | None = None) -> None:
        self.publish = publish
        self._committed = Committed()
        self._closed = False

    def another(self) -> MemoryStore:
        """A second store over this one's state, as a second process opens the same database:
        the same data and writer lock, its own ``publish`` and ``close``."""
        other = MemoryStore()
        other._committed = self._committed
        return other

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("the store is closed")

    @contextmanager
    def write(self) -> Iterator[MemoryUnitOfWork]:
        self._check_open()
        with self._committed.write_lock:
            working = copy.deepcopy(self._committed.state)
            uow = MemoryUnitOfWork(working)
            yield uow
            self._committed.state = working
        self._published(uow)

    @contextmanager
    def read(self) -> Iterator[MemoryUnitOfWork]:
        self._check_open()
        uow = MemoryUnitOfWork(copy.deepcopy(self._committed.state))
        yield uow
        self._published(uow)

    def _published(self, uow: MemoryUnitOfWork) -> None:
        recorded = uow.recorded()
        if recorded and self.publish is not None:
            self.publish(recorded)

    @contextmanager
    def scratch(self) -> Iterator[MemoryUnitOfWork]:
        self._check_open()
        yield MemoryUnitOfWork(copy.deepcopy(self._committed.state))

    def compact(self, full: bool = False) -> None:
        """Nothing to compact: removed content is gone with its last reference."""

    def close(self) -> None:
        self._closed = True
