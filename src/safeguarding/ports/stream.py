"""The event stream of distributed mode: accepted events queued durably for the workers.

``serve`` publishes each accepted event and may wait to hear that a worker has decided it;
``safeguarding worker`` consumes them in order per conversation. The core sees only these
Protocols; NATS JetStream is one adapter behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from safeguarding.domain.events import Event


@dataclass(frozen=True)
class Prepared:
    """An event ready to decide: uploads hashed, and the fingerprint of what the platform sent
    (so a retry with the same content is a replay, whichever process stored it)."""

    event: Event
    fingerprint: str


class Pending(Protocol):
    """Published events whose decisions a caller is waiting to hear of."""

    def wait(self, timeout: float) -> set[str]:
        """Block until every event is reported decided or ``timeout`` passes; return the ids
        reported so far."""
        ...

    def close(self) -> None: ...


class EventStream(Protocol):
    """Where accepted events go in distributed mode."""

    def publish(self, items: Sequence[Prepared], *, source: str, notify: bool) -> Pending:
        """Queue the events durably, in order per conversation; return once the stream has
        stored every one (raise ``StoreBusy`` if it cannot). With ``notify`` the returned
        handle hears of each decision as a worker commits it."""
        ...

    def close(self) -> None: ...
