"""The one exception hierarchy of Safeguarding.

Domain errors carry fields, never HTTP codes; the HTTP adapter maps each class
to a problem+json status in one table (``adapters/http/problems.py``).

    SafeguardingError
    ├── InvalidInput                 bad data from a caller; names the fields
    │   ├── InvalidEvents            some events of a batch are invalid (by index)
    │   ├── MediaRefused             an upload the media hasher refused (``reason``)
    │   └── PolicyInvalid            a policy document failed validation
    ├── Conflict                     the request contradicts what is stored
    │   ├── EventIdReused            an event_id already names a different event
    │   └── ConcurrentWrite          another writer stored the same thing first
    ├── NotFound                     a named thing does not exist
    ├── AccessDenied                 authenticated, but the role may not do this
    ├── Unauthenticated              no credentials, or wrong ones
    ├── TooManyAttempts              too many failed logins; wait ``retry_after_seconds``
    ├── TooLarge                     a body or batch past a configured limit
    ├── StoreClosed                  a store was used after close()
    ├── StoreBusy                    the store cannot take the work now; retry later
    │   └── StoreUnavailable         the database cannot be reached or written (down, disk full)
    └── UpstreamRefused              a receiver we send to (an authority) refused or failed
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SafeguardingError(Exception):
    """Base of every error the engine raises on purpose."""

    title = "Safeguarding error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def extra(self) -> dict[str, Any]:
        """Fields beyond title and detail that a caller can act on."""
        return {}


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: where it is (a path), and what is wrong."""

    location: tuple[str | int, ...]
    message: str
    index: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": ".".join(str(p) for p in self.location)}
        if self.index is not None:
            data["index"] = self.index
        data["message"] = self.message
        data.update(self.extra)
        return data


class InvalidInput(SafeguardingError):
    """Input that cannot be accepted; every problem is listed, not only the first."""

    title = "Invalid input"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []

    def extra(self) -> dict[str, Any]:
        return {"errors": [e.as_dict() for e in self.errors]}

    @classmethod
    def about(
        cls, name: str, detail: str, allowed: tuple[str, ...] | list[str] | None = None
    ) -> InvalidInput:
        """The one field ``name`` is at fault: ``detail`` says what to send instead, and
        ``allowed`` lists the values it takes, when they are few."""
        extra = {"allowed": list(allowed)} if allowed is not None else {}
        return cls(detail, [FieldError((name,), detail, extra=extra)])


class InvalidEvents(InvalidInput):
    """Events of a batch failed validation; nothing in the batch was recorded."""

    title = "Invalid events"


class MediaRefused(InvalidInput):
    """An upload was refused (empty, corrupt, a bomb, a polyglot, a format not allowed...).

    ``reason`` is the hasher's stable code (``too_large``, ``unsupported_format``, ...).
    """

    title = "Media refused"

    def __init__(self, reason: str, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, errors)
        self.reason = reason

    def extra(self) -> dict[str, Any]:
        return {"reason": self.reason, **super().extra()}


class PolicyInvalid(InvalidInput):
    """A policy document failed validation; the policy in force is unchanged."""

    title = "Invalid policy"


class Conflict(SafeguardingError):
    """The request contradicts stored state."""

    title = "Conflict"


class EventIdReused(Conflict):
    """An event_id that is stored already names an event with different content."""

    title = "Event id reused"

    def __init__(self, event_ids: list[str], indexes: list[int]) -> None:
        super().__init__(
            f"{len(event_ids)} event_id(s) already name a different event; "
            "an event_id must identify one event forever"
        )
        self.event_ids = event_ids
        self.indexes = indexes

    def extra(self) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "index": i,
                    "field": "event_id",
                    "event_id": e,
                    "message": "already stored with different content",
                }
                for i, e in zip(self.indexes, self.event_ids, strict=True)
            ]
        }


class ConcurrentWrite(Conflict):
    """Another transaction wrote a row this one meant to write; retrying resolves it."""

    title = "Concurrent write"


class NotFound(SafeguardingError):
    """A named thing does not exist."""

    title = "Not found"


class Unauthenticated(SafeguardingError):
    """No credentials were given, or they are not valid."""

    title = "Unauthenticated"


class TooManyAttempts(SafeguardingError):
    """Too many failed logins from this client or for this key; try again after a while."""

    title = "Too many attempts"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds

    def extra(self) -> dict[str, Any]:
        return {"retry_after_seconds": self.retry_after_seconds}


class AccessDenied(SafeguardingError):
    """The caller is known, but their role may not do this."""

    title = "Forbidden"

    def __init__(self, detail: str, role: str, allowed: tuple[str, ...]) -> None:
        super().__init__(detail)
        self.role = role
        self.allowed = allowed

    def extra(self) -> dict[str, Any]:
        return {"role": self.role, "allowed_roles": list(self.allowed)}


class TooLarge(SafeguardingError):
    """A body or batch is past a configured limit."""

    title = "Too large"

    def __init__(self, detail: str, limit: int) -> None:
        super().__init__(detail)
        self.limit = limit

    def extra(self) -> dict[str, Any]:
        return {"limit": self.limit}


class StoreClosed(SafeguardingError):
    """A store was used after ``close()``."""

    title = "Store closed"


class StoreBusy(SafeguardingError):
    """The store is overloaded or locked; the same request may succeed shortly."""

    title = "Busy"
    retry_after_seconds = 1


class UpstreamRefused(SafeguardingError):
    """A receiver we send to (an authority's reporting API) refused the request or failed;
    nothing was recorded as sent."""

    title = "Receiver refused"

    def __init__(self, detail: str, receiver: str) -> None:
        super().__init__(detail)
        self.receiver = receiver

    def extra(self) -> dict[str, Any]:
        return {"receiver": self.receiver}


class StoreUnavailable(StoreBusy):
    """The database cannot be reached or cannot write (stopped, unreachable, its disk full):
    nothing was stored, and the same request may succeed once it is back."""

    title = "Unavailable"
    retry_after_seconds = 2
