"""Storage interfaces: one per aggregate, noun-first method names, domain objects in and out.

A ``Store`` hands out units of work. ``write()`` is one transaction: everything
done through it commits together or not at all; that is what makes the outbox
safe. ``read()`` never writes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from safeguarding.domain.accounts import Account
from safeguarding.domain.audit import AuditEntry, AuditRecord
from safeguarding.domain.banks import (
    Bank,
    BankChange,
    BankEntry,
    BankVersion,
    EntryState,
    HashType,
)
from safeguarding.domain.cases import Case, CaseStatus
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import Event
from safeguarding.domain.evidence import EvidenceRecord
from safeguarding.domain.policy import PolicyVersion
from safeguarding.domain.relationships import ConnectionLink
from safeguarding.domain.reports import ReportRecord
from safeguarding.domain.sharing import PartnerAccount
from safeguarding.ports.domain_events import RecordsDomainEvents
from safeguarding.ports.oversight import (
    ComplaintStore,
    InformationRequestStore,
    RiskStore,
    TransparencyStore,
)


@dataclass(frozen=True)
class StoredEvent:
    """What ingest needs to know of an event already stored: its decision, and whether a
    fingerprint (``event_fingerprint`` of an event as sent) is that of its content. The store
    keeps fingerprints keyed, so only it can tell."""

    event_id: str
    decision: Decision
    same_content: Callable[[str], bool]


@dataclass(frozen=True)
class NewEvent:
    """An event to store with its decision, in one go (the store keys the fingerprint)."""

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
    organisation: str | None = None  # an advocate key's body: what it filed belongs to it


@dataclass(frozen=True)
class WebSessionRecord:
    """A web UI login: the SHA-256 of its session id (never the id), whose key, and until
    when it holds. Ended at logout, or when its key is revoked."""

    session_hash: str
    key_id: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None


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
    def connection_links_among(
        self, pairs: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], ConnectionLink]: ...
    def connection_links_put(self, links: Collection[ConnectionLink]) -> None: ...
    def restrictions_of(self, account_ids: Collection[str]) -> set[str]: ...
    def restriction_add(self, restriction: Restriction) -> None: ...
    def connections_remove_children(self, account_ids: Collection[str]) -> int: ...


class ConversationStore(Protocol):
    def conversations_get(self, conversation_ids: Collection[str]) -> dict[str, Conversation]: ...
    def conversations_put(self, conversations: Collection[Conversation]) -> None: ...
    def contacts_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]: ...
    def contacts_add(self, contacts: Collection[tuple[str, str, datetime]]) -> None: ...
    def children_contacted(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, set[str]]: ...
    def contact_refusals(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, dict[str, datetime]]: ...
    def children_refused(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, set[str]]: ...
    def contact_refusals_add(
        self, refusals: Collection[tuple[str, str, str, datetime]]
    ) -> None: ...
    def last_refusals(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[tuple[str, str], datetime]: ...
    def review_holds_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]: ...
    def review_holds_add(self, holds: Collection[tuple[str, str, str, datetime]]) -> None: ...
    def review_holds_remove(self, event_ids: Collection[str]) -> int: ...


class OutboxStore(Protocol):
    def outbox_add(self, items: Sequence[OutboxItem]) -> None: ...
    def outbox_next(self, now: datetime, lease_seconds: float) -> OutboxItem | None: ...
    def outbox_done(self, item_id: str, now: datetime, result: str) -> None: ...
    def outbox_retry(self, item_id: str, error: str, at: datetime) -> None: ...
    def outbox_failed(self, item_id: str, now: datetime, error: str) -> None: ...
    def outbox_pending(self) -> int: ...


class CaseStore(Protocol):
    def case_add(self, case: Case, source_key: str) -> bool: ...
    def case_open(self, open_key: str) -> Case | None: ...
    def case_open_about(self, queue: str, subject_account_id: str) -> Case | None: ...
    def case_absorb(self, case: Case, added_event_ids: Sequence[str]) -> None: ...
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
    def audit_mentions(self, actions: Collection[str], subject: str) -> bool:
        """Whether any audit record of one of ``actions`` is about ``subject``."""
        ...

    def audit_details(self, action: str, subject: str) -> list[dict[str, Any]]:
        """The details of every audit record of ``action`` about ``subject``, oldest first."""
        ...

    def audit_of(
        self, actions: Collection[str], start: datetime | None = None, end: datetime | None = None
    ) -> list[AuditEntry]:
        """Every audit record of one of ``actions`` in [start, end), oldest first (details
        carry ``seq``: the record's place in the chain)."""
        ...

    def authority_reports_for(self, event_ids: Collection[str]) -> list[ReportRecord]: ...
    def events_reinstate(
        self, event_ids: Collection[str], case_id: str, at: datetime, by: str
    ) -> int: ...
    def reinstated_among(self, event_ids: Collection[str]) -> dict[str, str]: ...
    def decisions_sample(
        self, n: int, since: datetime, until: datetime
    ) -> list[tuple[Event, Decision]]: ...


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


class SessionStore(Protocol):
    """Web UI sessions, kept in the database so that every process sees them end."""

    def session_add(self, session: WebSessionRecord) -> None: ...
    def session_get(self, session_hash: str) -> WebSessionRecord | None: ...
    def session_end(self, session_hash: str, at: datetime) -> bool: ...
    def sessions_end_for_key(self, key_id: str, at: datetime) -> int: ...
    def sessions_purge(self, expired_before: datetime) -> int: ...


class AuditLog(Protocol):
    def audit_append(self, entries: Sequence[AuditEntry]) -> list[AuditRecord]: ...
    def audit_records(
        self, after_seq: int = 0, limit: int | None = None
    ) -> Iterator[AuditRecord]: ...
    def audit_head(self) -> AuditRecord | None: ...
    def audit_latest(self, action: str) -> AuditRecord | None:
        """The newest record of ``action``, read after taking the chain's append lock, so a
        writer that decides from it what to append cannot race another (one per interval)."""
        ...


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
    def bank_entries_chunks(self, size: int) -> Iterator[list[BankEntry]]:
        """Every live hash in entry order, ``size`` at a time (a rebuild streams them)."""
        ...

    def bank_entries_touched(self, changes: Sequence[BankChange]) -> list[EntryState]:
        """Every hash these hash-only changes added, removed or switched, as it stands now."""
        ...

    def bank_entry_get(self, name: str, entry_id: int) -> BankEntry | None: ...
    def bank_entries_switched_off(self) -> dict[int, int]:
        """Live entries with a ``disable_until_ts`` other than 1 (matching), by entry id."""
        ...

    def bank_entry_switch(self, entry_id: int, disable_until_ts: int) -> None: ...
    def bank_revision(self) -> int: ...
    def bank_revision_at(self) -> datetime | None: ...
    def bank_revision_bump(self, at: datetime, change: BankChange | None = None) -> int:
        """Log a change (``None``: one to banks themselves) and return the new revision."""
        ...

    def bank_changes_since(self, revision: int) -> list[BankChange]:
        """The change log after ``revision``, oldest first."""
        ...


class PartnerAccountStore(Protocol):
    """Partners' account signals (salted hashes of account ids), apart from the banks."""

    def partner_accounts(self, partner: str | None = None) -> list[PartnerAccount]:
        """Every stored account signal (of one partner with ``partner``)."""
        ...

    def partner_accounts_set(self, partner: str, held: Collection[PartnerAccount]) -> None:
        """Make ``held`` the partner's account signals, in place of what it had."""
        ...


class RetentionStore(Protocol):
    def events_past_retention(self, cutoffs: Mapping[str, datetime], limit: int) -> list[str]: ...
    def event_content_remove(self, tombstone: Event, at: datetime) -> None: ...
    def event_content_removed_at(self, event_id: str) -> datetime | None: ...


class UnitOfWork(
    EventStore,
    RetentionStore,
    BankStore,
    PartnerAccountStore,
    AccountStore,
    ConversationStore,
    OutboxStore,
    CaseStore,
    ReviewStore,
    ComplaintStore,
    InformationRequestStore,
    PolicyStore,
    RiskStore,
    TransparencyStore,
    KeyStore,
    SessionStore,
    AuditLog,
    Reports,
    RecordsDomainEvents,
    Protocol,
):
    """Everything the services may do inside one transaction."""


class Store(Protocol):
    """Hands out transactions; ``close()`` is idempotent and use after it raises StoreClosed."""

    def write(self) -> AbstractContextManager[UnitOfWork]: ...
    def read(self) -> AbstractContextManager[UnitOfWork]: ...
    def scratch(self) -> AbstractContextManager[UnitOfWork]:
        """A write transaction that is always rolled back: nothing done in it is kept."""
        ...

    def compact(self, full: bool = False) -> None:
        """Make removed content unrecoverable from the database files: overwrite freed
        space and empty the write-ahead log (SQLite), vacuum (PostgreSQL)."""
        ...

    def close(self) -> None: ...
