"""Storage interfaces: a ``Store`` hands out units of work, each a set of small repositories
(``repositories.py``, ``oversight.py``), and the records they pass (``records.py``).

``write()`` is one transaction: everything done through any of its repositories commits
together or not at all; that is what makes the outbox safe. ``read()`` never writes.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from safeguarding.ports.domain_events import RecordsDomainEvents
from safeguarding.ports.oversight import (
    ComplaintStore,
    InformationRequestStore,
    RiskStore,
    SuperComplaintStore,
    TransparencyStore,
)
from safeguarding.ports.records import (
    ApiKeyRecord,
    Counts,
    NewEvent,
    OutboxItem,
    Restriction,
    StoredEvent,
    WebSessionRecord,
)
from safeguarding.ports.repositories import (
    AccountStore,
    AuditLog,
    BankStore,
    CaseStore,
    ConversationStore,
    EventStore,
    EvidenceStore,
    Figures,
    KeyStore,
    OutboxStore,
    PartnerAccountStore,
    PolicyStore,
    ReportStore,
    RetentionStore,
    SessionStore,
)

__all__ = [
    "AccountStore",
    "ApiKeyRecord",
    "AuditLog",
    "BankStore",
    "CaseStore",
    "ComplaintStore",
    "ConversationStore",
    "Counts",
    "EventStore",
    "EvidenceStore",
    "Figures",
    "HasAccounts",
    "HasAudit",
    "HasBanks",
    "HasCases",
    "HasComplaints",
    "HasConversations",
    "HasEvents",
    "HasEvidence",
    "HasFigures",
    "HasInformationRequests",
    "HasKeys",
    "HasOutbox",
    "HasPeople",
    "HasPolicy",
    "HasReports",
    "HasRetention",
    "HasRisk",
    "HasSessions",
    "HasSuperComplaints",
    "HasTransparency",
    "InformationRequestStore",
    "KeyStore",
    "NewEvent",
    "OutboxItem",
    "OutboxStore",
    "PolicyStore",
    "RecordsDomainEvents",
    "ReportStore",
    "Restriction",
    "RetentionStore",
    "RiskStore",
    "SessionStore",
    "Store",
    "StoredEvent",
    "SuperComplaintStore",
    "Transactions",
    "TransparencyStore",
    "UnitOfWork",
    "WebSessionRecord",
]


class HasEvents(Protocol):
    """A unit of work with ``events``: the ``EventStore``."""

    @property
    def events(self) -> EventStore: ...


class HasRetention(Protocol):
    """A unit of work with ``retention``: the ``RetentionStore``."""

    @property
    def retention(self) -> RetentionStore: ...


class HasAccounts(Protocol):
    """A unit of work with ``accounts``: the ``AccountStore``."""

    @property
    def accounts(self) -> AccountStore: ...


class HasConversations(Protocol):
    """A unit of work with ``conversations``: the ``ConversationStore``."""

    @property
    def conversations(self) -> ConversationStore: ...


class HasOutbox(Protocol):
    """A unit of work with ``outbox``: the ``OutboxStore``."""

    @property
    def outbox(self) -> OutboxStore: ...


class HasCases(Protocol):
    """A unit of work with ``cases``: the ``CaseStore``."""

    @property
    def cases(self) -> CaseStore: ...


class HasEvidence(Protocol):
    """A unit of work with ``evidence``: the ``EvidenceStore``."""

    @property
    def evidence(self) -> EvidenceStore: ...


class HasReports(Protocol):
    """A unit of work with ``reports``: the ``ReportStore``."""

    @property
    def reports(self) -> ReportStore: ...


class HasAudit(Protocol):
    """A unit of work with ``audit``: the ``AuditLog``."""

    @property
    def audit(self) -> AuditLog: ...


class HasPolicy(Protocol):
    """A unit of work with ``policy``: the ``PolicyStore``."""

    @property
    def policy(self) -> PolicyStore: ...


class HasKeys(Protocol):
    """A unit of work with ``keys``: the ``KeyStore``."""

    @property
    def keys(self) -> KeyStore: ...


class HasSessions(Protocol):
    """A unit of work with ``sessions``: the ``SessionStore``."""

    @property
    def sessions(self) -> SessionStore: ...


class HasBanks(Protocol):
    """A unit of work with ``banks``: the ``BankStore``."""

    @property
    def banks(self) -> BankStore: ...


class HasFigures(Protocol):
    """A unit of work with ``figures``: the ``Figures``."""

    @property
    def figures(self) -> Figures: ...


class HasComplaints(Protocol):
    """A unit of work with ``complaints``: the ``ComplaintStore``."""

    @property
    def complaints(self) -> ComplaintStore: ...


class HasSuperComplaints(Protocol):
    """A unit of work with ``super_complaints``: the ``SuperComplaintStore``."""

    @property
    def super_complaints(self) -> SuperComplaintStore: ...


class HasInformationRequests(Protocol):
    """A unit of work with ``information_requests``: the ``InformationRequestStore``."""

    @property
    def information_requests(self) -> InformationRequestStore: ...


class HasTransparency(Protocol):
    """A unit of work with ``transparency``: the ``TransparencyStore``."""

    @property
    def transparency(self) -> TransparencyStore: ...


class HasRisk(Protocol):
    """A unit of work with ``risk``: the ``RiskStore``."""

    @property
    def risk(self) -> RiskStore: ...


class HasPartnerAccounts(Protocol):
    """A unit of work with ``partner_accounts``: the ``PartnerAccountStore``."""

    @property
    def partner_accounts(self) -> PartnerAccountStore: ...


class HasPeople(HasAccounts, HasConversations, Protocol):
    """A unit of work with ``accounts`` and ``conversations`` (what a batch's state reads)."""


class UnitOfWork(
    HasEvents,
    HasRetention,
    HasAccounts,
    HasConversations,
    HasOutbox,
    HasCases,
    HasEvidence,
    HasReports,
    HasAudit,
    HasPolicy,
    HasKeys,
    HasSessions,
    HasBanks,
    HasPartnerAccounts,
    HasFigures,
    HasComplaints,
    HasSuperComplaints,
    HasInformationRequests,
    HasTransparency,
    HasRisk,
    RecordsDomainEvents,
    Protocol,
):
    """Everything the services may do inside one transaction, one repository per concern.

    A service names only the repositories it uses: a Protocol of its own made of the ``Has…``
    ones above, and a ``Transactions`` of it (see ``services/``).
    """


W_co = TypeVar("W_co", covariant=True)


class Transactions(Protocol[W_co]):
    """What a service sees of the store: transactions whose unit of work is ``W_co``."""

    def write(self) -> AbstractContextManager[W_co]: ...
    def read(self) -> AbstractContextManager[W_co]: ...
    def scratch(self) -> AbstractContextManager[W_co]:
        """A write transaction that is always rolled back: nothing done in it is kept."""
        ...


class Store(Transactions[UnitOfWork], Protocol):
    """Hands out transactions; ``close()`` is idempotent and use after it raises StoreClosed."""

    def compact(self, full: bool = False) -> None:
        """Make removed content unrecoverable from the database files: overwrite freed
        space and empty the write-ahead log (SQLite), vacuum (PostgreSQL)."""
        ...

    def close(self) -> None: ...
