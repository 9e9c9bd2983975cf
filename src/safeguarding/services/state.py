"""The accounts, conversations and connections one batch reads and changes.

Loaded once per batch and written back once, so a batch of a thousand events
costs a handful of queries rather than thousands.
"""

from __future__ import annotations

from datetime import datetime

from safeguarding.domain.accounts import Account
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.detectors import DetectorContext
from safeguarding.domain.events import (
    ContactAcceptedEvent,
    ConversationKind,
    Event,
    MediaEvent,
    MessageEvent,
    ProfileUpdateEvent,
)
from safeguarding.policy.engine import AccountFacts, PolicyFacts, TargetFacts
from safeguarding.ports.store import UnitOfWork


class BatchState:
    """Working copies of the state a batch touches, with what it changed."""

    def __init__(self, uow: UnitOfWork, events: list[Event]) -> None:
        self.uow = uow
        account_ids = {e.actor_id for e in events} | {t for e in events for t in e.target_ids()}
        self.accounts = uow.accounts_get(account_ids)
        self.restricted = uow.restrictions_of(account_ids)
        conversation_ids = {c for e in events if (c := e.conversation())}
        self.conversations = uow.conversations_get(conversation_ids)
        self.connected: dict[str, set[str]] = {}
        self.contacted: dict[str, set[str]] = {}
        self._changed_accounts: set[str] = set()
        self._changed_conversations: set[str] = set()
        self._new_connections: set[tuple[str, str]] = set()
        self._new_contacts: list[tuple[str, str, datetime]] = []

    # -- reading ----------------------------------------------------------
    def account(self, account_id: str, at: datetime) -> Account:
        found = self.accounts.get(account_id)
        if found is None:
            found = self.accounts[account_id] = Account.first_seen(account_id, at)
            self._changed_accounts.add(account_id)
        return found

    def _connections(self, actor_id: str, targets: tuple[str, ...]) -> set[str]:
        known = self.connected.setdefault(actor_id, set())
        return known | self.uow.connections_of(actor_id, [t for t in targets if t not in known])

    def _contacts(self, actor_id: str, targets: tuple[str, ...]) -> set[str]:
        known = self.contacted.setdefault(actor_id, set())
        return known | self.uow.contacts_started(actor_id, [t for t in targets if t not in known])

    def context_for(self, event: Event, now: datetime) -> tuple[DetectorContext, PolicyFacts]:
        at = event.occurred_at
        actor = self.account(event.actor_id, at)
        target_ids = tuple(t for t in event.target_ids() if t != event.actor_id)
        targets = tuple(self.account(t, at) for t in target_ids)
        connected = self._connections(event.actor_id, target_ids) if target_ids else set()
        contacted = self._contacts(event.actor_id, target_ids) if target_ids else set()
        conversation_id = event.conversation()
        context = DetectorContext(
            now=now,
            actor=actor,
            targets=targets,
            connected_to=frozenset(connected),
            conversation=self.conversations.get(conversation_id) if conversation_id else None,
        )
        facts = PolicyFacts(
            event_type=event.type,
            actor=self._facts(actor, at),
            targets=tuple(
                TargetFacts(
                    **self._facts(t, at).__dict__,
                    connected=t.account_id in connected,
                    first_contact=t.account_id not in contacted,
                )
                for t in targets
            ),
        )
        return context, facts

    def _facts(self, account: Account, at: datetime) -> AccountFacts:
        return AccountFacts(
            account_id=account.account_id,
            age_band=account.age_band,
            account_age_days=account.account_age_days(at),
            restricted=account.account_id in self.restricted,
        )

    # -- changing ---------------------------------------------------------
    def apply(self, event: Event) -> None:
        """Record what the event changes: ages, connections, conversations, first contacts."""
        if isinstance(event, ProfileUpdateEvent):
            self._update_profile(event)
        elif isinstance(event, ContactAcceptedEvent):
            self._new_connections.add((event.actor_id, event.target_id))
            self.connected.setdefault(event.actor_id, set()).add(event.target_id)
            self.connected.setdefault(event.target_id, set()).add(event.actor_id)
        if isinstance(event, MessageEvent | MediaEvent):
            self._record_message(event)
        targets = tuple(t for t in event.target_ids() if t != event.actor_id)
        if targets and not isinstance(event, ProfileUpdateEvent):
            self.contacted.setdefault(event.actor_id, set()).update(targets)
            self._new_contacts.extend((event.actor_id, t, event.occurred_at) for t in targets)

    def _update_profile(self, event: ProfileUpdateEvent) -> None:
        account = self.account(event.actor_id, event.occurred_at)
        if "declared_age" in event.model_fields_set:
            account = account.declare_age(event.declared_age, event.occurred_at)
        if event.age_assurance is not None:
            account = account.assure_age(event.age_assurance)
        if event.account_created_at is not None:
            account = account.model_copy(update={"created_at": event.account_created_at})
        self.accounts[event.actor_id] = account
        self._changed_accounts.add(event.actor_id)

    def _record_message(self, event: MessageEvent | MediaEvent) -> None:
        conversation_id = event.conversation_id
        if conversation_id is None:
            return
        kind = (
            event.conversation_kind if isinstance(event, MessageEvent) else ConversationKind.DIRECT
        )
        held = self.conversations.get(conversation_id) or Conversation.started(
            conversation_id, kind, event.occurred_at
        )
        self.conversations[conversation_id] = held.with_message(
            event.actor_id, event.recipient_ids, event.occurred_at
        )
        self._changed_conversations.add(conversation_id)

    def flush(self) -> None:
        """Write back everything the batch changed."""
        self.uow.accounts_put([self.accounts[a] for a in sorted(self._changed_accounts)])
        self.uow.conversations_put(
            [self.conversations[c] for c in sorted(self._changed_conversations)]
        )
        self.uow.connections_add(sorted(self._new_connections))
        self.uow.contacts_add(self._new_contacts)
