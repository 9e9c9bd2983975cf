"""Who may see what: feed items and friend suggestions, decided from what is on record.

Feeds. Before it shows items to a viewer, a platform asks which of them the viewer may see.
The answer comes from each item's stored decision and the viewer's age band:

    the item is not on record            visible: the engine has no objection
    the viewer wrote the item            visible: the poster keeps their voice
    its case was dismissed, or an
    appeal against it was upheld         visible again (reinstated), saying which
    verdict block, or a remove action    hidden from everyone else
    verdict hold                         hidden from everyone else until a moderator decides
    a hide_from_children action          hidden from children and from viewers of unknown age
    anything else                        visible

A feed request must cost next to nothing, so what each decision means for visibility is kept
in an in-process cache, bounded (least recently used goes first) and with a TTL: a warm check
is a few dict lookups per item, and the misses of one request cost one query. Decisions are
written once, but a moderator's reversal will change one: ``invalidate()`` (subscribed to the
``ContentReinstated`` domain event) drops items here as soon as it commits, and the TTL makes
every other process see the change within ``ttl_seconds``.

Suggestions. A candidate is left out of a viewer's friend suggestions when the policy in force
would not let the viewer send them a contact request. Each candidate goes through the policy
engine as a contact request from the viewer, so the rule is an ordinary policy rule: a
platform can read it, and relax it where the law allows.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import NamedTuple, Protocol

from safeguarding.domain.accounts import Account, AgeBand
from safeguarding.domain.actions import ActionName
from safeguarding.domain.decisions import Decision, Verdict
from safeguarding.domain.events import EventType
from safeguarding.domain.ids import Clock
from safeguarding.policy.engine import AccountFacts, PolicyFacts, TargetFacts, evaluate
from safeguarding.ports.store import HasAccounts, HasEvents, HasPolicy, Transactions
from safeguarding.services.caches import TtlLru
from safeguarding.services.policy import PolicyService

_HIDING = frozenset({ActionName.BLOCK, ActionName.REMOVE, ActionName.SUSPEND_ACCOUNT})
_HOLDING = frozenset({ActionName.HOLD_FOR_REVIEW})


class VisibilityWork(HasPolicy, HasAccounts, HasEvents, Protocol):
    """What what a viewer may see reads and writes in one transaction."""


class HiddenFor(StrEnum):
    """Whom an item's decision keeps it from (its author always sees it)."""

    NONE = "none"
    CHILDREN = "children"
    EVERYONE = "everyone"


class Audience(IntEnum):
    """The kinds of viewer visibility tells apart; the values index ``ItemRecord.views``."""

    ADULT = 0
    CHILD = 1
    UNKNOWN = 2

    @classmethod
    def of(cls, band: AgeBand) -> Audience:
        if band is AgeBand.ADULT:
            return cls.ADULT
        return cls.CHILD if band.is_child else cls.UNKNOWN


class View(NamedTuple):
    """What one kind of viewer gets for an item: seen or not, why, and the rule behind it."""

    visible: bool
    reason: str
    rule: str | None


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """What one item's decision means for who may see it, worked out once per kind of viewer."""

    author_id: str | None
    hidden_for: HiddenFor
    views: tuple[View, View, View]  # indexed by Audience

    @classmethod
    def reinstated(cls, author_id: str, source: str) -> ItemRecord:
        """Back in feeds; ``source`` is what put it back (a case id, or ``appeal:<id>``)."""
        appeal = source.removeprefix(APPEAL_SOURCE)
        if appeal != source:
            why = f"reinstated: appeal {appeal} against its decision was upheld"
        else:
            why = f"reinstated: its case {source} was dismissed on review"
        back = View(True, why, None)
        return cls(author_id, HiddenFor.NONE, (back, back, back))

    @classmethod
    def of(cls, author_id: str, decision: Decision) -> ItemRecord:
        names = {a.name for a in decision.actions}
        if decision.verdict is Verdict.BLOCK or ActionName.REMOVE in names:
            how = "removed" if ActionName.REMOVE in names else "blocked"
            return cls(author_id, HiddenFor.EVERYONE, _views(how, _rule_with(decision, _HIDING)))
        if decision.verdict is Verdict.HOLD:
            # Kept back until a moderator decides: a dismissal reinstates it.
            rule = _rule_with(decision, _HOLDING)
            return cls(author_id, HiddenFor.EVERYONE, _views("held for review", rule))
        if ActionName.HIDE_FROM_CHILDREN in names:
            rule = _rule_with(decision, {ActionName.HIDE_FROM_CHILDREN})
            return cls(author_id, HiddenFor.CHILDREN, _views("hidden from children", rule))
        return cls(author_id, HiddenFor.NONE, _NO_OBJECTION)


@functools.lru_cache(maxsize=4096)
def _views(how: str, rule: str | None) -> tuple[View, View, View]:
    """The answers for each kind of viewer, made once per rule and shared by its items."""
    why = f"{how} by rule '{rule}'"
    if how != "hidden from children":
        hidden = View(False, why, rule)
        return (hidden, hidden, hidden)
    return (
        View(True, f"{why}; the viewer is an adult", rule),
        View(False, why, rule),
        View(False, f"{why}; the viewer's age is unknown", rule),
    )


_SEEN = View(True, "no objection on record", None)
_NO_OBJECTION = (_SEEN, _SEEN, _SEEN)
_UNSEEN = View(True, "not on record", None)
NOT_ON_RECORD = ItemRecord(None, HiddenFor.NONE, (_UNSEEN, _UNSEEN, _UNSEEN))
OWN_ITEM = View(True, "the author sees their own item", None)
APPEAL_SOURCE = "appeal:"  # how an upheld appeal is recorded as what reinstated an item


class ItemVisibility(NamedTuple):
    """One item's answer for one viewer."""

    event_id: str
    visible: bool
    reason: str
    rule: str | None


@dataclass(frozen=True)
class FeedVisibility:
    """The answers for one viewer's feed, in the order the items were asked."""

    viewer_id: str
    age_band: AgeBand
    items: list[ItemVisibility]


@dataclass(frozen=True)
class RemovedCandidate:
    """A candidate left out of the suggestions, and the rule that leaves them out."""

    account_id: str
    reason: str
    rule: str | None


@dataclass(frozen=True)
class Suggestions:
    """The candidates a viewer may be shown, in the order asked, and those left out."""

    viewer_id: str
    allowed: list[str]
    removed: list[RemovedCandidate] = field(default_factory=list)
    policy_version: int = 0


class VisibilityService:
    """Answers feed visibility from a warm cache, and filters friend suggestions by policy."""

    def __init__(
        self,
        store: Transactions[VisibilityWork],
        policies: PolicyService,
        clock: Clock,
        *,
        max_items: int = 1_000_000,
        ttl_seconds: float = 60.0,
        miss_ttl_seconds: float = 5.0,
        max_viewers: int = 100_000,
        viewer_ttl_seconds: float = 5.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.policies = policies
        self.clock = clock
        # An item not yet on record may be stored any moment, so that answer is kept briefly.
        self.miss_ttl_seconds = miss_ttl_seconds
        self._items: TtlLru[ItemRecord] = TtlLru(max_items, ttl_seconds)
        # A viewer's age band can change (a new age check), so it is re-read every few seconds.
        self._viewers: TtlLru[AgeBand] = TtlLru(max_viewers, viewer_ttl_seconds)
        self._timer = timer

    # -- feeds ------------------------------------------------------------
    def check(self, viewer_id: str, item_ids: Sequence[str]) -> FeedVisibility:
        """Which of the items this viewer may see, each with the reason and rule."""
        now = self._timer()
        band = self._viewers.get_many((viewer_id,), now)[0]
        records = self._items.get_many(item_ids, now)
        missing = [i for i, r in zip(item_ids, records, strict=True) if r is None]
        if band is None or missing:
            read_band, loaded = self._load(viewer_id if band is None else None, missing, now)
            band = band or read_band or AgeBand.UNKNOWN
            records = [r or loaded[i] for i, r in zip(item_ids, records, strict=True)]
        audience = Audience.of(band)
        answers = [
            ItemVisibility(i, *(OWN_ITEM if r.author_id == viewer_id else r.views[audience]))
            for i, r in zip(item_ids, records, strict=True)
            if r is not None
        ]
        return FeedVisibility(viewer_id, band, answers)

    def invalidate(self, event_ids: Iterable[str]) -> None:
        """Forget these items here, so their next check reads the store (after a reversal)."""
        self._items.discard(event_ids)

    def cached_items(self) -> int:
        return len(self._items)

    def _load(
        self, viewer_id: str | None, item_ids: list[str], now: float
    ) -> tuple[AgeBand | None, dict[str, ItemRecord]]:
        """One read for what the cache lacked: the viewer's band and the items' decisions."""
        with self.store.read() as uow:
            band = _band(uow, viewer_id) if viewer_id is not None else None
            stored = uow.events.decisions(set(item_ids)) if item_ids else {}
            restored = uow.events.reinstated_among(stored.keys())
        if band is not None and viewer_id is not None:
            self._viewers.put_many(((viewer_id, band),), now)
        loaded = {
            i: ItemRecord.reinstated(author, restored[i])
            if i in restored
            else ItemRecord.of(author, d)
            for i, (author, d) in stored.items()
        }
        self._items.put_many(loaded.items(), now)
        unseen = [(i, NOT_ON_RECORD) for i in item_ids if i not in loaded]
        self._items.put_many(unseen, now, self.miss_ttl_seconds)
        return band, {**dict(unseen), **loaded}

    # -- friend suggestions -----------------------------------------------
    def filter_suggestions(self, viewer_id: str, candidate_ids: Sequence[str]) -> Suggestions:
        """The candidates a contact request from the viewer would reach under the policy."""
        now = self.clock.now()
        ids = {viewer_id, *candidate_ids}
        with self.store.read() as uow:
            policy = self.policies.current(uow)
            accounts = uow.accounts.get(ids)
            restricted = uow.accounts.restrictions_of(ids)
            connected = uow.accounts.connections_among({(viewer_id, c) for c in candidate_ids})
        actor = _facts(
            viewer_id, accounts.get(viewer_id), viewer_id in restricted, now, as_actor=True
        )
        result = Suggestions(viewer_id, [], [], policy.version)
        for candidate in candidate_ids:
            target = TargetFacts(
                **_facts(candidate, accounts.get(candidate), candidate in restricted, now).__dict__,
                connected=(viewer_id, candidate) in connected,
                first_contact=True,
            )
            facts = PolicyFacts(EventType.CONTACT_REQUEST, actor, (target,))
            decision = evaluate(policy, f"suggestion:{candidate}", (), facts, now)
            if decision.verdict is Verdict.ALLOW:
                result.allowed.append(candidate)
            else:
                result.removed.append(_removed(candidate, decision))
        return result


def _band(uow: VisibilityWork, account_id: str) -> AgeBand:
    account = uow.accounts.get([account_id]).get(account_id)
    return account.age_band if account else AgeBand.UNKNOWN


def _facts(
    account_id: str,
    account: Account | None,
    restricted: bool,
    now: datetime,
    *,
    as_actor: bool = False,
) -> AccountFacts:
    """An account's facts for the policy, with the band for its role (the viewer asking is the
    actor); one the engine has never seen is of unknown age."""
    if account is None:
        return AccountFacts(account_id, AgeBand.UNKNOWN, 0, restricted)
    band = account.actor_band if as_actor else account.age_band
    return AccountFacts(account_id, band, account.account_age_days(now), restricted)


def _removed(candidate: str, decision: Decision) -> RemovedCandidate:
    rule = next((o.rule for o in decision.rules if o.would_verdict is not Verdict.ALLOW), None)
    how = "blocked" if decision.verdict is Verdict.BLOCK else "held for review"
    return RemovedCandidate(
        candidate, f"a contact request from the viewer would be {how} by rule '{rule}'", rule
    )


def _rule_with(decision: Decision, names: Collection[ActionName]) -> str | None:
    """The first enforced rule that took one of these actions."""
    return next((o.rule for o in decision.rules if any(a.name in names for a in o.actions)), None)
