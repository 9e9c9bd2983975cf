"""One transaction's worth of storage operations: the ports, implemented in SQLAlchemy Core.

Rows are turned into domain objects here and never leave as rows.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from safeguarding.adapters.storage.crypto import EVENT_FINGERPRINT, ContentCipher
from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.banks import BankRows
from safeguarding.adapters.storage.sqlalchemy.cases import CaseRows
from safeguarding.adapters.storage.sqlalchemy.complaints import ComplaintRows
from safeguarding.adapters.storage.sqlalchemy.contacts import ContactRows
from safeguarding.adapters.storage.sqlalchemy.evidence import EvidenceRows
from safeguarding.adapters.storage.sqlalchemy.retention import RetentionRows
from safeguarding.adapters.storage.sqlalchemy.review import ReviewRows, case_of_row
from safeguarding.adapters.storage.sqlalchemy.risk import RiskRows
from safeguarding.adapters.storage.sqlalchemy.sealed import open_report, seal_report
from safeguarding.adapters.storage.sqlalchemy.sessions import SessionRows
from safeguarding.adapters.storage.sqlalchemy.transparency import TransparencyRows
from safeguarding.domain.accounts import Account, AgeBand
from safeguarding.domain.audit import GENESIS_HASH, AuditEntry, AuditRecord
from safeguarding.domain.cases import Case, CaseStatus
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import EVENT_ADAPTER, ConversationKind, Event
from safeguarding.domain.policy import PolicyDocument, PolicyVersion
from safeguarding.domain.reports import ReportRecord
from safeguarding.ports.store import (
    ApiKeyRecord,
    Counts,
    NewEvent,
    OutboxItem,
    Restriction,
    StoredEvent,
)

AUDIT_LOCK_KEY = 0x5AFE6A4D  # the PostgreSQL advisory lock that orders audit appends


def _ids() -> Any:
    return bindparam("ids", expanding=True)


# The hot path's queries, built once: building and keying a statement costs more than running it.
_EVENTS_BY_ID = select(t.events.c.event_id, t.events.c.fingerprint, t.events.c.decision).where(
    t.events.c.event_id.in_(_ids())
)
_DECISIONS_BY_ID = select(t.events.c.event_id, t.events.c.actor_id, t.events.c.decision).where(
    t.events.c.event_id.in_(_ids())
)
_ACCOUNTS_BY_ID = select(t.accounts).where(t.accounts.c.account_id.in_(_ids()))
_RESTRICTED_BY_ID = select(t.restrictions.c.account_id).where(
    t.restrictions.c.account_id.in_(_ids())
)
_CONVERSATIONS_BY_ID = select(t.conversations).where(t.conversations.c.conversation_id.in_(_ids()))
_CONNECTED_PAIRS = select(t.connections.c.account_a, t.connections.c.account_b).where(
    tuple_(t.connections.c.account_a, t.connections.c.account_b).in_(
        bindparam("pairs", expanding=True)
    )
)
_CONTACTED_PAIRS = select(t.contacts.c.actor_id, t.contacts.c.target_id).where(
    tuple_(t.contacts.c.actor_id, t.contacts.c.target_id).in_(bindparam("pairs", expanding=True))
)
_AUDIT_LAST = (
    select(t.audit_log.c.seq, t.audit_log.c.hash).order_by(t.audit_log.c.seq.desc()).limit(1)
)
_EVENTS_INSERT = t.events.insert()
_AUDIT_INSERT = t.audit_log.insert()


class SqlUnitOfWork(
    BankRows,
    CaseRows,
    EvidenceRows,
    ReviewRows,
    ComplaintRows,
    TransparencyRows,
    RiskRows,
    SessionRows,
    ContactRows,
    RetentionRows,
):
    """The storage ports over one SQLAlchemy connection inside one transaction."""

    def __init__(self, conn: Connection, cipher: ContentCipher) -> None:
        self.conn = conn
        self.cipher = cipher
        self._dialect = conn.dialect.name

    # -- helpers ----------------------------------------------------------
    def _insert_ignoring(self, table: Table, rows: Sequence[dict[str, Any]]) -> int:
        if not rows:
            return 0
        # RETURNING counts what was inserted; rowcount is not reliable on every driver.
        statement = _statement(self._dialect, table, "ignore", ())
        return len(self.conn.execute(statement, list(rows)).all())

    def _upsert(self, table: Table, rows: Sequence[dict[str, Any]], keys: tuple[str, ...]) -> None:
        if rows:
            self.conn.execute(_statement(self._dialect, table, "upsert", keys), list(rows))

    # -- events -----------------------------------------------------------
    def events_find(self, event_ids: Collection[str]) -> dict[str, StoredEvent]:
        if not event_ids:
            return {}
        return {
            row.event_id: StoredEvent(
                row.event_id,
                Decision.model_validate(row.decision),
                functools.partial(self._fingerprint_matches, row.fingerprint),
            )
            for row in self.conn.execute(_EVENTS_BY_ID, {"ids": list(event_ids)})
        }

    def _fingerprint_matches(self, stored: str, fingerprint: str) -> bool:
        return self.cipher.digest_matches(stored, fingerprint.encode(), EVENT_FINGERPRINT)

    def decisions_for(self, event_ids: Collection[str]) -> dict[str, tuple[str, Decision]]:
        """Each stored event's author (its actor_id) and decision, by event_id."""
        if not event_ids:
            return {}
        rows = self.conn.execute(_DECISIONS_BY_ID, {"ids": list(event_ids)})
        return {row.event_id: (row.actor_id, Decision.model_validate(row.decision)) for row in rows}

    def events_add(self, items: Sequence[NewEvent]) -> None:
        if not items:
            return
        self.conn.execute(_EVENTS_INSERT, [self._event_row(item) for item in items])

    def _event_row(self, item: NewEvent) -> dict[str, Any]:
        event = item.event
        key_id, sealed = self.cipher.seal(event.model_dump_json().encode(), event.event_id.encode())
        return {
            "event_id": event.event_id,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "received_at": item.received_at,
            "actor_id": event.actor_id,
            "conversation_id": event.conversation(),
            "fingerprint": self.cipher.keyed_digest(item.fingerprint.encode(), EVENT_FINGERPRINT),
            "key_id": key_id,
            "payload": sealed,
            **_decision_columns(item.decision),
        }

    def event_get(self, event_id: str) -> Event | None:
        row = self.conn.execute(
            select(t.events.c.key_id, t.events.c.payload).where(t.events.c.event_id == event_id)
        ).first()
        if row is None:
            return None
        return EVENT_ADAPTER.validate_json(
            self.cipher.open(row.key_id, row.payload, event_id.encode())
        )

    # -- accounts ---------------------------------------------------------
    def accounts_get(self, account_ids: Collection[str]) -> dict[str, Account]:
        if not account_ids:
            return {}
        rows = self.conn.execute(_ACCOUNTS_BY_ID, {"ids": list(account_ids)})
        return {row.account_id: _account(row) for row in rows}

    def accounts_put(self, accounts: Collection[Account]) -> None:
        self._upsert(t.accounts, [_account_row(a) for a in accounts], ("account_id",))

    def connections_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the (a, b) pairs are connected, each pair as asked."""
        wanted = {_pair(a, b): (a, b) for a, b in pairs}
        if not wanted:
            return set()
        found = set()
        for chunk in _chunks(list(wanted), 400):
            found |= {tuple(row) for row in self.conn.execute(_CONNECTED_PAIRS, {"pairs": chunk})}
        return {asked for key, asked in wanted.items() if key in found}

    def connections_add(self, pairs: Collection[tuple[str, str]]) -> None:
        rows = [dict(zip(("account_a", "account_b"), _pair(a, b), strict=True)) for a, b in pairs]
        self._insert_ignoring(t.connections, rows)

    def restrictions_of(self, account_ids: Collection[str]) -> set[str]:
        if not account_ids:
            return set()
        rows = self.conn.execute(_RESTRICTED_BY_ID, {"ids": list(account_ids)})
        return {row.account_id for row in rows}

    def restriction_add(self, restriction: Restriction) -> None:
        self._insert_ignoring(t.restrictions, [restriction.__dict__])

    # -- conversations ----------------------------------------------------
    def conversations_get(self, conversation_ids: Collection[str]) -> dict[str, Conversation]:
        if not conversation_ids:
            return {}
        rows = self.conn.execute(_CONVERSATIONS_BY_ID, {"ids": list(conversation_ids)})
        return {row.conversation_id: _conversation(row) for row in rows}

    def conversations_put(self, conversations: Collection[Conversation]) -> None:
        rows = [_conversation_row(c) for c in conversations]
        self._upsert(t.conversations, rows, ("conversation_id",))

    def contacts_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (actor, target) pairs have been in contact before."""
        found: set[tuple[str, str]] = set()
        for chunk in _chunks(list(set(pairs)), 400):
            rows = self.conn.execute(_CONTACTED_PAIRS, {"pairs": chunk})
            found |= {(row.actor_id, row.target_id) for row in rows}
        return found

    def children_contacted(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, set[str]]:
        """The children each actor first contacted at or after ``since``."""
        if not actor_ids:
            return {}
        c, a = t.contacts.c, t.accounts.c
        rows = self.conn.execute(
            select(c.actor_id, c.target_id)
            .join(t.accounts, a.account_id == c.target_id)
            .where(
                c.actor_id.in_(list(actor_ids)),
                c.first_at >= since,
                a.age_band.in_([b.value for b in AgeBand if b.is_child]),
            )
        )
        found: dict[str, set[str]] = {}
        for row in rows:
            found.setdefault(row.actor_id, set()).add(row.target_id)
        return found

    def contacts_add(self, contacts: Collection[tuple[str, str, datetime]]) -> None:
        rows = [{"actor_id": a, "target_id": b, "first_at": at} for a, b, at in contacts]
        self._insert_ignoring(t.contacts, rows)

    # -- outbox -----------------------------------------------------------
    def outbox_add(self, items: Sequence[OutboxItem]) -> None:
        if items:
            self.conn.execute(t.outbox.insert(), [_outbox_row(i) for i in items])

    def outbox_next(self, now: datetime, lease_seconds: float) -> OutboxItem | None:
        o = t.outbox.c
        query = (
            select(t.outbox)
            .where(and_(o.status == "pending", o.next_attempt_at <= now))
            .order_by(o.next_attempt_at, o.item_id)
            .limit(1)
        )
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = self.conn.execute(query).first()
        if row is None:
            return None
        self.conn.execute(
            update(t.outbox)
            .where(o.item_id == row.item_id)
            .values(attempts=o.attempts + 1, next_attempt_at=now + timedelta(seconds=lease_seconds))
        )
        return OutboxItem(
            row.item_id, row.kind, row.event_id, row.payload, row.created_at, row.attempts + 1
        )

    def outbox_done(self, item_id: str, now: datetime, result: str) -> None:
        self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.item_id == item_id)
            .values(status="done", done_at=now, result=result)
        )

    def outbox_retry(self, item_id: str, error: str, at: datetime) -> None:
        self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.item_id == item_id)
            .values(next_attempt_at=at, last_error=error[:2000])
        )

    def outbox_failed(self, item_id: str, now: datetime, error: str) -> None:
        """Dead-letter an item that can never succeed: kept, with why, and never retried."""
        self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.item_id == item_id)
            .values(status="failed", done_at=now, last_error=error[:2000])
        )

    def outbox_pending(self) -> int:
        o = t.outbox.c
        return self.conn.execute(select(func.count()).where(o.status == "pending")).scalar_one()

    # -- cases and evidence -----------------------------------------------
    def restrictions_remove(self, account_id: str, event_ids: Collection[str]) -> int:
        """Lift the restrictions on an account that these events caused."""
        r = t.restrictions.c
        done = self.conn.execute(
            t.restrictions.delete().where(r.account_id == account_id, r.event_id.in_(event_ids))
        )
        return int(done.rowcount or 0)

    def case_get(self, case_id: str) -> Case | None:
        row = self.conn.execute(select(t.cases).where(t.cases.c.case_id == case_id)).first()
        return case_of_row(row) if row else None

    def cases_list(
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

    def authority_reports(self, limit: int = 500) -> list[ReportRecord]:
        r = t.authority_reports.c
        rows = self.conn.execute(
            select(t.authority_reports).order_by(r.created_at.desc(), r.event_id).limit(limit)
        )
        return [open_report(self.cipher, row) for row in rows]

    def authority_report_get(self, event_id: str, authority: str) -> ReportRecord | None:
        r = t.authority_reports.c
        row = self.conn.execute(
            select(t.authority_reports).where(r.event_id == event_id, r.authority == authority)
        ).first()
        return open_report(self.cipher, row) if row else None

    def authority_report_put(self, report: ReportRecord) -> None:
        r = t.authority_reports.c
        values = seal_report(self.cipher, report)
        self.conn.execute(
            update(t.authority_reports)
            .where(r.event_id == report.event_id, r.authority == report.authority)
            .values(**values)
        )

    def authority_report_draft(self, event_id: str, authority: str, at: datetime) -> bool:
        row = {
            "event_id": event_id,
            "authority": authority,
            "status": "awaiting_confirmation",
            "created_at": at,
        }
        return self._insert_ignoring(t.authority_reports, [row]) == 1

    # -- policy -----------------------------------------------------------
    def policy_current(self) -> PolicyVersion | None:
        row = self.conn.execute(
            select(t.policies).order_by(t.policies.c.version.desc()).limit(1)
        ).first()
        return _policy(row) if row else None

    def policy_current_version(self) -> int:
        return self.conn.execute(
            select(func.coalesce(func.max(t.policies.c.version), 0))
        ).scalar_one()

    def policy_add(self, policy: PolicyVersion) -> None:
        row = policy.model_dump(mode="json", exclude={"created_at"})
        self.conn.execute(t.policies.insert(), [{**row, "created_at": policy.created_at}])

    def policy_history(self) -> list[PolicyVersion]:
        rows = self.conn.execute(select(t.policies).order_by(t.policies.c.version.desc()))
        return [_policy(row) for row in rows]

    # -- API keys ---------------------------------------------------------
    def key_add(self, key: ApiKeyRecord) -> None:
        self.conn.execute(t.api_keys.insert(), [key.__dict__])

    def key_get(self, key_id: str) -> ApiKeyRecord | None:
        row = self.conn.execute(select(t.api_keys).where(t.api_keys.c.key_id == key_id)).first()
        return _key(row) if row else None

    def keys_list(self) -> list[ApiKeyRecord]:
        rows = self.conn.execute(select(t.api_keys).order_by(t.api_keys.c.created_at))
        return [_key(row) for row in rows]

    def key_revoke(self, key_id: str, at: datetime) -> bool:
        k = t.api_keys.c
        result = self.conn.execute(
            update(t.api_keys)
            .where(and_(k.key_id == key_id, k.revoked_at.is_(None)))
            .values(revoked_at=at)
        )
        return result.rowcount == 1

    # -- audit ------------------------------------------------------------
    def audit_append(self, entries: Sequence[AuditEntry]) -> list[AuditRecord]:
        if not entries:
            return []
        self._lock_audit()
        last = self.conn.execute(_AUDIT_LAST).first()
        seq, prev = (last.seq, last.hash) if last else (0, GENESIS_HASH)
        records = []
        for entry in entries:
            seq += 1
            record = entry.chained(seq, prev)
            records.append(record)
            prev = record.hash
        self.conn.execute(_AUDIT_INSERT, [_audit_row(r) for r in records])
        return records

    def audit_records(self, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditRecord]:
        query = select(t.audit_log).where(t.audit_log.c.seq > after_seq).order_by(t.audit_log.c.seq)
        if limit is not None:
            query = query.limit(limit)
        for row in self.conn.execute(query.execution_options(yield_per=1000)):
            yield AuditRecord(**row._mapping)

    def _lock_audit(self) -> None:
        if self._dialect == "postgresql":
            # Appenders queue here, so sequence numbers stay gapless and the chain unforked.
            # (SQLite writers already queue on BEGIN IMMEDIATE.)
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})

    def audit_latest(self, action: str) -> AuditRecord | None:
        self._lock_audit()
        row = self.conn.execute(
            select(t.audit_log)
            .where(t.audit_log.c.action == action)
            .order_by(t.audit_log.c.seq.desc())
            .limit(1)
        ).first()
        return AuditRecord(**row._mapping) if row else None

    def audit_head(self) -> AuditRecord | None:
        row = self.conn.execute(
            select(t.audit_log).order_by(t.audit_log.c.seq.desc()).limit(1)
        ).first()
        return AuditRecord(**row._mapping) if row else None

    # -- figures ----------------------------------------------------------
    def counts(self) -> Counts:
        def grouped(column: Any) -> dict[str, int]:
            rows = self.conn.execute(select(column, func.count()).group_by(column))
            return {str(key): int(n) for key, n in rows}

        return Counts(
            events_by_type=grouped(t.events.c.type),
            decisions_by_verdict=grouped(t.events.c.verdict),
            cases_by_status=grouped(t.cases.c.status),
            cases_by_queue=grouped(t.cases.c.queue),
        )


@functools.cache
def _statement(dialect: str, table: Table, kind: str, keys: tuple[str, ...]) -> Any:
    """Upsert and insert-or-ignore statements, built once per table (building them is costly)."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    if kind == "ignore":
        key = next(iter(table.primary_key.columns))
        return insert.on_conflict_do_nothing().returning(key)
    changed = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
    return insert.on_conflict_do_update(index_elements=list(keys), set_=changed)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _audit_row(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "subject": record.subject,
        "details": record.details,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def _decision_columns(decision: Decision) -> dict[str, Any]:
    return {
        "verdict": decision.verdict.value,
        "policy_version": decision.policy_version,
        "decided_at": decision.decided_at,
        "decision": decision.model_dump(mode="json"),
    }


def _account(row: Any) -> Account:
    # One validation call for the whole account: nested calls from Python cost several times more.
    return Account.model_validate(
        {
            "account_id": row.account_id,
            "first_seen_at": row.first_seen_at,
            "created_at": row.created_at,
            "declared_ages": row.declared_ages,
            "assurance": row.assurance,
            "stated_ages": row.stated_ages or (),
            "guardian_of": row.guardian_of or (),
            "guardians": row.guardians or (),
        }
    )


def _account_row(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "first_seen_at": account.first_seen_at,
        "created_at": account.created_at,
        "age_band": account.age_band.value,
        "declared_ages": [d.model_dump(mode="json") for d in account.declared_ages],
        "assurance": account.assurance.model_dump(mode="json") if account.assurance else None,
        "stated_ages": [s.model_dump(mode="json") for s in account.stated_ages],
        "guardian_of": list(account.guardian_of),
        "guardians": list(account.guardians),
    }


def _conversation(row: Any) -> Conversation:
    return Conversation(
        conversation_id=row.conversation_id,
        kind=ConversationKind(row.kind),
        started_at=row.started_at,
        participants=frozenset(row.participants),
        message_count=row.message_count,
        last_message_at=row.last_message_at,
        detector_state=row.detector_state or {},
    )


def _conversation_row(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": conversation.conversation_id,
        "kind": conversation.kind.value,
        "started_at": conversation.started_at,
        "participants": sorted(conversation.participants),
        "message_count": conversation.message_count,
        "last_message_at": conversation.last_message_at,
        "detector_state": conversation.detector_state,
    }


def _outbox_row(item: OutboxItem) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "kind": item.kind,
        "event_id": item.event_id,
        "payload": item.payload,
        "created_at": item.created_at,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": item.created_at,
    }


def _key(row: Any) -> ApiKeyRecord:
    data = dict(row._mapping)
    if data["queues"] is not None:
        data["queues"] = tuple(data["queues"])
    return ApiKeyRecord(**data)


def _policy(row: Any) -> PolicyVersion:
    return PolicyVersion(
        version=row.version,
        sha256=row.sha256,
        source=row.source,
        document=PolicyDocument.model_validate(row.document),
        created_at=row.created_at,
        created_by=row.created_by,
        note=row.note,
    )
