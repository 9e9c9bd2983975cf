"""The review queue as moderators and dashboards read it."""

from __future__ import annotations

from safeguarding.domain.cases import Case, CaseStatus
from safeguarding.ports.store import Counts, Store

OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED)


class ReviewService:
    """Lists cases by priority and deadline, and the figures behind the dashboards."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def queue(self, limit: int = 100) -> list[Case]:
        with self.store.read() as uow:
            return uow.cases_list(OPEN_STATUSES, limit)

    def counts(self) -> Counts:
        with self.store.read() as uow:
            return uow.counts()

    def outbox_pending(self) -> int:
        with self.store.read() as uow:
            return uow.outbox_pending()
