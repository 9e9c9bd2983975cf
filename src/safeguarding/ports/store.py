"""Storage interfaces: one per aggregate, noun-first method names, domain objects in and out.

A ``Store`` hands out units of work. ``write()`` is one transaction: everything
done through it commits together or not at all; that is what makes the outbox
safe. ``read()`` never writes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from safeguarding.domain.accounts import Account
from safeguarding.domain.audit import AuditEntry, AuditRecord
from safeguarding.domain.banks import Bank, BankEntry, BankVersion, HashType
from safeguarding.domain.cases import Case, CaseStatus
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import Event
from safeguarding.domain.evidence import EvidenceRecord
from safeguarding.domain.information_requests import InformationRequest, RequestStatus
from safeguarding.domain.policy import PolicyVersion
from safeguarding.domain.reports import ReportRecord


@dataclass(frozen=True)
class StoredEvent:
    """What ingest needs to know of an event already stored: its content digest and decision."""

    event_id: str
    fingerprint: str
    decision: Decision


@dataclass(frozen=True)
class NewEvent:
    """An event to store with its decision, in one go."""

    event: Event
    fingerprint: str
    received_at: datetime
    decision: Decision


@dataclass(frozen=True)
class OutboxItem:
    """A side effect waiting to be carried out, written with the decision that caused it."""

    item_id: str
    kind: str
    event_id: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int = 0


@dataclass(frozen=True)
class ApiKeyRecord:
    """A stored API key: its public prefix, the hash of its secret, its role and queues.

    ``queues`` limits a moderator's key to those review queues; ``None`` means all of them.
    """

    key_id: str
    name: str
    role: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    queues: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Restriction:
    """A restriction on an account, and the event that caused it."""

    account_id: str
    kind: str
    event_id: str
    created_at: datetime


@dataclass
class Counts:
    """Simple figures for dashboards: events by type, decisions by verdict, cases by harm."""

    events_by_type: dict[str, int] = field(default_factory=dict)
    decisions_by_verdict: dict[str, int] = field(default_factory=dict)
    cases_by_status: dict[str, int] = field(default_factory=dict)
    cases_by_queue: dict[str, int] = field(default_factory=dict)


class EventStore(Protocol):
    def events_find(self, event_ids: Collection[str]) -> dict[str, StoredEvent]: ...
    def decisions_for(self, event_ids: Collection[str]) -> dict[str, tuple[str, Decision]]: ...
    def events_add(self, items: Sequence[NewEvent]) -> None: ...
    def event_get(self, event_id: str) -> Event | None: ...


class AccountStore(Protocol):
    def accounts_get(self, account_ids: Collection[str]) -> dict[str, Account]: ...
    def accounts_put(self, accounts: Collection[Account]) -> None: ...
    def connections_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]: ...
    def connections_add(self, pairs: Collection[tuple[str, str]]) -> None: ...
    def restrictions_of(self, account_ids: Collection[str]) -> set[str]: ...
    def restriction_add(self, restriction: Restriction) -> None: ...


class ConversationStore(Protocol):
    def conversations_get(self, conversation_ids: Collection[str]) -> dict[str, Conversation]: ...
    def conversations_put(self, conversations: Collection[Conversation]) -> None: ...
    def contacts_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]: ...
    def contacts_add(self, contacts: Collection[tuple[str, str, datetime]]) -> None: ...
    def children_contacted(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, set[str]]: ...


class OutboxStore(Protocol):
    def outbox_add(self, items: Sequence[OutboxItem]) -> None: ...
    def outbox_next(self, now: datetime, lease_seconds: float) -> OutboxItem | None: ...
    def outbox_done(self, item_id: str, now: datetime, result: str) -> None: ...
    def outbox_retry(self, item_id: str, error: str, at: datetime) -> None: ...
    def outbox_pending(self) -> int: ...


class CaseStore(Protocol):
    def case_add(self, case: Case, source_key: str) -> bool: ...
    def case_get(self, case_id: str) -> Case | None: ...
    def case_put(self, case: Case) -> None: ...
    def restrictions_remove(self, account_id: str, event_ids: Collection[str]) -> int: ...
    def cases_list(
        self,
        statuses: Collection[CaseStatus],
        limit: int,
        queues: Collection[str] | None = None,
    ) -> list[Case]: ...
    def evidence_preserve(self, event_id: str, at: datetime, until: datetime, by: str) -> bool: ...
    def evidence_get(self, event_id: str) -> EvidenceRecord | None: ...
    def evidence_content(self, sha256: str) -> bytes | None: ...
    def evidence_expired(self, now: datetime, limit: int) -> list[EvidenceRecord]: ...
    def evidence_purge(self, event_id: str, at: datetime) -> bool: ...
    def evidence_hold(self, event_id: str, reason: str | None) -> bool: ...
    def authority_report_draft(self, event_id: str, authority: str, at: datetime) -> bool: ...
    def authority_reports(self, limit: int = 500) -> list[ReportRecord]: ...
    def authority_report_get(self, event_id: str, authority: str) -> ReportRecord | None: ...
    def authority_report_put(self, report: ReportRecord) -> None: ...


class ReviewStore(Protocol):
    """What a case page reads, and the audit counts behind moderators' exposure figures."""

    def cases_of_event(self, event_id: str) -> list[Case]: ...
    def cases_of_subject(self, account_id: str, limit: int = 50) -> list[Case]: ...
    def conversation_events(
        self, conversation_id: str, limit: int = 200
    ) -> list[tuple[Event, Decision]]: ...
    def audit_counts(
        self, action: str, actors: Collection[str] | None = None
    ) -> dict[str, int]: ...
    def authority_reports_for(self, event_ids: Collection[str]) -> list[ReportRecord]: ...
    def events_reinstate(
        self, event_ids: Collection[str], case_id: str, at: datetime, by: str
    ) -> int: ...
    def reinstated_among(self, event_ids: Collection[str]) -> set[str]: ...


class InformationRequestStore(Protocol):
    """The regulator's formal information requests."""

    def information_request_add(self, request: InformationRequest) -> None: ...
    def information_request_put(self, request: InformationRequest) -> None: ...
    def information_request_get(self, request_id: str) -> InformationRequest | None: ...
    def information_requests_list(
        self, status: RequestStatus | None = None, limit: int = 500
    ) -> list[InformationRequest]: ...


class PolicyStore(Protocol):
    def policy_current(self) -> PolicyVersion | None: ...
    def policy_current_version(self) -> int: ...
    def policy_add(self, policy: PolicyVersion) -> None: ...
    def policy_history(self) -> list[PolicyVersion]: ...


class KeyStore(Protocol):
    def key_add(self, key: ApiKeyRecord) -> None: ...
    def key_get(self, key_id: str) -> ApiKeyRecord | None: ...
    def keys_list(self) -> list[ApiKeyRecord]: ...
    def key_revoke(self, key_id: str, at: datetime) -> bool: ...


class AuditLog(Protocol):
    def audit_append(self, entries: Sequence[AuditEntry]) -> list[AuditRecord]: ...
    def audit_records(
        self, after_seq: int = 0, limit: int | None = None
    ) -> Iterator[AuditRecord]: ...
    def audit_head(self) -> AuditRecord | None: ...


class Reports(Protocol):
    def counts(self) -> Counts: ...


class BankStore(Protocol):
    """Hash banks: settings, versions, and hashes kept live from one version to another."""

    def banks_list(self) -> list[Bank]: ...
    def bank_get(self, name: str) -> Bank | None: ...
    def bank_put(self, bank: Bank) -> None: ...
    def bank_delete(self, name: str) -> int: ...
    def bank_versions(self, name: str) -> list[BankVersion]: ...
    def bank_version_add(self, version: BankVersion) -> None: ...
    def bank_hashes_live(self, name: str) -> dict[tuple[HashType, str], int]: ...
    def bank_hashes_at(self, name: str, version: int) -> set[tuple[HashType, str]]: ...
    def bank_hashes_add(
        self, name: str, version: int, hashes: Collection[tuple[HashType, str]]
    ) -> None: ...
    def bank_hashes_remove(self, name: str, version: int, entry_ids: Collection[int]) -> None: ...
    def bank_entries_live(self) -> list[BankEntry]: ...
    def bank_revision(self) -> int: ...
    def bank_revision_bump(self, at: datetime) -> int: ...


class UnitOfWork(
    EventStore,
    BankStore,
    AccountStore,
    ConversationStore,
    OutboxStore,
    CaseStore,
    ReviewStore,
    InformationRequestStore,
    PolicyStore,
    KeyStore,
    AuditLog,
    Reports,
    Protocol,
):
    """Everything the services may do inside one transaction."""


class Store(Protocol):
    """Hands out transactions; ``close()`` is idempotent and use after it raises StoreClosed."""

    def write(self) -> AbstractContextManager[UnitOfWork]: ...
    def read(self) -> AbstractContextManager[UnitOfWork]: ...
    def close(self) -> None: ...
