"""The in-memory events, outbox, cases, audit log, policy, keys, sessions and figures, as the
SQL repositories keep them (same orders, same conflicts)."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from safeguarding.adapters.storage.memory.state import CaseRow, OutboxRow, Repository, StoredRow
from safeguarding.domain.audit import GENESIS_HASH, AuditEntry, AuditRecord
from safeguarding.domain.cases import DECIDED, Case, CaseStatus
from safeguarding.domain.decisions import Decision
from safeguarding.domain.errors import ConcurrentWrite
from safeguarding.domain.events import Event
from safeguarding.domain.policy import PolicyVersion
from safeguarding.ports.records import (
    ApiKeyRecord,
    Counts,
    NewEvent,
    OutboxItem,
    StoredEvent,
    WebSessionRecord,
)


class MemoryEvents(Repository):
    """``EventStore`` in memory."""

    def find(self, event_ids: Collection[str]) -> dict[str, StoredEvent]:
        found = {}
        for event_id in event_ids:
            row = self.s.events.get(event_id)
            if row is not None:
                found[event_id] = StoredEvent(event_id, row.decision, row.fingerprint.__eq__)
        return found

    def decisions(self, event_ids: Collection[str]) -> dict[str, tuple[str, Decision]]:
        rows = {e: self.s.events[e] for e in event_ids if e in self.s.events}
        return {e: (row.event.actor_id, row.decision) for e, row in rows.items()}

    def add(self, items: Sequence[NewEvent]) -> None:
        if any(item.event.event_id in self.s.events for item in items):
            raise ConcurrentWrite("another writer stored the same record first")
        for item in items:
            row = StoredRow(item.event, item.decision, item.fingerprint, item.received_at)
            self.s.events[item.event.event_id] = row

    def get(self, event_id: str) -> Event | None:
        row = self.s.events.get(event_id)
        return row.event if row else None

    def of_conversation(
        self, conversation_id: str, limit: int = 200
    ) -> list[tuple[Event, Decision]]:
        rows = [r for r in self.s.events.values() if r.event.conversation() == conversation_id]
        rows.sort(key=lambda r: r.event.occurred_at)  # stable: equal times keep stored order
        return [(r.event, r.decision) for r in rows[-limit:]]

    def reinstate(self, event_ids: Collection[str], case_id: str, at: datetime, by: str) -> int:
        fresh = [e for e in dict.fromkeys(event_ids) if e not in self.s.reinstated]
        self.s.reinstated.update(dict.fromkeys(fresh, case_id))
        return len(fresh)

    def reinstated_among(self, event_ids: Collection[str]) -> dict[str, str]:
        return {e: self.s.reinstated[e] for e in event_ids if e in self.s.reinstated}

    def sample(self, n: int, since: datetime, until: datetime) -> list[tuple[Event, Decision]]:
        in_case = {e for row in self.s.cases.values() for e in row.case.event_ids}
        rows = [
            r
            for r in self.s.events.values()
            if since <= r.decision.decided_at < until
            and (r.decision.verdict.value != "allow" or r.event.event_id in in_case)
        ]
        chosen = random.sample(rows, min(n, len(rows)))
        return [(r.event, r.decision) for r in chosen]


class MemoryOutbox(Repository):
    """``OutboxStore`` in memory: one item at a time, leased until ``now + lease_seconds``."""

    def add(self, items: Sequence[OutboxItem]) -> None:
        for item in items:
            self.s.outbox[item.item_id] = OutboxRow(item, next_attempt_at=item.created_at)

    def next(self, now: datetime, lease_seconds: float) -> OutboxItem | None:
        due = [
            r
            for r in self.s.outbox.values()
            if r.status == "pending" and r.next_attempt_at is not None and r.next_attempt_at <= now
        ]
        if not due:
            return None
        row = min(due, key=lambda r: (r.next_attempt_at, r.item.item_id))
        row.item = dataclasses.replace(row.item, attempts=row.item.attempts + 1)
        row.next_attempt_at = now + timedelta(seconds=lease_seconds)
        return row.item

    def done(self, item_id: str, now: datetime, result: str) -> None:
        row = self.s.outbox[item_id]
        row.status, row.done_at, row.result = "done", now, result

    def retry(self, item_id: str, error: str, at: datetime) -> None:
        row = self.s.outbox[item_id]
        row.next_attempt_at, row.last_error = at, error[:2000]

    def failed(self, item_id: str, now: datetime, error: str) -> None:
        row = self.s.outbox[item_id]
        row.status, row.done_at, row.last_error = "failed", now, error[:2000]

    def pending(self) -> int:
        return sum(1 for r in self.s.outbox.values() if r.status == "pending")


class MemoryCases(Repository):
    """``CaseStore`` in memory: unique by case id, by source, and (undecided) by open key."""

    def get(self, case_id: str) -> Case | None:
        row = self.s.cases.get(case_id)
        return row.case if row else None

    def listed(
        self, statuses: Collection[CaseStatus], limit: int, queues: Collection[str] | None = None
    ) -> list[Case]:
        cases = [
            r.case
            for r in self.s.cases.values()
            if r.case.status in statuses and (queues is None or r.case.queue in queues)
        ]
        return sorted(cases, key=lambda c: (c.priority, c.deadline, c.case_id))[:limit]

    def add(self, case: Case, source_key: str) -> bool:
        open_key = None if case.status in DECIDED else case.open_key
        taken = any(
            r.source_key == source_key or (open_key is not None and r.open_key == open_key)
            for r in self.s.cases.values()
        )
        if taken or case.case_id in self.s.cases:
            return False
        self.s.cases[case.case_id] = CaseRow(case, source_key, open_key)
        return True

    def open(self, open_key: str) -> Case | None:
        return next((r.case for r in self.s.cases.values() if r.open_key == open_key), None)

    def open_about(self, queue: str, subject_account_id: str) -> Case | None:
        cases = [
            r.case
            for r in self.s.cases.values()
            if r.open_key is not None
            and r.case.queue == queue
            and r.case.subject_account_id == subject_account_id
        ]
        return min(cases, key=lambda c: (c.priority, c.opened_at, c.case_id), default=None)

    def absorb(self, case: Case, added_event_ids: Sequence[str]) -> None:
        row = self.s.cases[case.case_id]
        fields = ("event_ids", "priority", "deadline", "rule", "report_to_authority")
        row.case = row.case.model_copy(update={f: getattr(case, f) for f in fields})

    def put(self, case: Case) -> None:
        row = self.s.cases[case.case_id]
        fields = ("status", "assignee", "priority")
        row.case = row.case.model_copy(update={f: getattr(case, f) for f in fields})
        if case.status in DECIDED:
            row.open_key = None

    def of_event(self, event_id: str) -> list[Case]:
        cases = [r.case for r in self.s.cases.values() if event_id in r.case.event_ids]
        return sorted(cases, key=lambda c: c.opened_at)

    def of_subject(self, account_id: str, limit: int = 50) -> list[Case]:
        cases = [r.case for r in self.s.cases.values() if r.case.subject_account_id == account_id]
        cases.sort(key=lambda c: c.case_id)
        return sorted(cases, key=lambda c: c.opened_at, reverse=True)[:limit]


class MemoryAudit(Repository):
    """``AuditLog`` in memory: the same hash chain, appended under the store's write lock."""

    def append(self, entries: Sequence[AuditEntry]) -> list[AuditRecord]:
        head = self.head()
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        records = []
        for entry in entries:
            seq += 1
            records.append(entry.chained(seq, prev))
            prev = records[-1].hash
        self.s.audit.extend(records)
        return records

    def records(self, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditRecord]:
        chosen = [r for r in self.s.audit if r.seq > after_seq]
        yield from chosen if limit is None else chosen[:limit]

    def head(self) -> AuditRecord | None:
        return self.s.audit[-1] if self.s.audit else None

    def latest(self, action: str) -> AuditRecord | None:
        return next((r for r in reversed(self.s.audit) if r.action == action), None)

    def counts(self, action: str, actors: Collection[str] | None = None) -> dict[str, int]:
        return dict(
            Counter(
                r.actor
                for r in self.s.audit
                if r.action == action and (actors is None or r.actor in actors)
            )
        )

    def mentions(self, actions: Collection[str], subject: str) -> bool:
        return any(r.action in actions and r.subject == subject for r in self.s.audit)

    def details(self, action: str, subject: str) -> list[dict[str, Any]]:
        return [
            dict(r.details) for r in self.s.audit if r.action == action and r.subject == subject
        ]

    def of(
        self, actions: Collection[str], start: datetime | None = None, end: datetime | None = None
    ) -> list[AuditEntry]:
        return [
            AuditEntry(
                at=r.at,
                actor=r.actor,
                action=r.action,
                subject=r.subject,
                details={**r.details, "seq": r.seq},
            )
            for r in self.s.audit
            if r.action in actions
            and (start is None or r.at >= start)
            and (end is None or r.at < end)
        ]


class MemoryPolicy(Repository):
    """``PolicyStore`` in memory."""

    def current(self) -> PolicyVersion | None:
        return max(self.s.policies, key=lambda p: p.version, default=None)

    def current_version(self) -> int:
        return max((p.version for p in self.s.policies), default=0)

    def add(self, policy: PolicyVersion) -> None:
        if any(p.version == policy.version for p in self.s.policies):
            raise ConcurrentWrite("another writer stored the same record first")
        self.s.policies.append(policy)

    def history(self) -> list[PolicyVersion]:
        return sorted(self.s.policies, key=lambda p: p.version, reverse=True)


class MemoryKeys(Repository):
    """``KeyStore`` in memory."""

    def add(self, key: ApiKeyRecord) -> None:
        self.s.keys[key.key_id] = key

    def get(self, key_id: str) -> ApiKeyRecord | None:
        return self.s.keys.get(key_id)

    def listed(self) -> list[ApiKeyRecord]:
        return sorted(self.s.keys.values(), key=lambda k: k.created_at)

    def revoke(self, key_id: str, at: datetime) -> bool:
        key = self.s.keys.get(key_id)
        if key is None or key.revoked_at is not None:
            return False
        self.s.keys[key_id] = dataclasses.replace(key, revoked_at=at)
        return True


class MemorySessions(Repository):
    """``SessionStore`` in memory."""

    def add(self, session: WebSessionRecord) -> None:
        self.s.sessions[session.session_hash] = session

    def get(self, session_hash: str) -> WebSessionRecord | None:
        return self.s.sessions.get(session_hash)

    def end(self, session_hash: str, at: datetime) -> bool:
        return self._end(lambda s: s.session_hash == session_hash, at) == 1

    def end_for_key(self, key_id: str, at: datetime) -> int:
        return self._end(lambda s: s.key_id == key_id, at)

    def _end(self, chosen: Any, at: datetime) -> int:
        ended = [s for s in self.s.sessions.values() if chosen(s) and s.ended_at is None]
        for session in ended:
            self.s.sessions[session.session_hash] = dataclasses.replace(session, ended_at=at)
        return len(ended)

    def purge(self, expired_before: datetime) -> int:
        gone = [h for h, s in self.s.sessions.items() if s.expires_at < expired_before]
        for session_hash in gone:
            del self.s.sessions[session_hash]
        return len(gone)


class MemoryFigures(Repository):
    """``Figures`` in memory."""

    def counts(self) -> Counts:
        events = [r.event.type for r in self.s.events.values()]
        verdicts = [r.decision.verdict.value for r in self.s.events.values()]
        cases = [r.case for r in self.s.cases.values()]
        return Counts(
            events_by_type={str(k): n for k, n in Counter(events).items()},
            decisions_by_verdict=dict(Counter(verdicts)),
            cases_by_status=dict(Counter(c.status.value for c in cases)),
            cases_by_queue=dict(Counter(c.queue for c in cases)),
        )
