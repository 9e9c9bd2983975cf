"""The in-memory accounts and conversations: who is connected, who contacted whom, refusals
and review holds, as the SQL repositories of ``accounts.py`` and ``contacts.py`` keep them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from safeguarding.adapters.storage.memory.state import Repository
from safeguarding.domain.accounts import Account, AgeBand
from safeguarding.domain.conversations import Conversation
from safeguarding.domain.relationships import ConnectionLink
from safeguarding.ports.records import Restriction


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class MemoryAccounts(Repository):
    """``AccountStore`` in memory."""

    def get(self, account_ids: Collection[str]) -> dict[str, Account]:
        return {i: self.s.accounts[i] for i in account_ids if i in self.s.accounts}

    def put(self, accounts: Collection[Account]) -> None:
        self.s.accounts.update({a.account_id: a for a in accounts})

    def restrictions_of(self, account_ids: Collection[str]) -> set[str]:
        wanted = set(account_ids)
        return {r.account_id for r in self.s.restrictions if r.account_id in wanted}

    def restriction_add(self, restriction: Restriction) -> None:
        key = (restriction.account_id, restriction.kind, restriction.event_id)
        if all((r.account_id, r.kind, r.event_id) != key for r in self.s.restrictions):
            self.s.restrictions.append(restriction)

    def restrictions_remove(self, account_id: str, event_ids: Collection[str]) -> int:
        kept = [
            r
            for r in self.s.restrictions
            if not (r.account_id == account_id and r.event_id in event_ids)
        ]
        removed = len(self.s.restrictions) - len(kept)
        self.s.restrictions = kept
        return removed

    def connections_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(a, b) for a, b in pairs if _ordered(a, b) in self.s.connections}

    def connections_add(self, pairs: Collection[tuple[str, str]]) -> None:
        for a, b in pairs:
            self.s.connections.setdefault(_ordered(a, b), None)

    def connection_links_among(
        self, pairs: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], ConnectionLink]:
        found = {}
        for a, b in pairs:
            key = _ordered(a, b)
            if key in self.s.connections:
                link = self.s.connections[key]
                relationship = link.relationship if link else None
                since = link.connected_since if link else None
                found[a, b] = ConnectionLink(a, b, relationship, since)
        return found

    def connection_links_put(self, links: Collection[ConnectionLink]) -> None:
        for link in links:
            self.s.connections[_ordered(link.account_a, link.account_b)] = link

    def connections_remove_with(
        self, account_ids: Collection[str], bands: Collection[AgeBand]
    ) -> int:
        ids = set(account_ids)
        others = {i for i, a in self.s.accounts.items() if a.age_band in bands}
        gone = [
            (a, b)
            for a, b in self.s.connections
            if (a in ids and b in others) or (b in ids and a in others)
        ]
        for key in gone:
            del self.s.connections[key]
        return len(gone)


class MemoryConversations(Repository):
    """``ConversationStore`` in memory."""

    def get(self, conversation_ids: Collection[str]) -> dict[str, Conversation]:
        return {i: self.s.conversations[i] for i in conversation_ids if i in self.s.conversations}

    def put(self, conversations: Collection[Conversation]) -> None:
        self.s.conversations.update({c.conversation_id: c for c in conversations})

    def contacts_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        return {pair for pair in pairs if pair in self.s.contacts}

    def contacts_add(self, contacts: Collection[tuple[str, str, datetime]]) -> None:
        for actor, target, at in contacts:
            self.s.contacts.setdefault((actor, target), at)

    def children_contacted(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, set[str]]:
        reached = [(a, b) for (a, b), at in self.s.contacts.items() if at >= since]
        return self._children(reached, actor_ids)

    def refusals(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[str, dict[str, datetime]]:
        found: dict[str, dict[str, datetime]] = {}
        for event_id, actor, _, at in sorted(self.s.refusals, key=lambda r: r[3], reverse=True):
            if actor in actor_ids and at >= since:
                found.setdefault(actor, {})[event_id] = at
        return found

    def children_refused(self, actor_ids: Collection[str], since: datetime) -> dict[str, set[str]]:
        reached = [(a, b) for _, a, b, at in self.s.refusals if at >= since]
        return self._children(reached, actor_ids)

    def _children(
        self, reached: list[tuple[str, str]], actor_ids: Collection[str]
    ) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for actor, target in reached:
            account = self.s.accounts.get(target)
            if actor in actor_ids and account is not None and account.age_band.is_child:
                found.setdefault(actor, set()).add(target)
        return found

    def refusals_add(self, refusals: Collection[tuple[str, str, str, datetime]]) -> None:
        self.s.refusals.extend({(e, b): (e, a, b, at) for e, a, b, at in refusals}.values())

    def last_refusals(
        self, actor_ids: Collection[str], since: datetime
    ) -> dict[tuple[str, str], datetime]:
        last: dict[tuple[str, str], datetime] = {}
        for _, actor, target, at in self.s.refusals:
            if actor in actor_ids and at >= since:
                last[actor, target] = max(at, last.get((actor, target), at))
        return last

    def holds_among(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        held = {(a, b) for a, b, _ in self.s.holds}
        return held & set(pairs)

    def holds_add(self, holds: Collection[tuple[str, str, str, datetime]]) -> None:
        for actor, target, event_id, at in holds:
            self.s.holds.setdefault((actor, target, event_id), at)

    def holds_remove(self, event_ids: Collection[str]) -> int:
        gone = [key for key in self.s.holds if key[2] in event_ids]
        for key in gone:
            del self.s.holds[key]
        return len(gone)
