"""The accounts, conversations and connections one batch reads and changes.

Loaded once per batch and written back once, so a batch of a thousand events costs a handful
of queries rather than thousands. What a decision changes applies at once, for the next event
of the batch: a refused attempt is counted (and is no contact made), and a restriction the
decision imposes holds before the outbox carries anything out; so do a hold for review (a
flagged grooming risk, a report of grooming) and a child's age stated in a message.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from safeguarding.detectors.text.grooming_cues import own_stated_age
from safeguarding.domain.accounts import Account, AgeBand
from safeguarding.domain.actions import ActionName
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.decisions import Decision, Verdict
from safeguarding.domain.detectors import DetectorContext
from safeguarding.domain.effects import SideEffect
from safeguarding.domain.events import (
    CONTACT_EVENT_TYPES,
    ContactAcceptedEvent,
    ContactRequestEvent,
    ConversationKind,
    Event,
    LivestreamCommentEvent,
    LivestreamStartEvent,
    MediaEvent,
    MessageEvent,
    ProfileUpdateEvent,
    UserReportEvent,
)
from safeguarding.domain.profiles import profile_updated
from safeguarding.domain.relationships import (
    ConnectionLink,
    Relationship,
    acceptance_connects,
    accepted_relationship,
    pair_relationship,
)
from safeguarding.policy.engine import AccountFacts, PolicyFacts, TargetFacts
from safeguarding.ports.store import HasPeople, Restriction
from safeguarding.services import livestreams
from safeguarding.services.review_holds import held_pairs

CONTACT_WINDOW = timedelta(days=7)
CHILD_BANDS = frozenset(b for b in AgeBand if b.is_child)
RESTRICTING = (ActionName.RESTRICT_CONTACT_WITH_CHILDREN, ActionName.SUSPEND_ACCOUNT)


class BatchState:
    """Working copies of the state a batch touches, with what it changed."""

    def __init__(self, uow: HasPeople, events: list[Event]) -> None:
        self.uow = uow
        conversation_ids = {c for e in events if (c := e.conversation())}
        self.conversations = uow.conversations.get(conversation_ids)
        owners = livestreams.owners_to_load(events, self.conversations)
        account_ids = {e.actor_id for e in events} | {t for e in events for t in e.target_ids()}
        self.accounts = uow.accounts.get(account_ids | owners)
        self.restricted = uow.accounts.restrictions_of(account_ids | owners)
        pairs = {(e.actor_id, t) for e in events for t in _targets(e)}
        pairs |= {(e.actor_id, o) for e in events if livestreams.is_stream_event(e) for o in owners}
        self.links = uow.accounts.connection_links_among(pairs)
        self.connected = set(self.links)
        self.contacted = uow.conversations.contacts_among(pairs)
        self.under_review = uow.conversations.holds_among(pairs)
        actors = {e.actor_id for e in events}
        since = min((e.occurred_at for e in events), default=None)
        window = since - CONTACT_WINDOW if since is not None else None
        self.children_contacted = self._children_reached(uow, actors, window)
        talks = uow.conversations
        self.refusals = talks.refusals(actors, window) if window is not None else {}
        self.last_refused = talks.last_refusals(actors, window) if window is not None else {}
        self._changed_accounts: set[str] = set()
        self._changed_conversations: set[str] = set()
        self._new_connections: set[tuple[str, str]] = set()
        self._new_links: dict[tuple[str, str], ConnectionLink] = {}
        self._new_contacts: list[tuple[str, str, datetime]] = []
        self._new_restrictions: list[Restriction] = []
        self._new_refusals: list[tuple[str, str, str, datetime]] = []
        self._new_holds: list[tuple[str, str, str, datetime]] = []
        self._unconnected: dict[frozenset[AgeBand], set[str]] = {}

    @staticmethod
    def _children_reached(
        uow: HasPeople, actors: set[str], since: datetime | None
    ) -> dict[str, set[str]]:
        """The children each actor reached for since then: contact made, or refused."""
        if since is None:
            return {}
        found = uow.conversations.children_contacted(actors, since)
        for actor, children in uow.conversations.children_refused(actors, since).items():
            found.setdefault(actor, set()).update(children)
        return found

    # -- reading ----------------------------------------------------------
    def account(self, account_id: str, at: datetime) -> Account:
        found = self.accounts.get(account_id)
        if found is None:
            found = self.accounts[account_id] = Account.first_seen(account_id, at)
            self._changed_accounts.add(account_id)
        return found

    def context_for(self, event: Event, now: datetime) -> tuple[DetectorContext, PolicyFacts]:
        at, actor_id = event.occurred_at, event.actor_id
        actor = self.account(actor_id, at)
        targets = tuple(self.account(t, at) for t in self.targets_of(event))
        connected = {t.account_id for t in targets if self._connected_at(actor_id, t, at)}
        context = DetectorContext(
            now=now,
            actor=actor,
            targets=targets,
            connected_to=frozenset(connected),
            conversation=self._conversation_for(event),
            children_contacted=self._children_contacted(actor_id, targets),
            refusals=self._refusals(actor_id, at),
            relationships=self._relationships(event, actor, targets),
        )
        facts = PolicyFacts(
            event_type=event.type,
            conversation_kind=getattr(event, "conversation_kind", None),
            actor=self._facts(actor, at, actor.actor_band),
            targets=tuple(
                TargetFacts(
                    **self._facts(t, at, t.age_band).__dict__,
                    connected=t.account_id in connected,
                    first_contact=(actor_id, t.account_id) not in self.contacted,
                    under_review=(actor_id, t.account_id) in self.under_review,
                    relationship=context.relationships.get(t.account_id),
                    connected_days=self._connected_days(actor_id, t.account_id, at),
                )
                for t in targets
            ),
        )
        held = self.conversations.get(event.conversation() or "")
        return context, livestreams.with_stream(facts, event, held)

    def targets_of(self, event: Event) -> tuple[str, ...]:
        """The event's targets; for an event in a live stream, the stream's owner."""
        owner = livestreams.owner_of(event, self.conversations)
        return (owner,) if owner is not None and owner != event.actor_id else _targets(event)

    def _relationships(
        self, event: Event, actor: Account, targets: tuple[Account, ...]
    ) -> dict[str, Relationship]:
        """What the platform knows the actor and each target to be. A contact request may say
        so for itself, but only in words that lower nothing (relationships.py)."""
        found: dict[str, Relationship] = {}
        for target in targets:
            known = pair_relationship(
                actor, target, self.links.get((actor.account_id, target.account_id))
            )
            if known is None and isinstance(event, ContactRequestEvent):
                claimed = event.relationship
                known = claimed if claimed is not None and not claimed.trusted else None
            if known is not None:
                found[target.account_id] = known
        return found

    def _connected_at(self, actor_id: str, target: Account, at: datetime) -> bool:
        """Whether the two were connected when the event happened. An acceptance decided before
        an event sent earlier (a worker may decide another shard's events first) does not
        reach back and let that event through."""
        pair = (actor_id, target.account_id)
        since = link.connected_since if (link := self.links.get(pair)) is not None else None
        return pair in self.connected and (since is None or since <= at)

    def _connected_days(self, actor_id: str, target_id: str, at: datetime) -> int | None:
        link = self.links.get((actor_id, target_id))
        since = link.connected_since if link is not None else None
        return max(0, (at - since).days) if since is not None else None

    def refused_earlier_today(self, actor_id: str, target_id: str, at: datetime) -> bool:
        """Whether an attempt of the actor's on the target was refused earlier the same day
        (UTC): the target was told then, and is not told again for every retry."""
        last = self.last_refused.get((actor_id, target_id))
        return last is not None and last.date() == at.date() and last <= at

    def _refusals(self, actor_id: str, at: datetime) -> tuple[datetime, ...]:
        """When the actor's contact attempts were refused in the window before ``at``."""
        held = self.refusals.get(actor_id, {}).values()
        return tuple(sorted(r for r in held if at - CONTACT_WINDOW <= r <= at))

    def _children_contacted(self, actor_id: str, targets: tuple[Account, ...]) -> int:
        known = self.children_contacted.get(actor_id, set())
        return len(known | {t.account_id for t in targets if t.age_band.is_child})

    def _conversation_for(self, event: Event) -> Conversation | None:
        """The event's conversation as stored, or as it starts with this event (not yet kept)."""
        conversation_id = event.conversation()
        if conversation_id is None or not isinstance(
            event, MessageEvent | MediaEvent | LivestreamCommentEvent
        ):
            return None
        return self.conversations.get(conversation_id) or Conversation.started(
            conversation_id, _kind(event), event.occurred_at
        )

    def _facts(self, account: Account, at: datetime, band: AgeBand) -> AccountFacts:
        """An account's facts, with the band that applies to its role in the event."""
        return AccountFacts(
            account_id=account.account_id,
            age_band=band,
            account_age_days=account.account_age_days(at),
            restricted=account.account_id in self.restricted,
        )

    # -- changing ---------------------------------------------------------
    def apply(
        self,
        event: Event,
        decision: Decision,
        detector_states: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Record what the event changes: ages, connections, conversations, contacts made or
        refused, and the conversation state that stateful detectors kept."""
        if isinstance(event, ProfileUpdateEvent):
            self._update_profile(event)
        elif isinstance(event, ContactAcceptedEvent) and self._consented(event):
            self._connect(event)
        if isinstance(event, LivestreamStartEvent):
            owner = self.account(event.actor_id, event.occurred_at)
            self.conversations[event.stream_id] = livestreams.started(
                self.conversations.get(event.stream_id), event, owner
            )
            self._changed_conversations.add(event.stream_id)
        if isinstance(event, MessageEvent | MediaEvent | LivestreamCommentEvent):
            self._record_message(event, detector_states or {})
        if isinstance(event, MessageEvent):
            self._record_stated_age(event)
        if decision.verdict is not Verdict.ALLOW or isinstance(event, UserReportEvent):
            self._hold_for_review(event, decision)
        if decision.verdict is not Verdict.ALLOW:
            self._refuse(event)
            return
        for target in self.targets_of(event):
            if (event.actor_id, target) not in self.contacted:
                self.contacted.add((event.actor_id, target))
                if self.account(target, event.occurred_at).age_band.is_child:
                    self.children_contacted.setdefault(event.actor_id, set()).add(target)
                self._new_contacts.append((event.actor_id, target, event.occurred_at))

    def _refuse(self, event: Event) -> None:
        """A refused attempt reached no one: it is counted as a refusal, never as contact; the
        children it aimed at still count among those the actor reached for."""
        targets = self.targets_of(event)
        if event.type not in CONTACT_EVENT_TYPES or not targets:
            return
        self.refusals.setdefault(event.actor_id, {})[event.event_id] = event.occurred_at
        for target in targets:
            self.last_refused[event.actor_id, target] = event.occurred_at
            if self.account(target, event.occurred_at).age_band.is_child:
                self.children_contacted.setdefault(event.actor_id, set()).add(target)
            self._new_refusals.append((event.event_id, event.actor_id, target, event.occurred_at))

    def _hold_for_review(self, event: Event, decision: Decision) -> None:
        """Hold the pairs the decision holds for review (``review_holds``)."""
        reporter = self.account(event.actor_id, event.occurred_at)
        for suspect, child in held_pairs(event, decision, reporter, self._stored_accounts):
            self.under_review.add((suspect, child))
            self._new_holds.append((suspect, child, event.event_id, event.occurred_at))

    def _stored_accounts(self, account_ids: Collection[str]) -> dict[str, Account]:
        """The batch's accounts, reading those of ``account_ids`` not loaded (none is created)."""
        self.accounts |= self.uow.accounts.get(set(account_ids) - self.accounts.keys())
        return self.accounts

    def _record_stated_age(self, event: MessageEvent) -> None:
        """Keep a child's age the writer gives for themself ("im 12"), with the message."""
        age = own_stated_age(event.text)
        if age is None:
            return
        account = self.account(event.actor_id, event.occurred_at)
        stated = account.state_age(age, event.occurred_at, event.event_id)
        if stated is not account:
            self.accounts[event.actor_id] = stated
            self._changed_accounts.add(event.actor_id)
            self._recheck_connections(event.actor_id, account, stated)

    def restrict(self, effects: Sequence[SideEffect], now: datetime) -> None:
        """Apply the decision's restrictions now, in this transaction, so the next event is
        refused even while the outbox is behind (which applies them again, changing nothing)."""
        for effect in effects:
            if effect.action in RESTRICTING:
                self.restricted.add(effect.subject)
                restriction = Restriction(effect.subject, effect.action.value, effect.event_id, now)
                self._new_restrictions.append(restriction)

    def _connect(self, event: ContactAcceptedEvent) -> None:
        """Connect the two, keeping the relationship the acceptance establishes (a trusted one
        only from the child's side) and the earliest date they are known connected since."""
        a, b, at = event.actor_id, event.target_id, event.occurred_at
        accepting, requester = self.account(a, at), self.account(b, at)
        held = self.links.get((a, b))
        relationship = accepted_relationship(event.relationship, accepting, requester)
        since = event.connected_since or event.occurred_at
        if held is not None:
            relationship = relationship or held.relationship
            since = min(since, held.connected_since or since)
        link = ConnectionLink(a, b, relationship, since)
        self._new_connections.add((a, b))
        self._new_links[_ordered(a, b)] = link
        self.connected |= {(a, b), (b, a)}
        self.links[a, b] = self.links[b, a] = link

    def _consented(self, event: ContactAcceptedEvent) -> bool:
        at = event.occurred_at
        return acceptance_connects(
            self.account(event.actor_id, at), self.account(event.target_id, at)
        )

    def _update_profile(self, event: ProfileUpdateEvent) -> None:
        before = self.account(event.actor_id, event.occurred_at)
        self.accounts[event.actor_id] = account = profile_updated(before, event)
        self._changed_accounts.add(event.actor_id)
        self._recheck_connections(event.actor_id, before, account)

    def _recheck_connections(self, account_id: str, before: Account, after: Account) -> None:
        """Connections made before the ages said adult and child no longer stand: an account
        now read as an adult (it passed as a child, or was unknown) loses those with
        children, one now read as a child (it was not) those with known adults. Each child
        must accept again."""
        if before.actor_band is not AgeBand.ADULT and after.actor_band is AgeBand.ADULT:
            bands = CHILD_BANDS
        elif not before.age_band.is_child and after.age_band.is_child:
            bands = frozenset({AgeBand.ADULT})
        else:
            return

        def across(pair: tuple[str, str]) -> bool:
            other = pair[1] if pair[0] == account_id else pair[0] if pair[1] == account_id else None
            held = self.accounts.get(other) if other is not None else None
            return held is not None and held.age_band in bands

        self.connected = {p for p in self.connected if not across(p)}
        self._new_connections = {p for p in self._new_connections if not across(p)}
        self.links = {p: link for p, link in self.links.items() if not across(p)}
        self._new_links = {p: link for p, link in self._new_links.items() if not across(p)}
        self._unconnected.setdefault(bands, set()).add(account_id)

    def _record_message(
        self,
        event: MessageEvent | MediaEvent | LivestreamCommentEvent,
        detector_states: dict[str, dict[str, Any]],
    ) -> None:
        conversation_id = event.conversation()
        if conversation_id is None:
            return
        held = self.conversations.get(conversation_id) or Conversation.started(
            conversation_id, _kind(event), event.occurred_at
        )
        reached = (
            self.targets_of(event)
            if isinstance(event, LivestreamCommentEvent)
            else event.recipient_ids
        )
        held = held.with_message(event.actor_id, reached, event.occurred_at)
        if detector_states:
            held = held.with_detector_state(detector_states)
        self.conversations[conversation_id] = held
        self._changed_conversations.add(conversation_id)

    def flush(self) -> None:
        """Write back everything the batch changed."""
        people, talks = self.uow.accounts, self.uow.conversations
        people.put([self.accounts[a] for a in sorted(self._changed_accounts)])
        talks.put([self.conversations[c] for c in sorted(self._changed_conversations)])
        # Connections that no longer stand go first; those made since are added back after.
        for bands, ids in self._unconnected.items():
            people.connections_remove_with(sorted(ids), bands)
        people.connections_add(sorted(self._new_connections))
        people.connection_links_put([self._new_links[p] for p in sorted(self._new_links)])
        talks.contacts_add(self._new_contacts)
        talks.refusals_add(self._new_refusals)
        talks.holds_add(self._new_holds)
        for restriction in self._new_restrictions:
            people.restriction_add(restriction)


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _kind(event: MessageEvent | MediaEvent | LivestreamCommentEvent) -> ConversationKind:
    if isinstance(event, LivestreamCommentEvent):
        return ConversationKind.LIVESTREAM
    return event.conversation_kind


def _targets(event: Event) -> tuple[str, ...]:
    """The accounts an event is aimed at, without the actor (a message to oneself is no contact)."""
    if isinstance(event, ProfileUpdateEvent):
        return ()
    return tuple(t for t in event.target_ids() if t != event.actor_id)
