"""Ingest: accept events, decide each, and record everything in one transaction.

Idempotent on ``event_id``: an event sent again gets its stored decision back
and is not stored twice. A batch is all or nothing: if any event is invalid, or
reuses a stored event_id for different content, nothing in it is recorded.
Side effects go to the outbox in the same transaction as the decisions, so a
crash cannot lose them; the outbox then runs those inside the database exactly once
and delivers webhooks at least once, under a delivery id (see ``services/outbox.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from safeguarding.domain.actions import ActionName
from safeguarding.domain.audit import AuditEntry
from safeguarding.domain.audit_actions import AuditAction, AuditSubject
from safeguarding.domain.decisions import Decision, Verdict
from safeguarding.domain.effects import SideEffect
from safeguarding.domain.errors import ConcurrentWrite, EventIdReused
from safeguarding.domain.events import Event, event_fingerprint
from safeguarding.domain.ids import Clock, IdFactory
from safeguarding.domain.support import DEFAULT_RESOURCES, notice
from safeguarding.ports.store import (
    HasAccounts,
    HasAudit,
    HasConversations,
    HasEvents,
    HasOutbox,
    HasPolicy,
    NewEvent,
    OutboxItem,
    StoredEvent,
    Transactions,
)
from safeguarding.ports.stream import Prepared
from safeguarding.services import auditor
from safeguarding.services.evaluate import Evaluator
from safeguarding.services.media import MediaHashing
from safeguarding.services.policy import PolicyService
from safeguarding.services.state import BatchState


class IngestWork(
    HasPolicy, HasAccounts, HasAudit, HasConversations, HasEvents, HasOutbox, Protocol
):
    """What ingest reads and writes in one transaction."""


@dataclass(frozen=True)
class IngestResult:
    """One event's outcome: its decision, and whether it had been stored already."""

    index: int
    event_id: str
    decision: Decision
    replayed: bool


class IngestService:
    """Decides and records batches of events."""

    def __init__(
        self,
        store: Transactions[IngestWork],
        evaluator: Evaluator,
        policies: PolicyService,
        clock: Clock,
        ids: IdFactory,
        support_resources: Mapping[str, str] | None = None,
        media: MediaHashing | None = None,
        before_batch: Callable[[], object] = lambda: None,
    ) -> None:
        self.media = media
        # Brings what detectors read (the banks' snapshot) up to date before the write
        # transaction opens, so deciding an event never reads the store.
        self.before_batch = before_batch
        self.support_resources = {**DEFAULT_RESOURCES, **(support_resources or {})}
        self.store = store
        self.evaluator = evaluator
        self.policies = policies
        self.clock = clock
        self.ids = ids

    def ingest(self, events: Sequence[Event], *, source: str) -> list[IngestResult]:
        return self.ingest_prepared(self.prepare(events), source=source)

    def prepare(self, events: Sequence[Event]) -> list[Prepared]:
        """Fingerprint each event as sent, refuse an event_id reused within the batch, and hash
        the uploads not stored yet (a retry gets its stored decision back unhashed)."""
        fingerprints = [event_fingerprint(e) for e in events]
        _reject_reused_ids(events, fingerprints, {})
        uploads = self.media.uploads(events) if self.media is not None else []
        if self.media is not None and uploads:
            events = self.media.with_hashes(events, skip=self.stored_ids(uploads))
        return [Prepared(e, f) for e, f in zip(events, fingerprints, strict=True)]

    def ingest_prepared(self, prepared: Sequence[Prepared], *, source: str) -> list[IngestResult]:
        """Decide and record prepared events in one transaction (a stream worker's entry)."""
        self.before_batch()
        try:
            return self._ingest_once(prepared, source)
        except ConcurrentWrite:
            # Another writer stored one of these events first; now it is a replay.
            return self._ingest_once(prepared, source)

    def stored_ids(self, event_ids: Collection[str]) -> set[str]:
        with self.store.read() as uow:
            return set(uow.events.find(event_ids))

    def decide_within(
        self, uow: IngestWork, events: Sequence[Event], source: str
    ) -> dict[str, Decision]:
        """Decide and record new events in the caller's transaction, as ingest would (the
        compliance self-test runs them in a scratch transaction that is rolled back)."""
        return self._decide(uow, [(e, event_fingerprint(e)) for e in events], source)

    def _ingest_once(self, prepared: Sequence[Prepared], source: str) -> list[IngestResult]:
        events = [p.event for p in prepared]
        with self.store.write() as uow:
            stored = uow.events.find({e.event_id for e in events})
            check_reuse(prepared, stored)
            fresh = first_of_each(events, stored)
            batch = [(prepared[i].event, prepared[i].fingerprint) for i in fresh.values()]
            decided = self._decide(uow, batch, source)
        return [
            result_of(i, e, decided.get(e.event_id) or stored[e.event_id].decision, stored, fresh)
            for i, e in enumerate(events)
        ]

    def _decide(
        self, uow: IngestWork, batch: list[tuple[Event, str]], source: str
    ) -> dict[str, Decision]:
        if not batch:
            return {}
        policy = self.policies.current(uow)
        state = BatchState(uow, [event for event, _ in batch])
        now = self.clock.now()
        new_events: list[NewEvent] = []
        outbox: list[OutboxItem] = []
        decisions: dict[str, Decision] = {}
        for event, fingerprint in batch:
            context, facts = state.context_for(event, now)
            evaluated = self.evaluator.decide(event, context, facts, policy, now)
            decision = self._with_support(event, evaluated.decision, state)
            state.apply(event, decision, evaluated.states)
            effects = self._side_effects(event, decision, now)
            state.restrict(effects, now)
            decisions[event.event_id] = decision
            new_events.append(NewEvent(event, fingerprint, now, decision))
            outbox.extend(_outbox_item(effect) for effect in effects)
        state.flush()
        uow.events.add(new_events)
        uow.outbox.add(outbox)
        auditor.record_all(uow, [_audit_entry(list(decisions.values()), source)])
        return decisions

    def _with_support(self, event: Event, decision: Decision, state: BatchState) -> Decision:
        """Resolve support_message actions into the notices the platform shows. A target told
        about a refused attempt is not told again about the same actor's retries that day."""
        notices = []
        for action in decision.actions:
            if action.name is not ActionName.SUPPORT_MESSAGE:
                continue
            p = action.parsed_params()
            told = _audience(event, decision, p.audience, state.targets_of(event))
            if p.audience == "targets" and decision.verdict is not Verdict.ALLOW:
                at, actor = event.occurred_at, event.actor_id
                told = tuple(t for t in told if not state.refused_earlier_today(actor, t, at))
            if told:
                notices.append(
                    notice(p.audience, told, p.text, p.resources, self.support_resources)
                )
        return decision.model_copy(update={"support": tuple(notices)}) if notices else decision

    def _side_effects(
        self, event: Event, decision: Decision, now: datetime
    ) -> tuple[SideEffect, ...]:
        ids = [self.ids.new("obx") for _ in decision.side_effects()]
        return SideEffect.of_decision(event, decision, ids, now)


def _outbox_item(effect: SideEffect) -> OutboxItem:
    """The row that keeps a side effect until the outbox carries it out."""
    return OutboxItem(
        effect.item_id, effect.action.value, effect.event_id, effect.stored(), effect.created_at
    )


def _audience(
    event: Event, decision: Decision, audience: str, targets: tuple[str, ...]
) -> tuple[str, ...]:
    """The accounts a support notice is for: the actor, the event's targets (or reported; a
    stream's owner for an event in a live stream), or the child a conversation signal names
    (falling back to the targets)."""
    if audience == "actor":
        return (event.actor_id,)
    if audience == "child":
        children = [
            child
            for s in decision.signals
            if isinstance(child := s.evidence.details.get("child_account_id"), str)
        ]
        if children:
            return tuple(dict.fromkeys(children))
    return targets


def _audit_entry(decisions: list[Decision], source: str) -> AuditEntry:
    """One chained record per transaction, committing to every decision in it by digest."""
    return auditor.entry(
        decisions[0].decided_at,
        source,
        AuditAction.DECISIONS,
        AuditSubject.decisions(len(decisions), decisions[0].event_id),
        {
            "policy_version": decisions[0].policy_version,
            "decisions": [[d.event_id, d.verdict.value, decision_digest(d)] for d in decisions],
        },
    )


def decision_digest(decision: Decision) -> str:
    """SHA-256 of the decision as stored, so the audit chain also guards decisions' content."""
    return hashlib.sha256(decision.model_dump_json().encode()).hexdigest()


def result_of(
    index: int,
    event: Event,
    decision: Decision,
    stored: Collection[str],
    fresh: Mapping[str, int],
) -> IngestResult:
    """An event's result: a replay when it was stored before, or appears earlier in the batch."""
    replayed = event.event_id in stored or fresh.get(event.event_id, -1) != index
    return IngestResult(index, event.event_id, decision, replayed=replayed)


def check_reuse(prepared: Sequence[Prepared], stored: Mapping[str, StoredEvent]) -> None:
    """Refuse events whose event_id is stored (or earlier in the batch) with other content."""
    _reject_reused_ids([p.event for p in prepared], [p.fingerprint for p in prepared], dict(stored))


def _reject_reused_ids(
    events: Sequence[Event], fingerprints: list[str], stored: dict[str, StoredEvent]
) -> None:
    first: dict[str, str] = {}
    reused: list[tuple[int, str]] = []
    for i, (event, fingerprint) in enumerate(zip(events, fingerprints, strict=True)):
        held = stored.get(event.event_id)
        if held is not None:
            same = held.same_content(fingerprint)
        else:
            same = first.setdefault(event.event_id, fingerprint) == fingerprint
        if not same:
            reused.append((i, event.event_id))
    if reused:
        raise EventIdReused([e for _, e in reused], [i for i, _ in reused])


def first_of_each(events: Sequence[Event], stored: dict[str, StoredEvent]) -> dict[str, int]:
    """Index of the first occurrence of each event not yet stored, in batch order."""
    first: dict[str, int] = {}
    for i, event in enumerate(events):
        if event.event_id not in stored:
            first.setdefault(event.event_id, i)
    return first
