"""What the in-memory store keeps: one plain collection per table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from safeguarding.domain.accounts import Account
from safeguarding.domain.audit import AuditRecord
from safeguarding.domain.cases import Case
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import Event
from safeguarding.domain.policy import PolicyVersion
from safeguarding.domain.relationships import ConnectionLink
from safeguarding.domain.risk import RiskAssessment
from safeguarding.domain.sharing import PartnerAccount
from safeguarding.ports.records import ApiKeyRecord, OutboxItem, Restriction, WebSessionRecord


@dataclass
class StoredRow:
    """An event as stored: the event, its decision, what ingest fingerprinted, and when."""

    event: Event
    decision: Decision
    fingerprint: str
    received_at: datetime


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
