"""The case part of the unit of work: one undecided case per harm, subject and conversation.

Part of ``SqlUnitOfWork``. A case row carries its ``open_key`` (harm, subject and
conversation) until it is decided; a unique index on it means that of two transactions opening
a case for the same harm at once, one inserts and the other's insert is ignored, after which it
finds the open case (locking its row on PostgreSQL) and adds its events to it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.review import case_of_row
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.cases import DECIDED, Case, CaseStatus


class CaseRows(Rows):
    """Opening, joining and updating cases."""

    if TYPE_CHECKING:  # given by CaseReviewRows, with which SqlCases joins it

        def case_events_link(self, case: Case) -> None: ...

    def get(self, case_id: str) -> Case | None:
        row = self.conn.execute(select(t.cases).where(t.cases.c.case_id == case_id)).first()
        return case_of_row(row) if row else None

    def listed(
        self,
        statuses: Collection[CaseStatus],
        limit: int,
        queues: Collection[str] | None = None,
    ) -> list[Case]:
        c = t.cases.c
        query = (
            select(t.cases)
            .where(c.status.in_([s.value for s in statuses]))
            .order_by(c.priority, c.deadline, c.case_id)
            .limit(limit)
        )
        if queues is not None:
            query = query.where(c.queue.in_(list(queues)))
        return [case_of_row(row) for row in self.conn.execute(query)]

    def add(self, case: Case, source_key: str) -> bool:
        """Store a new case; False when its source already made one, or another undecided
        case holds its harm, subject and conversation (``case_open`` finds that one)."""
        row = {**_case_row(case), "source_key": source_key}
        added = self._insert_ignoring(t.cases, [row]) == 1
        if added:
            self.case_events_link(case)
        return added

    def open(self, open_key: str) -> Case | None:
        """The undecided case for this harm, subject and conversation, locked until commit."""
        query = select(t.cases).where(t.cases.c.open_key == open_key)
        if self._dialect == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return case_of_row(row) if row else None

    def open_about(self, queue: str, subject_account_id: str) -> Case | None:
        """The most urgent undecided case of this harm about the subject, in any conversation
        (the earliest opened of equals), locked until commit."""
        c = t.cases.c
        query = (
            select(t.cases)
            .where(
                c.open_key.is_not(None),
                c.queue == queue,
                c.subject_account_id == subject_account_id,
            )
            .order_by(c.priority, c.opened_at, c.case_id)
            .limit(1)
        )
        if self._dialect == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return case_of_row(row) if row else None

    def absorb(self, case: Case, added_event_ids: Sequence[str]) -> None:
        """Store a case that took in a later signal: events, priority, deadline and rule."""
        c = t.cases.c
        self.conn.execute(
            update(t.cases)
            .where(c.case_id == case.case_id)
            .values(
                event_ids=list(case.event_ids),
                priority=case.priority,
                deadline=case.deadline,
                rule=case.rule,
                report_to_authority=case.report_to_authority,
                takedown_by=case.takedown_by,
            )
        )
        linked = set(
            self.conn.scalars(
                select(t.case_events.c.event_id).where(t.case_events.c.case_id == case.case_id)
            )
        )
        fresh = [e for e in dict.fromkeys(added_event_ids) if e not in linked]
        if fresh:
            self.conn.execute(
                t.case_events.insert(), [{"event_id": e, "case_id": case.case_id} for e in fresh]
            )

    def put(self, case: Case) -> None:
        c = t.cases.c
        values: dict[str, Any] = {
            "status": case.status.value,
            "assignee": case.assignee,
            "priority": case.priority,
        }
        if case.status in DECIDED:
            # Decided: the harm's next signal opens a fresh case. A decided case that is
            # reopened later does not take the key back (another case may hold it by then).
            values["open_key"] = None
        self.conn.execute(update(t.cases).where(c.case_id == case.case_id).values(**values))


def _case_row(case: Case) -> dict[str, Any]:
    return {
        **case.model_dump(),
        "status": case.status.value,
        "event_ids": list(case.event_ids),
        "open_key": None if case.status in DECIDED else case.open_key,
    }
