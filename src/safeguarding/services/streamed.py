"""Ingest in distributed mode: accept events onto the stream, and answer with decisions when the
workers make them in time.

What is already stored is answered at once from the store, as in one-process mode. The rest is
queued on the stream; with a wait, the answer comes when every queued event has been decided,
or, at the deadline, as "accepted" with the ids still pending (their decisions can be read
later). Workers decide the queued events; an event is decided once however many ``serve``
processes accepted it (a second decision finds the first stored and replays it).

Profile updates are the exception: decisions on other shards read them (an age, an age check,
guardian links), and events of different shards are decided in no set order, so a child's age
sent beside an adult's request to her could be read only after the request was let through.
``serve`` decides them itself, in the request's order and before it queues the rest, so the
rest, and any later request's events, find them stored whichever worker decides them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from safeguarding.domain.events import Event, EventType
from safeguarding.ports.store import HasEvents, StoredEvent, Transactions
from safeguarding.ports.stream import EventStream, Prepared
from safeguarding.services.ingest import (
    IngestResult,
    IngestService,
    check_reuse,
    first_of_each,
    result_of,
)

# The store is checked this often while waiting, in case a worker's notice went astray
# (notices are best effort; the store is the truth).
STORE_CHECK_SECONDS = 0.5
DECIDED_BY_SERVE = frozenset({EventType.PROFILE_UPDATE})


class StreamedWork(HasEvents, Protocol):
    """What the stream worker's replays reads and writes in one transaction."""


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission: a result per event, or None where it is still pending."""

    event_ids: tuple[str, ...]
    results: tuple[IngestResult | None, ...]

    @property
    def complete(self) -> bool:
        return all(r is not None for r in self.results)

    @property
    def pending(self) -> list[str]:
        return [e for e, r in zip(self.event_ids, self.results, strict=True) if r is None]


class StreamedIngest:
    """Queues events for the stream workers and gathers their decisions."""

    def __init__(
        self, ingest: IngestService, store: Transactions[StreamedWork], stream: EventStream
    ) -> None:
        self.ingest = ingest
        self.store = store
        self.stream = stream

    def submit(self, events: Sequence[Event], *, source: str, wait_seconds: float) -> Submitted:
        prepared = self.ingest.prepare(events)
        stored = self._stored(events)
        check_reuse(prepared, stored)
        fresh = first_of_each(events, stored)
        new = [prepared[i] for i in fresh.values()]
        if facts := [p for p in new if p.event.type in DECIDED_BY_SERVE]:
            self.ingest.ingest_prepared(facts, source=source)
        if queued := [p for p in new if p.event.type not in DECIDED_BY_SERVE]:
            self._queue_and_wait(queued, source, wait_seconds)
        # Without a wait or a decision made here, nothing can be answered that the first read
        # did not find (a worker's decision comes back as pending either way): one read, not two.
        decided = self._stored(events) if facts or (queued and wait_seconds > 0) else stored
        results = tuple(
            result_of(i, e, decided[e.event_id].decision, stored, fresh)
            if e.event_id in decided
            else None
            for i, e in enumerate(events)
        )
        return Submitted(tuple(e.event_id for e in events), results)

    def _queue_and_wait(self, queued: list[Prepared], source: str, wait_seconds: float) -> None:
        pending = self.stream.publish(queued, source=source, notify=wait_seconds > 0)
        try:
            waiting = {p.event.event_id for p in queued}
            deadline = time.monotonic() + wait_seconds
            while waiting and (left := deadline - time.monotonic()) > 0:
                waiting -= pending.wait(min(left, STORE_CHECK_SECONDS))
                if waiting:
                    waiting -= self.ingest.stored_ids(waiting)
        finally:
            pending.close()

    def _stored(self, events: Sequence[Event]) -> dict[str, StoredEvent]:
        with self.store.read() as uow:
            return uow.events.find({e.event_id for e in events})
