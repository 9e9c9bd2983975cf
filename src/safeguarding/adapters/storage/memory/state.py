"""What the in-memory store keeps: one plain collection per table, and the base of every
repository over it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from safeguarding.domain.accounts import Account
from safeguarding.domain.audit import AuditRecord
from safeguarding.domain.banks import Bank, BankChange, BankEntry, BankVersion, HashType
from safeguarding.domain.cases import Case
from safeguarding.domain.complaints import Complaint, SuperComplaint
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import Event
from safeguarding.domain.evidence import EvidenceRecord
from safeguarding.domain.information_requests import InformationRequest
from safeguarding.domain.policy import PolicyVersion
from safeguarding.domain.relationships import ConnectionLink
from safeguarding.domain.reports import ReportRecord
from safeguarding.domain.risk import RiskAssessment
from safeguarding.domain.sharing import PartnerAccount
from safeguarding.ports.records import ApiKeyRecord, OutboxItem, Restriction, WebSessionRecord


@dataclass
class StoredRow:
    """An event as stored: the event, its decision, what ingest fingerprinted, and when;
    ``content_removed_at`` once retention replaced the event with its tombstone."""

    event: Event
    decision: Decision
    fingerprint: str
    received_at: datetime
    content_removed_at: datetime | None = None


@dataclass
class OutboxRow:
    """An outbox item with its delivery state."""

    item: OutboxItem
    status: str = "pending"
    next_attempt_at: datetime | None = None
    done_at: datetime | None = None
    result: str | None = None
    last_error: str | None = None


@dataclass
class CaseRow:
    """A case with the keys that keep it unique: its source and, while undecided, its harm,
    subject and conversation."""

    case: Case
    source_key: str
    open_key: str | None


@dataclass
class BankHashRow:
    """One hash of a bank: live from ``added_version`` until ``removed_version`` (exclusive),
    and HMA's switch (``disable_until_ts``: 1 matches, 0 never, else from that unix time)."""

    entry_id: int
    bank: str
    hash_type: HashType
    value: str
    added_version: int
    removed_version: int | None = None
    disable_until_ts: int = 1

    @property
    def live(self) -> bool:
        return self.removed_version is None

    def entry(self) -> BankEntry:
        return BankEntry(self.entry_id, self.bank, self.hash_type, self.value, self.added_version)


@dataclass
class BankTables:
    """The banks, their versions, their hashes by entry id, and the change log (a change's
    id is its place in the log, from 1), each change with when it was made."""

    banks: dict[str, Bank] = field(default_factory=dict)
    versions: dict[tuple[str, int], BankVersion] = field(default_factory=dict)
    hashes: dict[int, BankHashRow] = field(default_factory=dict)
    last_entry_id: int = 0  # entry ids are never reused, as a sequence hands them out
    changes: list[tuple[BankChange, datetime]] = field(default_factory=list)


@dataclass
class MemoryState:
    """Every table of the in-memory store; events keep their insertion order (``seq``)."""

    events: dict[str, StoredRow] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    restrictions: list[Restriction] = field(default_factory=list)
    connections: dict[tuple[str, str], ConnectionLink | None] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    contacts: dict[tuple[str, str], datetime] = field(default_factory=dict)
    refusals: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    holds: dict[tuple[str, str, str], datetime] = field(default_factory=dict)
    outbox: dict[str, OutboxRow] = field(default_factory=dict)
    cases: dict[str, CaseRow] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    policies: list[PolicyVersion] = field(default_factory=list)
    keys: dict[str, ApiKeyRecord] = field(default_factory=dict)
    sessions: dict[str, WebSessionRecord] = field(default_factory=dict)
    risk_assessments: list[RiskAssessment] = field(default_factory=list)
    reinstated: dict[str, str] = field(default_factory=dict)  # event id: what put it back
    partner_accounts: dict[str, frozenset[PartnerAccount]] = field(default_factory=dict)
    banks: BankTables = field(default_factory=BankTables)
    evidence: dict[str, EvidenceRecord] = field(default_factory=dict)
    evidence_content: dict[str, bytes] = field(default_factory=dict)  # by content address
    reports: dict[tuple[str, str], ReportRecord] = field(default_factory=dict)  # event, authority
    complaints: dict[str, Complaint] = field(default_factory=dict)
    super_complaints: dict[str, SuperComplaint] = field(default_factory=dict)
    information_requests: dict[str, InformationRequest] = field(default_factory=dict)
    super_complaint_files: dict[str, bytes] = field(default_factory=dict)  # by attachment id
    request_files: dict[str, bytes] = field(default_factory=dict)  # by attachment id
    # The key of text evidence addresses (a keyed digest, as on SQL): this store's own.
    digest_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))


class Repository:
    """A repository over one transaction's state (the store hands each write a copy)."""

    def __init__(self, state: MemoryState) -> None:
        self.s = state
