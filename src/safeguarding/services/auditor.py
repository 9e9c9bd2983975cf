"""The auditor: the one way a service writes to (or asks of) the audit log.

Each record is written inside the calling service's own transaction (``uow``), so it is
stored with the change it accounts for or not at all. Actions are ``AuditAction`` members
and subjects ``AuditSubject`` values (``domain/audit_actions.py``); the strings stored are
those the log has always held.

A regulator's reads are recorded by the service that reads, never by an adapter. An adapter
says who reads what (a ``Read``: the principal, and the subject the API or the page names) and
the service reads inside ``reading()``: for the regulator a write transaction that records
the read first, so the record commits with what was read or not at all. What a service
serves from memory (a snapshot) it records with ``note()``, in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.audit import AuditEntry, AuditRecord
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import HasAudit, Transactions

Actor = str | Principal
W = TypeVar("W", bound=HasAudit)


def entry(
    at: datetime,
    actor: Actor,
    action: AuditAction,
    subject: AuditSubject,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """One record, before it has its place in the chain."""
    who = actor.audit_name if isinstance(actor, Principal) else actor
    return AuditEntry(
        at=at, actor=who, action=action.value, subject=str(subject), details=details or {}
    )


def record(
    uow: HasAudit,
    at: datetime,
    actor: Actor,
    action: AuditAction,
    subject: AuditSubject,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record in ``uow``'s transaction."""
    (stored,) = uow.audit.append([entry(at, actor, action, subject, details)])
    return stored


def record_all(uow: HasAudit, entries: Sequence[AuditEntry]) -> list[AuditRecord]:
    """Append records made with ``entry`` together, in order."""
    return uow.audit.append(entries)


def regulator_read(
    uow: HasAudit,
    at: datetime,
    principal: Principal,
    subject: AuditSubject,
    details: dict[str, Any] | None = None,
) -> None:
    """Record that the regulator read ``subject`` (the other roles' reads are not audited)."""
    if principal.role is Role.REGULATOR:
        record(uow, at, principal, AuditAction.REGULATOR_READ, subject, details)


def content_read(
    uow: HasAudit,
    at: datetime,
    principal: Principal,
    action: AuditAction,
    subject: AuditSubject,
    details: dict[str, Any] | None = None,
) -> None:
    """Record a read of words someone wrote (a complaint, a super-complaint), whoever reads:
    the regulator's as ``regulator.read``, like all of its reads, anyone else's as ``action``."""
    if principal.role is Role.REGULATOR:
        regulator_read(uow, at, principal, subject, details)
    else:
        record(uow, at, principal, action, subject, details)


@dataclass(frozen=True)
class Read:
    """Who reads, and what, as the adapter names it (an API listing, a web page)."""

    principal: Principal
    subject: AuditSubject

    @property
    def audited(self) -> bool:
        return self.principal.role is Role.REGULATOR


@contextmanager
def reading(store: Transactions[W], clock: Clock, read: Read | None) -> Iterator[W]:
    """A transaction to read in; for a regulator's read, a write one that records it first."""
    if read is None or not read.audited:
        with store.read() as uow:
            yield uow
        return
    with store.write() as uow:
        regulator_read(uow, clock.now(), read.principal, read.subject)
        yield uow


def note(store: Transactions[HasAudit], clock: Clock, read: Read | None) -> None:
    """Record a regulator's read of what the service serves from memory, on its own."""
    if read is not None and read.audited:
        with store.write() as uow:
            regulator_read(uow, clock.now(), read.principal, read.subject)


# -- what services ask of the log -------------------------------------------------------------


def details_of(uow: HasAudit, action: AuditAction, subject: AuditSubject) -> list[dict[str, Any]]:
    """The details of every record of ``action`` on ``subject``, oldest first."""
    return uow.audit.details(action.value, str(subject))


def mentions(uow: HasAudit, actions: Collection[AuditAction], subject: AuditSubject) -> bool:
    """Whether any record of ``actions`` is about ``subject``."""
    return uow.audit.mentions([a.value for a in actions], str(subject))


def counts(
    uow: HasAudit, action: AuditAction, actors: Collection[str] | None = None
) -> dict[str, int]:
    """How many records of ``action`` each actor has (of ``actors``, or all)."""
    return uow.audit.counts(action.value, actors)


def records_of(
    uow: HasAudit,
    actions: Collection[AuditAction],
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[AuditEntry]:
    """Every record of ``actions`` in [start, end), oldest first (details carry ``seq``)."""
    return uow.audit.of([a.value for a in actions], start, end)
