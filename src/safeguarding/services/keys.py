"""API keys: created for a role, stored only as an Argon2 hash, verified with a short cache.

A key reads ``sgk_<id>_<secret>``. The id finds the record; the secret is
checked against its Argon2 hash. Argon2 is deliberately slow, so a verified key
is remembered for ``cache_seconds`` (keyed by a SHA-256 of the whole key) and a
revocation takes effect within that time (at once in this process). Logins are
throttled per client and per key id (``LoginThrottle``); a key that proved itself
lately is spared its key id's back-off, so whoever knows a key id cannot lock its
holder out.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    StoreBusy,
    Unauthenticated,
)
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import ApiKeyRecord, HasAudit, HasKeys, HasSessions, Transactions
from safeguarding.services import auditor
from safeguarding.services.caches import TtlLru
from safeguarding.services.login_throttle import LoginThrottle

# OWASP's minimum Argon2id profile. The secret is 256 random bits, so the hash is defence in
# depth against a leaked table, not what makes a key hard to guess; keep verification cheap.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_QUEUE = re.compile(r"[a-z][a-z0-9_]{0,63}")
PROVEN_SECONDS = 24 * 3600.0
MAX_CACHED_KEYS = 100_000  # verified keys remembered at once; the least recently used goes
FLIGHT_WAIT_SECONDS = 30.0  # how long a request waits for another's verification of its key


class KeyWork(HasAudit, HasKeys, HasSessions, Protocol):
    """What API keys reads and writes in one transaction."""


@dataclass
class _Flight:
    """One verification of a key, shared by the requests that present it meanwhile."""

    done: threading.Event = field(default_factory=threading.Event)
    principal: Principal | None = None
    error: Exception | None = None

    def result(self) -> Principal:
        if not self.done.wait(FLIGHT_WAIT_SECONDS):
            raise StoreBusy("the API key is still being verified; try again")
        if self.principal is None:
            raise self.error or Unauthenticated("the API key is not valid")
        return self.principal


class KeyService:
    """Creates, lists, revokes and verifies API keys."""

    def __init__(
        self,
        store: Transactions[KeyWork],
        clock: Clock,
        cache_seconds: float = 30.0,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.throttle = throttle or LoginThrottle()
        self._verified: TtlLru[Principal] = TtlLru(MAX_CACHED_KEYS, cache_seconds)
        self._proven: dict[str, float] = {}  # SHA-256 of a key that verified -> until when
        self._flights: dict[str, _Flight] = {}  # verifications under way, by key digest
        self._lock = threading.Lock()

    @property
    def cache_seconds(self) -> float:
        """How long a verified key is taken on trust (a revocation elsewhere waits as long)."""
        return self._verified.ttl_seconds

    @cache_seconds.setter
    def cache_seconds(self, seconds: float) -> None:
        self._verified.ttl_seconds = seconds

    def create(
        self,
        name: str,
        role: str,
        *,
        by: str = "cli",
        queues: Sequence[str] | None = None,
        organisation: str | None = None,
    ) -> tuple[str, ApiKeyRecord]:
        """Make a key; the plain key is returned once and never stored.

        ``queues`` limits a moderator key to those review queues (``None``: every queue).
        ``organisation`` names the advocacy body an advocate key speaks for; the body's
        super-complaints belong to it. Without one, the key is a body of its own.
        """
        role_value = _checked_role(role)
        name = _checked_name(name)
        checked_queues = _checked_queues(role_value, queues)
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        body = _checked_organisation(role_value, organisation, key_id)
        record = ApiKeyRecord(
            key_id=key_id,
            name=name,
            role=role_value.value,
            secret_hash=_HASHER.hash(secret),
            created_at=self.clock.now(),
            queues=checked_queues,
            organisation=body,
        )
        with self.store.write() as uow:
            uow.keys.add(record)
            details = {
                "role": record.role,
                "name": record.name,
                "queues": list(checked_queues) if checked_queues else None,
                "organisation": body,
            }
            subject = AuditSubject.key(key_id)
            auditor.record(uow, record.created_at, by, AuditAction.KEY_CREATE, subject, details)
        return f"sgk_{key_id}_{secret}", record

    def list(self) -> list[ApiKeyRecord]:
        with self.store.read() as uow:
            return uow.keys.listed()

    def revoke(self, key_id: str, *, by: str = "cli") -> None:
        now = self.clock.now()
        with self.store.write() as uow:
            if not uow.keys.revoke(key_id, now):
                raise NotFound(f"no active key with id '{key_id}'")
            auditor.record(uow, now, by, AuditAction.KEY_REVOKE, AuditSubject.key(key_id))
            uow.sessions.end_for_key(key_id, now)
        self._verified.discard_where(lambda principal: principal.key_id == key_id)

    def authenticate(self, presented: str | None, client: str) -> Principal:
        """``verify``, throttled: too many failures from ``client`` or for the presented key
        id raise TooManyAttempts before any Argon2 work is done.

        A key already verified and cached costs no Argon2 work, so only a client or key id
        that is waiting out a back-off stops it; it never counts as a try in flight (a
        platform's backend sends many requests at once with one key). Concurrent first
        uses of one key share a single verification, and count as one try."""
        if not presented:
            return self.verify(presented)
        digest = _digest(presented)
        subjects = [f"client:{client}"]
        if not self._is_proven(digest):
            subjects.append(f"key:{_key_id(presented)}")
        cached = self._cached(digest)
        if cached is not None:
            self.throttle.check(subjects)
            return cached
        flight, leader = self._board(digest)
        if not leader:
            return flight.result()
        try:
            flight.principal = self._attempt(presented, digest, subjects)
            return flight.principal
        except Exception as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[digest]
            flight.done.set()

    def _attempt(self, presented: str, digest: str, subjects: Sequence[str]) -> Principal:
        with self.throttle.attempt(subjects) as outcome:
            principal = self.verify(presented)
            outcome(True)
        with self._lock:
            self._proven[digest] = time.monotonic() + PROVEN_SECONDS
        return principal

    def _board(self, digest: str) -> tuple[_Flight, bool]:
        """The verification of this key under way (joined), or a new one (led)."""
        with self._lock:
            flight = self._flights.get(digest)
            if flight is not None:
                return flight, False
            flight = self._flights[digest] = _Flight()
            return flight, True

    def _cached(self, digest: str) -> Principal | None:
        return self._verified.get_many((digest,), time.monotonic())[0]

    def _is_proven(self, digest: str) -> bool:
        with self._lock:
            return self._proven.get(digest, 0.0) > time.monotonic()

    def verify(self, presented: str | None) -> Principal:
        if not presented:
            raise Unauthenticated("an API key is required (header: Authorization: Bearer <key>)")
        cache_key = _digest(presented)
        cached = self._cached(cache_key)
        if cached is not None:
            return cached
        principal = self._verify_stored(presented)
        self._verified.put_many(((cache_key, principal),), time.monotonic())
        return principal

    def _verify_stored(self, presented: str) -> Principal:
        prefix, _, rest = presented.partition("_")
        key_id, _, secret = rest.partition("_")
        if prefix != "sgk" or not key_id or not secret:
            raise Unauthenticated("the API key is not valid")
        with self.store.read() as uow:
            record = uow.keys.get(key_id)
        if record is None or record.revoked_at is not None:
            raise Unauthenticated("the API key is not valid")
        try:
            _HASHER.verify(record.secret_hash, secret)
        except (VerificationError, InvalidHashError):
            raise Unauthenticated("the API key is not valid") from None
        return principal_of(record)


def _digest(presented: str) -> str:
    return hashlib.sha256(presented.encode()).hexdigest()


def _key_id(presented: str) -> str:
    """The id part of ``sgk_<id>_<secret>``, cut short so junk cannot grow the throttle."""
    return presented.partition("_")[2].partition("_")[0][:32]


def principal_of(record: ApiKeyRecord) -> Principal:
    """The caller a stored key stands for."""
    return Principal(
        key_id=record.key_id,
        name=record.name,
        role=Role(record.role),
        queues=frozenset(record.queues) if record.queues is not None else None,
        organisation=record.organisation,
    )


def _checked_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(
            f"unknown role '{role}'; roles are: {roles}",
            [FieldError(("role",), f"must be one of: {roles}")],
        ) from None


def _checked_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 128 or any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise InvalidInput(
            "a key needs a name (1 to 128 printable characters), such as the service using it",
            [FieldError(("name",), "1 to 128 printable characters, not blank")],
        )
    return cleaned


def _checked_organisation(role: Role, organisation: str | None, key_id: str) -> str | None:
    """An advocate key's body: the one named, or (none named) a body of the key's own."""
    if organisation is None or not organisation.strip():
        return f"key:{key_id}" if role is Role.ADVOCATE else None
    if role is not Role.ADVOCATE:
        raise InvalidInput(
            f"only advocate keys speak for an organisation; not a {role.value} key",
            [FieldError(("organisation",), "only for the advocate role")],
        )
    cleaned = organisation.strip()
    if len(cleaned) > 128 or any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise InvalidInput(
            "an organisation id is 1 to 128 printable characters, such as 'nspcc'",
            [FieldError(("organisation",), "1 to 128 printable characters")],
        )
    return cleaned


def _checked_queues(role: Role, queues: Sequence[str] | None) -> tuple[str, ...] | None:
    if queues is None:
        return None
    if not queues:  # "no queues yet" must not become every queue: the scope fails closed
        raise InvalidInput(
            "name at least one queue, or leave queues out for a key that works every queue",
            [FieldError(("queues",), "at least one queue, or leave it out")],
        )
    if role is not Role.MODERATOR:
        raise InvalidInput(
            f"only moderator keys have queues; a {role.value} key works no queue or every one",
            [FieldError(("queues",), "only for the moderator role")],
        )
    bad = [q for q in queues if not _QUEUE.fullmatch(q)]
    if bad:
        raise InvalidInput(
            f"a queue name is lowercase words joined by underscores (grooming); not {bad[0]!r}",
            [FieldError(("queues",), "lowercase letters, digits and underscores")],
        )
    return tuple(sorted(set(queues)))
