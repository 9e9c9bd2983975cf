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
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Protocol

from pydantic import ValidationError

from safeguarding.domain.actions import (
    ActionName,
    NotifyParams,
    OpenCaseParams,
    PreserveParams,
    ReportParams,
)
from safeguarding.domain.cases import Case, CaseStatus
from safeguarding.domain.effects import SideEffect
from safeguarding.domain.errors import ConcurrentWrite
from safeguarding.domain.events import UserReportEvent
from safeguarding.domain.ids import Clock
from safeguarding.ports.effects import EffectHandler, EffectWork
from safeguarding.ports.store import OutboxItem, Restriction, Transactions
from safeguarding.services.effect_handlers import by_action

log = logging.getLogger("safeguarding.outbox")
LEASE_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 3600.0


class Undeliverable(Exception):
    """A side effect that can never succeed as it stands (a topic no header may carry): the
    item is marked failed, with the reason, rather than retried for ever."""


class EffectHandlerFailed(Exception):
    """A plugin's effect handler raised: the item's transaction is rolled back and retried."""

    def __init__(self, plugin: str, item_id: str) -> None:
        super().__init__(f"effect handler {plugin} failed on {item_id}")
        self.plugin = plugin
        self.item_id = item_id


class WebhookSender(Protocol):
    """Delivers one signed webhook; raises on failure (``Undeliverable`` if retrying is futile)."""

    def send(self, delivery_id: str, topic: str, body: dict[str, object]) -> None: ...


Handler = Callable[[EffectWork, SideEffect], str]


class OutboxWorker:
    """Processes due outbox items, one transaction each."""

    def __init__(
        self,
        store: Transactions[EffectWork],
        clock: Clock,
        webhooks: WebhookSender | None,
        plugins: Mapping[str, EffectHandler] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.webhooks = webhooks
        # Effects inside the database, applied in the transaction that marks the item done.
        self.internal: dict[ActionName, Handler] = {
            ActionName.OPEN_CASE: self._open_case,
            ActionName.PRESERVE_EVIDENCE: self._preserve_evidence,
            ActionName.RESTRICT_CONTACT_WITH_CHILDREN: self._restrict,
            ActionName.SUSPEND_ACCOUNT: self._restrict,
            ActionName.REPORT_TO_AUTHORITY: self._draft_report,
        }
        # Effects outside it, delivered after the lease commits: at least once.
        self.external: dict[ActionName, Callable[[SideEffect], str]] = {
            ActionName.NOTIFY: self._notify,
        }
        # Plugins' handlers (entry point group safeguarding.effects), run after the built-in.
        self.plugins = by_action(plugins or {})
        # Webhook delivery attempts by result, for the metrics (delivered, failed, undeliverable).
        self.deliveries: Counter[str] = Counter()
        # Periodic work that rides on this loop, in every process that runs it (serve, the
        # stream workers, `worker`): audit checkpoints. Each must be safe to run concurrently.
        self.periodic: list[Callable[[], object]] = []

    def handled(self) -> frozenset[ActionName]:
        """The actions a built-in handler carries out."""
        return frozenset(self.internal) | frozenset(self.external)

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
            item = uow.outbox.next(self.clock.now(), LEASE_SECONDS)
            if item is None:
                return False
            effect = self._read(uow, item)
            if effect is None:
                return True
            handler = self.internal.get(effect.action)
            if handler is not None:
                self._done(uow, effect, handler(uow, effect))
                return True
        self._deliver(item, effect)
        return True

    def _read(self, uow: EffectWork, item: OutboxItem) -> SideEffect | None:
        """The item's side effect; an item that is not one as stored is marked failed (it
        could never succeed), naming what is wrong but no value in it."""
        try:
            return effect_of(item)
        except ValidationError as exc:
            reason = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in exc.errors()
            )
            self._give_up(uow, item, f"unreadable: {reason}")
            return None

    def _give_up(self, uow: EffectWork, item: OutboxItem, reason: str) -> None:
        log.error(
            "side effect can never succeed; marked failed",
            extra={"item_id": item.item_id, "kind": item.kind, "error": reason},
        )
        uow.outbox.failed(item.item_id, self.clock.now(), reason)

    def _done(self, uow: EffectWork, effect: SideEffect, result: str) -> None:
        """Run the plugins' handlers for the effect, then mark its item done, in ``uow``."""
        results = [result]
        for name, handler in self.plugins.get(effect.action, ()):
            try:
                results.append(f"{name}: {handler.handle(uow, effect)}")
            except Exception as exc:
                raise EffectHandlerFailed(name, effect.item_id) from exc
        uow.outbox.done(effect.item_id, self.clock.now(), "; ".join(results))

    def _deliver(self, item: OutboxItem, effect: SideEffect) -> None:
        try:
            result = self._outside(effect)
        except Undeliverable as exc:
            self._count(effect, "undeliverable")
            with self.store.write() as uow:
                self._give_up(uow, item, f"undeliverable: {exc}")
            return
        except Exception as exc:
            self._count(effect, "failed")
            delay = min(MAX_BACKOFF_SECONDS, 2.0**item.attempts)
            log.warning(
                "side effect failed; will retry",
                extra={"item_id": item.item_id, "kind": item.kind, "error": type(exc).__name__},
            )
            with self.store.write() as uow:
                uow.outbox.retry(
                    item.item_id,
                    f"{type(exc).__name__}: {exc}",
                    self.clock.now() + timedelta(seconds=delay),
                )
            return
        self._count(effect, "delivered" if result == "delivered" else "")
        with self.store.write() as uow:
            self._done(uow, effect, result)

    def _outside(self, effect: SideEffect) -> str:
        handler = self.external.get(effect.action)
        if handler is None:
            return f"no handler for {effect.action.value}; skipped"
        return handler(effect)

    def _count(self, effect: SideEffect, result: str) -> None:
        """Count a webhook attempt (not an item skipped because no webhook is configured)."""
        if result and effect.action is ActionName.NOTIFY and self.webhooks is not None:
            self.deliveries[result] += 1

    # -- effects outside the database --------------------------------------
    def _notify(self, effect: SideEffect) -> str:
        if self.webhooks is None:
            return "no webhook_url configured; nothing sent"
        topic = effect.params_as(NotifyParams).topic
        body: dict[str, object] = {
            "delivery_id": effect.item_id,
            "topic": topic,
            "event_id": effect.event_id,
            "verdict": effect.verdict.value if effect.verdict is not None else None,
            "rule": effect.rule,
            "actor_id": effect.actor_id,
        }
        self.webhooks.send(effect.item_id, topic, body)
        return "delivered"

    # -- effects inside the database ---------------------------------------
    def _open_case(self, uow: EffectWork, effect: SideEffect) -> str:
        """Open a case, or fold the signal into the undecided case for the same harm, subject
        and conversation. Concurrent workers meet on the store's unique open key: one inserts,
        the other finds that case (locked) and joins it, so there is one case, not two."""
        case = self._case_for(uow, effect)
        about = _account_case(uow, effect, case)
        if about is not None:
            uow.cases.absorb(about.absorb(case), case.event_ids)
            return f"added to {about.case_id}"
        for _ in range(3):  # the open case may be decided between the insert and the lookup
            if uow.cases.add(case, source_key=effect.item_id):
                return f"opened {case.case_id}"
            if uow.cases.get(case.case_id) is not None:
                return f"{case.case_id} already open"
            held = uow.cases.open(case.open_key)
            if held is not None:
                uow.cases.absorb(held.absorb(case), case.event_ids)
                return f"added to {held.case_id}"
        raise ConcurrentWrite(f"no case could be opened or joined for {effect.event_id}")

    def _case_for(self, uow: EffectWork, effect: SideEffect) -> Case:
        params = effect.params_as(OpenCaseParams)
        return Case(
            case_id=f"case_{effect.item_id.removeprefix('obx_')}",
            queue=params.queue,
            priority=params.priority,
            status=CaseStatus.OPEN,
            subject_account_id=effect.subject,
            event_ids=(effect.event_id,),
            rule=effect.rule,
            opened_at=self.clock.now(),
            # The clock runs from the decision, not from when this worker got to it: a
            # backlog must not push a deadline back.
            deadline=Case.deadline_for(params.priority, effect.created_at, params.deadline_hours),
            report_to_authority=effect.report_to_authority,
            takedown_by=effect.created_at + timedelta(hours=params.takedown_hours)
            if params.takedown_hours
            else None,
            conversation_id=None
            if params.scope == "account"
            else conversation_of(uow, effect.event_id),
        )

    def _preserve_evidence(self, uow: EffectWork, effect: SideEffect) -> str:
        params = effect.params_as(PreserveParams)
        now = self.clock.now()
        fresh = uow.evidence.preserve(
            effect.event_id,
            now,
            now + timedelta(days=params.retention_days),
            f"policy:{effect.rule}",
        )
        return "preserved" if fresh else "already preserved"

    def _restrict(self, uow: EffectWork, effect: SideEffect) -> str:
        kind = effect.action.value
        uow.accounts.restriction_add(
            Restriction(effect.subject, kind, effect.event_id, self.clock.now())
        )
        return f"{kind} applied"

    def _draft_report(self, uow: EffectWork, effect: SideEffect) -> str:
        authority = effect.params_as(ReportParams).authority
        fresh = uow.reports.draft(effect.event_id, authority, self.clock.now())
        return "report drafted, awaiting a moderator's confirmation" if fresh else "already drafted"


def effect_of(item: OutboxItem) -> SideEffect:
    """An outbox item's side effect (raises ``pydantic.ValidationError`` if it is not one)."""
    return SideEffect.from_stored(
        item_id=item.item_id,
        kind=item.kind,
        event_id=item.event_id,
        created_at=item.created_at,
        payload=item.payload,
    )


def conversation_of(uow: EffectWork, event_id: str) -> str | None:
    """The conversation an event belongs to; for a user report, the reported message's."""
    event = uow.events.get(event_id)
    if isinstance(event, UserReportEvent) and event.reported_event_id:
        reported = uow.events.get(event.reported_event_id)
        return reported.conversation() if reported is not None else None
    return event.conversation() if event is not None else None


def _account_case(uow: EffectWork, effect: SideEffect, case: Case) -> Case | None:
    """The undecided case about the subject as a whole that this one joins, if any: for a
    signal about the subject across conversations (``scope: account``), any undecided case of
    the harm about them; for a conversation's, one held about them without a conversation.
    Whichever comes first, the two meet on one case."""
    if effect.params_as(OpenCaseParams).scope == "account":
        return uow.cases.open_about(case.queue, case.subject_account_id)
    if case.conversation_id is None:
        return None
    return uow.cases.open(case.model_copy(update={"conversation_id": None}).open_key)
