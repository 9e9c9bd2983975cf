"""The adversary of the child-safe invariant: an unconnected adult who keeps trying to reach a
child, and the checks every answer must pass. Shared by the in-process API test (SQLite and
PostgreSQL) and the distributed one (serve --stream and a worker).

A script is a list of steps drawn by Hypothesis: the adult's messages (the same or a new
conversation, direct, group, comments or live stream), uploads, group adds, mentions, contact
requests (refused, or left pending), an acceptance of their own, re-declared ages, a whole
grooming conversation's warning signs (to the unconnected child, or to a child who did accept),
hours and days apart, interleaved with the child's own events (and, rarely, the child's
acceptance), and a quiet account of unknown age that says in a message it is 12. Each child
(and the quiet account) has a live stream, started at the outset and again as the script goes
(public, friends-only or private): the adult joins it, comments, sends gifts, records it, grooms
in its chat, and retries what was refused (the same event again). ``play``
sends them and checks, after each
answer: nothing from the adult reaches the child (verdict ``hold`` or ``block``, and
``/v1/visibility`` false for the child) until the child accepts a connection, nor the quiet
account once it has said it is a child; after a
restriction on the adult, nothing reaches any child, a connected one included; a message
that takes the grooming risk to the flag level is held, to the high level blocked, and after a
flag nothing more the adult sends that child is delivered (no case is decided here).
Conversations show only non-explicit warning signs.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from typing import Any

from hypothesis import strategies as st

from tests.factories import BASE, benign_png

LINES = (
    "hey how was school today",
    "how old r u btw?",
    "ur really mature for ur age",
    "dont tell ur mum we talk ok, she wouldnt get it",
    "lets talk on another app, add me there",
    "we could meet at the park after school, just us",
)
GAPS_MINUTES = (1, 60, 6 * 60, 24 * 60, 3 * 24 * 60)
ADULT_STEPS = (
    "message",
    "media",
    "group_add",
    "mention",
    "request",
    "adult_accepts",
    "age",
    "groom",
    "stream_join",
    "stream_comment",
    "stream_gift",
    "stream_record",
    "stream_groom",
    "retry",
)
CHILD_STEPS = (
    "child_message",
    "child_request",
    "child_age",
    "child_accepts",
    "quiet_says_12",
    "child_streams",
)
AUDIENCES = ("public", "friends", "private")
FRIENDS_ONLY = {"friends", "private"}
QUIET_SAYS_12 = "im 12 btw, year 7"
RESTRICTING = {"restrict_contact_with_children", "suspend_account"}

Send = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
Visible = Callable[[str, list[str]], dict[str, bool]]

step = st.tuples(
    st.sampled_from(ADULT_STEPS * 4 + CHILD_STEPS),
    # whom the adult aims at: mostly the unconnected child, sometimes the connected friend
    st.sampled_from(("child", "child", "child", "friend", "quiet")),
    st.sampled_from(("same", "new")),  # conversation
    st.sampled_from(("direct", "group", "comments", "livestream")),
    st.integers(0, len(LINES) - 1),
    st.sampled_from((9, 12, 15, 17, 19, 30, 40)),  # a re-declared age
    st.sampled_from(GAPS_MINUTES),
)
scripts = st.lists(step, min_size=1, max_size=14)
_runs = count()


@dataclass
class Play:
    """One run's accounts, clock and what the model knows: who is connected, who restricted."""

    prefix: str
    minutes: float = 0.0
    conversation: int = 0
    connected: set[str] = field(default_factory=set)
    children: set[str] = field(default_factory=set)  # accounts known to be children
    flagged: set[str] = field(default_factory=set)  # children a grooming flag names
    restricted: bool = False
    ids: count = field(default_factory=count)
    streams: dict[str, str] = field(default_factory=dict)  # each account's latest stream
    owners: dict[str, str] = field(default_factory=dict)  # stream -> owner
    audiences: dict[str, str] = field(default_factory=dict)  # stream -> audience
    last: dict[str, Any] | None = None  # the adult's latest event, for a retry
    verdicts: dict[str, str] = field(default_factory=dict)  # event_id -> first verdict
    # False where one request's events may be decided in any order across conversations
    # (distributed mode, `respond-async`): then what a conversation reveals (a restriction, a
    # grooming flag, an age stated in a message) binds from the next request on.
    in_order: bool = True
    settled: tuple[bool, frozenset[str], frozenset[str]] = (False, frozenset(), frozenset())

    def known(self) -> tuple[bool, set[str] | frozenset[str], set[str] | frozenset[str]]:
        """Restricted, flagged and children, as the engine must have acted on them by now."""
        if self.in_order:
            return self.restricted, self.flagged, self.children
        return self.settled

    def settle(self) -> None:
        self.settled = (self.restricted, frozenset(self.flagged), frozenset(self.children))

    def stream(self, owner: str, audience: str, gap: float = 1) -> dict[str, Any]:
        """A new stream of the owner's, from now on the one the adult aims at."""
        stream_id = f"{self.prefix}stream-{next(self.ids)}"
        self.streams[owner], self.owners[stream_id] = stream_id, owner
        self.audiences[stream_id] = audience
        event = self.base("livestream_start", owner, gap)
        return {**event, "stream_id": stream_id, "audience": audience}

    def who(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def base(self, kind: str, actor: str, gap: float = 1) -> dict[str, Any]:
        self.minutes += gap
        at = (BASE + timedelta(minutes=self.minutes)).isoformat().replace("+00:00", "Z")
        event_id = f"{self.prefix}{kind}-{next(self.ids)}"
        return {"type": kind, "event_id": event_id, "occurred_at": at, "actor_id": actor}


def new_play() -> Play:
    return Play(prefix=f"adv{next(_runs)}-")


def setup_events(play: Play) -> list[dict[str, Any]]:
    """An adult of 40, the child of 11 they are not connected to, a friend of 12 who accepted
    the adult, and a peer of the child's age (the quiet account says nothing of its age)."""
    adult, child, friend, peer = (play.who(n) for n in ("adult", "child", "friend", "peer"))
    events = [
        {**play.base("profile_update", who), "declared_age": age}
        for who, age in ((adult, 40), (child, 11), (friend, 12), (peer, 11))
    ]
    events.append({**play.base("contact_accepted", friend), "target_id": adult})
    play.connected.add(friend)
    play.children |= {child, friend, peer}
    quiet = play.who("quiet")
    events += [play.stream(child, "friends"), play.stream(friend, "public")]
    return [*events, play.stream(quiet, "public")]


def events_for(play: Play, drawn: tuple[Any, ...]) -> list[dict[str, Any]]:
    """The events of one step: one, or for ``groom`` a whole conversation's warning signs."""
    if drawn[0] == "retry":
        return [dict(play.last)] if play.last is not None else []
    if drawn[0] not in ("groom", "stream_groom"):
        return [event_for(play, drawn)]
    kind, aim, _, where, _, _, gap = drawn
    play.conversation += 1
    one = "message" if kind == "groom" else "stream_comment"
    return [
        event_for(play, (one, aim, "same", where, line, 0, gap if line == 0 else 2))
        for line in range(len(LINES))
    ]


def event_for(play: Play, drawn: tuple[Any, ...]) -> dict[str, Any]:
    made = _event_for(play, drawn)
    if made["actor_id"] == play.who("adult"):
        play.last = made
    return made


def _event_for(play: Play, drawn: tuple[Any, ...]) -> dict[str, Any]:
    kind, aim, conversation, where, line, age, gap = drawn
    if kind.startswith("stream_"):
        return stream_event(play, kind.removeprefix("stream_"), aim, line, gap)
    adult, child, target = play.who("adult"), play.who("child"), play.who(aim)
    if kind in ("message", "media", "group_add") and conversation == "new":
        play.conversation += 1
    conv = f"{play.prefix}conv-{aim}-{play.conversation}"
    if kind == "message":
        return {
            **play.base("message", adult, gap),
            "conversation_id": conv,
            "conversation_kind": where,
            "recipient_ids": [target],
            "text": LINES[line],
        }
    if kind == "media":
        picture = base64.b64encode(benign_png(f"adversary-{line}")).decode()
        return {
            **play.base("media", adult, gap),
            "media_kind": "image",
            "conversation_id": conv,
            "conversation_kind": where,
            "recipient_ids": [target],
            "content_base64": picture,
        }
    if kind == "group_add":
        return {
            **play.base("group_add", adult, gap),
            "conversation_id": conv,
            "member_ids": [target],
        }
    if kind == "mention":
        return {**play.base("post", adult, gap), "text": LINES[line], "mentioned_ids": [target]}
    if kind == "request":
        return {**play.base("contact_request", adult, gap), "target_id": target}
    if kind == "adult_accepts":  # the adult "accepts" the child: it must connect nothing
        return {**play.base("contact_accepted", adult, gap), "target_id": target}
    if kind == "age":
        return {**play.base("profile_update", adult, gap), "declared_age": age}
    return child_event(play, kind, age, line, gap, child)


def stream_event(play: Play, kind: str, aim: str, line: int, gap: float) -> dict[str, Any]:
    """The adult in the aimed account's latest stream: a join, a comment, a gift (small or
    large), a clip or a recording."""
    stream_id = play.streams[play.who(aim)]
    event = {**play.base(f"livestream_{kind}", play.who("adult"), gap), "stream_id": stream_id}
    if kind == "comment":
        return {**event, "text": LINES[line]}
    if kind == "gift":
        return {**event, "amount": (1, 5, 50, 500)[line % 4], "currency": "GBP"}
    if kind == "record":
        return {**event, "record_kind": ("clip", "recording")[line % 2]}
    return event


def child_event(play: Play, kind: str, age: int, line: int, gap: float, child: str) -> dict:
    adult, peer = play.who("adult"), play.who("peer")
    if kind == "child_message":
        return {
            **play.base("message", child, gap),
            "conversation_id": f"{play.prefix}conv-peer",
            "recipient_ids": [peer],
            "text": "did u finish the science homework",
        }
    if kind == "child_request":  # the child asks the adult: still no connection
        return {**play.base("contact_request", child, gap), "target_id": adult}
    if kind == "child_age":  # a child re-declaring as an adult keeps a child's protections
        return {**play.base("profile_update", child, gap), "declared_age": age}
    if kind == "quiet_says_12":  # an age stated in text protects as a declared one would
        quiet = play.who("quiet")
        return {
            **play.base("message", quiet, gap),
            "conversation_id": f"{play.prefix}conv-quiet",
            "recipient_ids": [peer],
            "text": QUIET_SAYS_12,
        }
    if kind == "child_streams":  # a child (or the quiet account) starts a new stream
        owner = play.who(("child", "friend", "quiet")[line % 3])
        return play.stream(owner, AUDIENCES[age % 3], gap)
    return {**play.base("contact_accepted", child, gap), "target_id": adult}


def play_script(
    send: Send,
    visible: Visible,
    script: Sequence[tuple[Any, ...]],
    batches: Sequence[int],
    *,
    in_order: bool = True,
) -> Play:
    """Send the script's events in batches of the given sizes (cycled), checking each answer."""
    play = new_play()
    play.in_order = in_order
    send(setup_events(play))
    play.settle()
    events = [event for drawn in script for event in events_for(play, drawn)]
    sizes, start = list(batches) or [1], 0
    while start < len(events):
        size = sizes[start % len(sizes)]
        chunk = events[start : start + size]
        start += size
        decisions = send(chunk)
        reached = [check(play, e, d) for e, d in zip(chunk, decisions, strict=True)]
        confirm_not_visible(visible, [r for r in reached if r is not None])
        play.settle()
    return play


def check(play: Play, event: dict[str, Any], decision: dict[str, Any]) -> tuple[str, str] | None:
    """Check one answer against the model and update the model; return (child, event_id) when
    the child must not see the event."""
    adult, verdict = play.who("adult"), decision["verdict"]
    if event["event_id"] in play.verdicts:  # a retry is answered as first decided
        assert play.verdicts[event["event_id"]] == verdict, (event, decision)
        return None
    play.verdicts[event["event_id"]] = verdict
    grooming = [s for s in decision["signals"] if s["detector"] == "grooming"]
    kinds = {s["kind"] for s in grooming}
    if "grooming_risk_high" in kinds:
        assert verdict == "block", (event["event_id"], decision)
    elif "grooming_risk" in kinds:
        assert verdict in ("hold", "block"), (event["event_id"], decision)
    must_refuse = None
    restricted, flagged, children = play.known()
    if event["actor_id"] == adult:
        for target in _targets(event, play):
            unconnected = target not in play.connected or target in flagged
            if event["type"] == "livestream_join" and target not in flagged:
                # joining is refused only where the child's stream is friends-only
                unconnected &= play.audiences[event["stream_id"]] in FRIENDS_ONLY
            if target in children and (restricted or unconnected):
                assert verdict in ("hold", "block"), (event, restricted, decision)
                must_refuse = (target, event["event_id"])
        if {a["name"] for a in decision["actions"]} & RESTRICTING:
            play.restricted = True
        if kinds & {"grooming_risk", "grooming_risk_high"}:
            play.flagged |= {s["evidence"]["details"]["child_account_id"] for s in grooming}
    elif event["type"] == "contact_accepted" and event["target_id"] == adult:
        play.connected.add(event["actor_id"])
    elif event.get("text") == QUIET_SAYS_12:
        play.children.add(event["actor_id"])
    return must_refuse


def confirm_not_visible(visible: Visible, reached: list[tuple[str, str]]) -> None:
    for target, event_id in reached:
        assert visible(target, [event_id]) == {event_id: False}, (target, event_id)


def _targets(event: dict[str, Any], play: Play) -> list[str]:
    if event["type"].startswith("livestream_") and event["type"] != "livestream_start":
        return [play.owners[event["stream_id"]]]
    if event["type"] in ("message", "media"):
        return list(event["recipient_ids"])
    if event["type"] == "group_add":
        return list(event["member_ids"])
    if event["type"] == "post":
        return list(event["mentioned_ids"])
    if event["type"] == "contact_request":
        return [event["target_id"]]
    return []
