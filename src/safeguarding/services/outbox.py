"""Carry out the side effects that decisions left in the outbox.

Effects inside the database (a case, preserved evidence, a restriction, a
report draft) are applied in the same transaction that marks the item done,
and each is keyed on its outbox item, so it happens exactly once however often
a worker dies and retries. Effects outside (webhooks) are leased first and
marked done after delivery: at least once, with the item id as the delivery id
so a receiver can drop repeats.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from safeguarding.domain.actions import OpenCaseParams, PreserveParams
from safeguarding.domain.cases import Case, CaseStatus
from safeguarding.domain.errors import ConcurrentWrite
from safeguarding.domain.events import UserReportEvent
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import OutboxItem, Restriction, Store, UnitOfWork

log = logging.getLogger("safeguarding.outbox")
LEASE_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 3600.0


class Undeliverable(Exception):
    """A side effect that can never succeed as it stands (a topic no header may carry): the
    item is marked failed, with the reason, rather than retried for ever."""


class WebhookSender(Protocol):
    """Delivers one signed webhook; raises on failure (``Undeliverable`` if retrying is futile)."""

    def send(self, delivery_id: str, topic: str, body: dict[str, object]) -> None: ...


Handler = Callable[[UnitOfWork, OutboxItem], str]


class OutboxWorker:
    """Processes due outbox items, one transaction each."""

    def __init__(self, store: Store, clock: Clock, webhooks: WebhookSender | None) -> None:
        self.store = store
        self.clock = clock
        self.webhooks = webhooks
        self.internal: dict[str, Handler] = {
            "open_case": self._open_case,
            "preserve_evidence": self._preserve_evidence,
            "restrict_contact_with_children": self._restrict,
            "suspend_account": self._restrict,
            "report_to_authority": self._draft_report,
        }
        # Webhook delivery attempts by result, for the metrics (delivered, failed, undeliverable).
        self.deliveries: Counter[str] = Counter()
        # Periodic work that rides on this loop, in every process that runs it (serve, the
        # stream workers, `worker`): audit checkpoints. Each must be safe to run concurrently.
        self.periodic: list[Callable[[], object]] = []

    def run_once(self, limit: int = 100) -> int:
        """Process up to ``limit`` due items; returns how many were processed."""
        done = 0
        while done < limit and self._process_next():
            done += 1
        return done

    def run_until(self, stop: threading.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            try:
                done = self.run_once()
            except Exception:  # keep the loop alive; the item is retried after its lease
                log.exception("outbox worker error")
                done = 0
            self.run_periodic()
            if done == 0:
                stop.wait(poll_seconds)

    def run_periodic(self) -> None:
        for task in self.periodic:
            try:
                task()
            except Exception:  # a failing task must not stop the outbox
                log.exception("periodic task error")

    def start_thread(self, stop: threading.Event, poll_seconds: float) -> threading.Thread:
        """Run the loop on a daemon thread until ``stop`` is set (beside a server or consumer)."""
        thread = threading.Thread(
            target=self.run_until, args=(stop, poll_seconds), name="outbox-worker", daemon=True
        )
        thread.start()
        return thread

    def _process_next(self) -> bool:
        with self.store.write() as uow:
            item = uow.outbox_next(self.clock.now(), LEASE_SECONDS)
            if item is None:
                return False
            handler = self.internal.get(item.kind)
            if handler is not None:
                uow.outbox_done(item.item_id, self.clock.now(), handler(uow, item))
                return True
        self._deliver(item)
        return True

    def _deliver(self, item: OutboxItem) -> None:
        try:
            result = self._notify(item)
        except Undeliverable as exc:
            self._count(item, "undeliverable")
            log.error(
                "side effect can never succeed; marked failed",
                extra={"item_id": item.item_id, "kind": item.kind, "error": str(exc)},
            )
            with self.store.write() as uow:
                uow.outbox_failed(item.item_id, self.clock.now(), f"undeliverable: {exc}")
            return
        except Exception as exc:
            self._count(item, "failed")
            delay = min(MAX_BACKOFF_SECONDS, 2.0**item.attempts)
            log.warning(
                "side effect failed; will retry",
                extra={"item_id": item.item_id, "kind": item.kind, "error": type(exc).__name__},
            )
            with self.store.write() as uow:
                uow.outbox_retry(
                    item.item_id,
                    f"{type(exc).__name__}: {exc}",
                    self.clock.now() + timedelta(seconds=delay),
                )
            return
        self._count(item, "delivered" if result == "delivered" else "")
        with self.store.write() as uow:
            uow.outbox_done(item.item_id, self.clock.now(), result)

    def _count(self, item: OutboxItem, result: str) -> None:
        """Count a webhook attempt (not an item skipped because no webhook is configured)."""
        if result and item.kind == "notify" and self.webhooks is not None:
            self.deliveries[result] += 1

    def _notify(self, item: OutboxItem) -> str:
        if item.kind != "notify":
            return f"no handler for {item.kind}; skipped"
        if self.webhooks is None:
            return "no webhook_url configured; nothing sent"
        topic = str(item.payload.get("params", {}).get("topic", "decision"))
        body = {
            "delivery_id": item.item_id,
            "topic": topic,
            "event_id": item.event_id,
            "verdict": item.payload.get("verdict"),
            "rule": item.payload.get("rule"),
            "actor_id": item.payload.get("actor_id"),
        }
        self.webhooks.send(item.item_id, topic, body)
        return "delivered"

    # -- effects inside the database ---------------------------------------
    def _open_case(self, uow: UnitOfWork, item: OutboxItem) -> str:
        """Open a case, or fold the signal into the undecided case for the same harm, subject
        and conversation. Concurrent workers meet on the store's unique open key: one inserts,
        the other finds that case (locked) and joins it, so there is one case, not two."""
        case = self._case_for(uow, item)
        about = _account_case(uow, item, case)
        if about is not None:
            uow.case_absorb(about.absorb(case), case.event_ids)
            return f"added to {about.case_id}"
        for _ in range(3):  # the open case may be decided between the insert and the lookup
            if uow.case_add(case, source_key=item.item_id):
                return f"opened {case.case_id}"
            if uow.case_get(case.case_id) is not None:
                return f"{case.case_id} already open"
            held = uow.case_open(case.open_key)
            if held is not None:
                uow.case_absorb(held.absorb(case), case.event_ids)
                return f"added to {held.case_id}"
        raise ConcurrentWrite(f"no case could be opened or joined for {item.event_id}")

    def _case_for(self, uow: UnitOfWork, item: OutboxItem) -> Case:
        params = OpenCaseParams.model_validate(item.payload.get("params", {}))
        return Case(
            case_id=f"case_{item.item_id.removeprefix('obx_')}",
            queue=params.queue,
            priority=params.priority,
            status=CaseStatus.OPEN,
            subject_account_id=item.payload.get("subject_account_id") or item.payload["actor_id"],
            event_ids=(item.event_id,),
            rule=item.payload.get("rule", ""),
            opened_at=self.clock.now(),
            # The clock runs from the decision, not from when this worker got to it: a
            # backlog must not push a deadline back.
            deadline=Case.deadline_for(params.priority, item.created_at, params.deadline_hours),
            report_to_authority=bool(item.payload.get("report_to_authority")),
            conversation_id=None if _account_scoped(item) else conversation_of(uow, item.event_id),
        )

    def _preserve_evidence(self, uow: UnitOfWork, item: OutboxItem) -> str:
        params = PreserveParams.model_validate(item.payload.get("params", {}))
        now = self.clock.now()
        fresh = uow.evidence_preserve(
            item.event_id,
            now,
            now + timedelta(days=params.retention_days),
            f"policy:{item.payload.get('rule', '')}",
        )
        return "preserved" if fresh else "already preserved"

    def _restrict(self, uow: UnitOfWork, item: OutboxItem) -> str:
        uow.restriction_add(
            Restriction(_subject_of(item), item.kind, item.event_id, self.clock.now())
        )
        return f"{item.kind} applied"

    def _draft_report(self, uow: UnitOfWork, item: OutboxItem) -> str:
        authority = str(item.payload.get("params", {}).get("authority", "default"))
        fresh = uow.authority_report_draft(item.event_id, authority, self.clock.now())
        return "report drafted, awaiting a moderator's confirmation" if fresh else "already drafted"


def conversation_of(uow: UnitOfWork, event_id: str) -> str | None:
    """The conversation an event belongs to; for a user report, the reported message's."""
    event = uow.event_get(event_id)
    if isinstance(event, UserReportEvent) and event.reported_event_id:
        reported = uow.event_get(event.reported_event_id)
        return reported.conversation() if reported is not None else None
    return event.conversation() if event is not None else None


def _account_case(uow: UnitOfWork, item: OutboxItem, case: Case) -> Case | None:
    """The undecided case about the subject as a whole that this one joins, if any: for a
    signal about the subject across conversations (``scope: account``), any undecided case of
    the harm about them; for a conversation's, one held about them without a conversation.
    Whichever comes first, the two meet on one case."""
    if _account_scoped(item):
        return uow.case_open_about(case.queue, case.subject_account_id)
    if case.conversation_id is None:
        return None
    return uow.case_open(case.model_copy(update={"conversation_id": None}).open_key)


def _account_scoped(item: OutboxItem) -> bool:
    """Whether an open_case is about the subject across conversations (``scope: account``)."""
    return OpenCaseParams.model_validate(item.payload.get("params", {})).scope == "account"


def _subject_of(item: OutboxItem) -> str:
    """The account an action is about (the suspect, for a conversation signal), else the actor."""
    return str(item.payload.get("subject_account_id") or item.payload["actor_id"])
