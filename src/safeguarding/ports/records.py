"""The small frozen records the storage ports pass that are not domain values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import Event


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
