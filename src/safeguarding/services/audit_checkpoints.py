"""Automatic signed checkpoints of the audit chain, kept outside the database.

The chain alone cannot show that its newest records were deleted: what is left still
verifies. A checkpoint signs the head (sequence number and hash) and is written where the
database cannot reach (a folder, a witness on another host); `audit verify` then fails when
the chain ends before the newest checkpoint. So that a checkpoint covers itself, each one
first appends an ``audit.checkpoint`` record and signs that record.

Every process running the outbox loop calls ``maybe_take`` on each pass. The decision is
taken again under the chain's append lock, reading the newest ``audit.checkpoint`` record,
so only one process makes the checkpoint of an interval however many workers run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from safeguarding.domain.audit import (
    CHECKPOINT_ACTION,
    AuditRecord,
    Checkpoint,
    checkpoint_due,
)
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import HasAudit, Transactions
from safeguarding.services import auditor

log = logging.getLogger("safeguarding.audit")


class CheckpointWork(HasAudit, Protocol):
    """What signed checkpoints of the audit chain reads and writes in one transaction."""


class CheckpointSigner(Protocol):
    """Signs a head with the engine's audit key (kept out of the database)."""

    def sign(self, head: AuditRecord, now: datetime) -> Checkpoint: ...


class CheckpointSink(Protocol):
    """Somewhere a signed checkpoint is kept: a folder, a witness. Raises on failure."""

    name: str

    def publish(self, checkpoint: Checkpoint) -> None: ...


@dataclass(frozen=True)
class Schedule:
    """When a checkpoint is due: every ``records`` records, or every ``seconds`` seconds while
    records are added. Zero turns that trigger off."""

    records: int
    seconds: float

    @property
    def enabled(self) -> bool:
        return bool(self.records or self.seconds)


@dataclass(frozen=True)
class _Last:
    seq: int
    since: datetime | None


class AuditCheckpoints:
    """Takes a checkpoint when one is due and hands it to every sink."""

    def __init__(
        self,
        store: Transactions[CheckpointWork],
        clock: Clock,
        signer: CheckpointSigner,
        sinks: Sequence[CheckpointSink],
        schedule: Schedule,
    ) -> None:
        self.store = store
        self.clock = clock
        self.signer = signer
        self.sinks = tuple(sinks)
        self.schedule = schedule
        self._last: _Last | None = None  # this process's view; re-read under the lock when due

    def chain(self) -> list[AuditRecord]:
        """Every audit record, in order (what a verification reads)."""
        with self.store.read() as uow:
            return list(uow.audit.records())

    def maybe_take(self) -> Checkpoint | None:
        """A new checkpoint if one is due (and published), else None."""
        if not self.schedule.enabled or not self._looks_due():
            return None
        return self._take(force=False)

    def take_now(self) -> Checkpoint | None:
        """A checkpoint now, due or not (None only when the chain is empty)."""
        return self._take(force=True)

    def _take(self, *, force: bool) -> Checkpoint | None:
        with self.store.write() as uow:
            checkpoint = self._take_if_due(uow, force)
        if checkpoint is not None:
            self._publish(checkpoint)
        return checkpoint

    def _looks_due(self) -> bool:
        """A cheap check on this process's last view, so most passes only read the head."""
        with self.store.read() as uow:
            head = uow.audit.head()
        if head is None:
            return False
        if self._last is None or self._last.since is None:
            return True
        return self._reason(head, self._last) is not None

    def _take_if_due(self, uow: CheckpointWork, force: bool) -> Checkpoint | None:
        self._last = _last_checkpoint(uow)  # under the append lock: another process may have
        head = uow.audit.head()  # made this interval's checkpoint already
        reason = "taken by hand" if force and head else self._reason(head, self._last)
        if reason is None:
            return None
        now = self.clock.now()
        subject = AuditSubject.checkpoint(head.seq if head else 0)
        details = {"reason": reason}
        record = auditor.record(uow, now, "system", AuditAction.CHECKPOINT, subject, details)
        self._last = _Last(record.seq, record.at)
        return self.signer.sign(record, now)

    def _reason(self, head: AuditRecord | None, last: _Last) -> str | None:
        return checkpoint_due(
            head.seq if head else 0,
            last.seq,
            last.since,
            self.clock.now(),
            self.schedule.records,
            self.schedule.seconds,
        )

    def _publish(self, checkpoint: Checkpoint) -> None:
        for sink in self.sinks:
            try:
                sink.publish(checkpoint)
            except Exception as exc:  # one sink down must not stop the others
                log.error(
                    "audit checkpoint not kept",
                    extra={"sink": sink.name, "seq": checkpoint.seq, "error": type(exc).__name__},
                )
            else:
                log.info("audit checkpoint kept", extra={"sink": sink.name, "seq": checkpoint.seq})


def _last_checkpoint(uow: CheckpointWork) -> _Last:
    """The newest checkpoint record; before the first, the chain's start (its first record's
    time starts the clock)."""
    latest = uow.audit.latest(CHECKPOINT_ACTION)
    if latest is not None:
        return _Last(latest.seq, latest.at)
    first = next(iter(uow.audit.records(limit=1)), None)
    return _Last(0, first.at if first else None)
