"""The auditor: the one way a service writes to (or asks of) the audit log.

Each record is written inside the calling service's own transaction (``uow``), so it is
stored with the change it accounts for or not at all. Actions are ``AuditAction`` members
and subjects ``AuditSubject`` values (``domain/audit_actions.py``); the strings stored are
those the log has always held.

A regulator's reads are accounted for by ``regulator_read``: inside a service's transaction
where a service does the reading, and through ``AccessLog`` (one transaction of its own)
where an adapter shows something that no service call reads on the regulator's behalf.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.audit import AuditEntry, AuditRecord
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import HasAudit, Transactions

Actor = str | Principal


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


class AccessLog:
    """A regulator's read that an adapter shows without a service reading on its behalf,
    recorded in a transaction of its own."""

    def __init__(self, store: Transactions[HasAudit], clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def read(self, principal: Principal, subject: AuditSubject) -> None:
        if principal.role is not Role.REGULATOR:
            return
        with self.store.write() as uow:
            regulator_read(uow, self.clock.now(), principal, subject)


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
