"""One transaction's worth of storage: the repositories of the ports, over one connection.

Each repository (``uow.events``, ``uow.cases``, …) is its own small class, made on first use,
sharing the transaction's connection and key ring. Rows are turned into domain objects in the
repositories and never leave as rows.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Connection

from safeguarding.adapters.storage.crypto import ContentCipher
from safeguarding.adapters.storage.sqlalchemy.accounts import AccountRows, ConversationRows
from safeguarding.adapters.storage.sqlalchemy.audit import AuditRows
from safeguarding.adapters.storage.sqlalchemy.banks import BankRows
from safeguarding.adapters.storage.sqlalchemy.cases import CaseRows
from safeguarding.adapters.storage.sqlalchemy.complaints import ComplaintRows, SuperComplaintRows
from safeguarding.adapters.storage.sqlalchemy.contacts import ConnectionRows, ContactRows
from safeguarding.adapters.storage.sqlalchemy.events import EventRows, FigureRows, ReportRows
from safeguarding.adapters.storage.sqlalchemy.evidence import EvidenceRows
from safeguarding.adapters.storage.sqlalchemy.information_requests import InformationRequestRows
from safeguarding.adapters.storage.sqlalchemy.outbox import OutboxRows
from safeguarding.adapters.storage.sqlalchemy.partner_accounts import PartnerAccountRows
from safeguarding.adapters.storage.sqlalchemy.policy import KeyRows, PolicyRows
from safeguarding.adapters.storage.sqlalchemy.retention import RetentionRows
from safeguarding.adapters.storage.sqlalchemy.review import (
    AuditReviewRows,
    CaseReviewRows,
    EventReviewRows,
)
from safeguarding.adapters.storage.sqlalchemy.risk import RiskRows
from safeguarding.adapters.storage.sqlalchemy.sessions import SessionRows
from safeguarding.adapters.storage.sqlalchemy.transparency import TransparencyRows
from safeguarding.ports.domain_events import UnitOfWorkBase


class SqlEvents(EventRows, EventReviewRows):
    """``EventStore``: the hot path's reads and writes, and what a case page reads."""


class SqlAccounts(AccountRows, ConnectionRows):
    """``AccountStore``: accounts, restrictions and connections."""


class SqlConversations(ConversationRows, ContactRows):
    """``ConversationStore``: conversations, contacts, refusals and review holds."""


class SqlCases(CaseRows, CaseReviewRows):
    """``CaseStore``: cases, and the cases an event or account belongs to."""


class SqlAudit(AuditRows, AuditReviewRows):
    """``AuditLog``: the chain, and the counts read from it."""


class SqlUnitOfWork(UnitOfWorkBase):
    """The storage ports over one SQLAlchemy connection inside one transaction."""

    def __init__(self, conn: Connection, cipher: ContentCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    @cached_property
    def events(self) -> SqlEvents:
        return SqlEvents(self.conn, self.cipher)

    @cached_property
    def retention(self) -> RetentionRows:
        return RetentionRows(self.conn, self.cipher)

    @cached_property
    def accounts(self) -> SqlAccounts:
        return SqlAccounts(self.conn, self.cipher)

    @cached_property
    def conversations(self) -> SqlConversations:
        return SqlConversations(self.conn, self.cipher)

    @cached_property
    def outbox(self) -> OutboxRows:
        return OutboxRows(self.conn, self.cipher)

    @cached_property
    def cases(self) -> SqlCases:
        return SqlCases(self.conn, self.cipher)

    @cached_property
    def evidence(self) -> EvidenceRows:
        return EvidenceRows(self.conn, self.cipher)

    @cached_property
    def reports(self) -> ReportRows:
        return ReportRows(self.conn, self.cipher)

    @cached_property
    def audit(self) -> SqlAudit:
        return SqlAudit(self.conn, self.cipher)

    @cached_property
    def policy(self) -> PolicyRows:
        return PolicyRows(self.conn, self.cipher)

    @cached_property
    def keys(self) -> KeyRows:
        return KeyRows(self.conn, self.cipher)

    @cached_property
    def sessions(self) -> SessionRows:
        return SessionRows(self.conn, self.cipher)

    @cached_property
    def banks(self) -> BankRows:
        return BankRows(self.conn, self.cipher)

    @cached_property
    def partner_accounts(self) -> PartnerAccountRows:
        return PartnerAccountRows(self.conn, self.cipher)

    @cached_property
    def figures(self) -> FigureRows:
        return FigureRows(self.conn, self.cipher)

    @cached_property
    def complaints(self) -> ComplaintRows:
        return ComplaintRows(self.conn, self.cipher)

    @cached_property
    def super_complaints(self) -> SuperComplaintRows:
        return SuperComplaintRows(self.conn, self.cipher)

    @cached_property
    def information_requests(self) -> InformationRequestRows:
        return InformationRequestRows(self.conn, self.cipher)

    @cached_property
    def risk(self) -> RiskRows:
        return RiskRows(self.conn, self.cipher)

    @cached_property
    def transparency(self) -> TransparencyRows:
        return TransparencyRows(self.conn, self.cipher)
