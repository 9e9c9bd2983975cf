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
from typing import Any

from safeguarding.adapters.storage.memory.people import MemoryAccounts, MemoryConversations
from safeguarding.adapters.storage.memory.repositories import (
    MemoryAudit,
    MemoryBanks,
    MemoryCases,
    MemoryEvents,
    MemoryFigures,
    MemoryKeys,
    MemoryOutbox,
    MemoryPolicy,
    MemoryRisk,
    MemorySessions,
)
from safeguarding.adapters.storage.memory.sharing import MemoryPartnerAccounts
from safeguarding.adapters.storage.memory.state import MemoryState
from safeguarding.domain.domain_events import DomainEvent
from safeguarding.domain.errors import StoreClosed
from safeguarding.ports.domain_events import UnitOfWorkBase


class NotKept:
    """A repository the in-memory store does not keep: any use says so."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, method: str) -> Any:
        raise NotImplementedError(f"the in-memory store keeps no {self.name} ({method})")


class MemoryUnitOfWork(UnitOfWorkBase):
    """The repositories over one transaction's state."""

    def __init__(self, state: MemoryState) -> None:
        self.events = MemoryEvents(state)
        self.accounts = MemoryAccounts(state)
        self.conversations = MemoryConversations(state)
        self.outbox = MemoryOutbox(state)
        self.cases = MemoryCases(state)
        self.audit = MemoryAudit(state)
        self.policy = MemoryPolicy(state)
        self.keys = MemoryKeys(state)
        self.sessions = MemorySessions(state)
        self.figures = MemoryFigures(state)
        self.risk = MemoryRisk(state)
        self.banks = MemoryBanks(state)
        self.partner_accounts = MemoryPartnerAccounts(state)

    def __getattr__(self, name: str) -> Any:
        return NotKept(name)


class MemoryStore:
    """Hands out transactions over state kept in memory; ``publish`` is given the domain
    events a transaction recorded once it has committed (never after a rollback)."""

    def __init__(self, publish: Callable[[Iterable[DomainEvent]], None] | None = None) -> None:
        self.publish = publish
        self._state = MemoryState()
        self._write_lock = threading.Lock()
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("the store is closed")

    @contextmanager
    def write(self) -> Iterator[MemoryUnitOfWork]:
        self._check_open()
        with self._write_lock:
            working = copy.deepcopy(self._state)
            uow = MemoryUnitOfWork(working)
            yield uow
            self._state = working
        self._published(uow)

    @contextmanager
    def read(self) -> Iterator[MemoryUnitOfWork]:
        self._check_open()
        uow = MemoryUnitOfWork(copy.deepcopy(self._state))
        yield uow
        self._published(uow)

    def _published(self, uow: MemoryUnitOfWork) -> None:
        recorded = uow.recorded()
        if recorded and self.publish is not None:
            self.publish(recorded)

    @contextmanager
    def scratch(self) -> Iterator[MemoryUnitOfWork]:
        self._check_open()
        yield MemoryUnitOfWork(copy.deepcopy(self._state))

    def compact(self, full: bool = False) -> None:
        """Nothing to compact: removed content is gone with its last reference."""

    def close(self) -> None:
        self._closed = True
