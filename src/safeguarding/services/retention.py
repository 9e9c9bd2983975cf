"""Retention: removing content that has been kept as long as it may be, everywhere it lives.

A run first purges preserved evidence past its retention (the evidence service's own rule:
a legal hold stops it), then replaces with tombstones the content of events past their
type's retention that nothing keeps (see ``RetentionStore.events_past_retention``), in
batches, each batch one transaction with one audit record naming the events (ids, no
content). Last, the store makes the removed bytes unrecoverable from its files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.ids import Clock
from safeguarding.domain.retention import retention_cutoffs, without_content
from safeguarding.ports.store import HasAudit, HasEvents, HasReports, HasRetention, Transactions
from safeguarding.services import auditor
from safeguarding.services.evidence import EvidenceService
from safeguarding.services.reporting import ReportSender

BATCH = 200


class RetentionWork(HasAudit, HasEvents, HasReports, HasRetention, Protocol):
    """What retention reads and writes in one transaction."""


class CompactingStore(Transactions[RetentionWork], Protocol):
    """Transactions, and making what they removed unrecoverable from the database's files."""

    def compact(self, full: bool = False) -> None: ...


@dataclass(frozen=True)
class RetentionResult:
    """What one run removed."""

    evidence_purged: int
    events_tombstoned: int


class RetentionService:
    """Runs retention over the whole store."""

    def __init__(
        self,
        store: CompactingStore,
        clock: Clock,
        evidence: EvidenceService,
        content_days: int,
        days_by_type: Mapping[str, int] | None = None,
        reports: ReportSender | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.evidence = evidence
        self.content_days = content_days
        self.days_by_type = dict(days_by_type or {})
        self.reports = reports

    def due(self) -> int:
        """How many events' content the next run would remove (at most 100,000 counted)."""
        cutoffs = retention_cutoffs(self.clock.now(), self.content_days, self.days_by_type)
        with self.store.read() as uow:
            return len(uow.retention.past_retention(cutoffs, 100_000))

    def run(
        self, actor: str, progress: Callable[[int], None] | None = None, full: bool = False
    ) -> RetentionResult:
        """Purge expired evidence, tombstone expired content, then compact the store."""
        purged = len(self.evidence.purge(actor, progress=progress))
        now = self.clock.now()
        cutoffs = retention_cutoffs(now, self.content_days, self.days_by_type)
        removed = 0
        while True:
            with self.store.write() as uow:
                due = uow.retention.past_retention(cutoffs, BATCH)
                for event_id in due:
                    event = uow.events.get(event_id)
                    if event is not None:
                        uow.retention.remove_content(without_content(event), now)
                if due:
                    _audit(uow, now, actor, due)
                sent = [f"{r.authority}-{r.event_id}" for r in uow.reports.for_events(due)]
            self._withdraw(sent)
            removed += len(due)
            if progress is not None and due:
                progress(len(due))
            if len(due) < BATCH:
                break
        self.store.compact(full=full)
        return RetentionResult(evidence_purged=purged, events_tombstoned=removed)

    def _withdraw(self, names: list[str]) -> None:
        """The package files written for upload go with their content (the sealed package
        went in the transaction just committed)."""
        if self.reports is None:
            return
        for name in names:
            self.reports.withdraw(name)


def _audit(uow: RetentionWork, at: datetime, actor: str, event_ids: list[str]) -> None:
    subject = AuditSubject.events(len(event_ids))
    details = {"event_ids": event_ids}
    auditor.record(uow, at, actor, AuditAction.RETENTION_CONTENT_REMOVED, subject, details)
