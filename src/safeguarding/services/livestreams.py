"""Live streams in the batch state: whose a stream is, who may watch it, what it says to policy.

A stream is a conversation whose id is the stream id. Its ``livestream_start`` records the
owner, the audience and whether the owner was a child (``LiveStream``); every later event in
the stream (a join, a comment, a gift, a recording) is aimed at that owner, so the child-safe
defaults test the owner as the event's target exactly as they test a message's recipient.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from safeguarding.domain.accounts import Account
from safeguarding.domain.conversations import Conversation, LiveStream
from safeguarding.domain.events import (
    LIVESTREAM_INTERACTIONS,
    STREAM_EVENT_TYPES,
    ConversationKind,
    Event,
    LivestreamGiftEvent,
    LivestreamStartEvent,
)
from safeguarding.policy.engine import PolicyFacts


def is_stream_event(event: Event) -> bool:
    """Whether the event happened in a live stream (its start included)."""
    return event.type in STREAM_EVENT_TYPES


def owner_of(event: Event, conversations: Mapping[str, Conversation]) -> str | None:
    """The owner of the stream an interaction happened in, as its start said; None for any
    other event, and for a stream whose start the engine has not seen."""
    if event.type not in LIVESTREAM_INTERACTIONS:
        return None
    held = conversations.get(event.conversation() or "")
    return held.stream.owner_id if held is not None and held.stream is not None else None


def owners_to_load(events: Iterable[Event], conversations: Mapping[str, Conversation]) -> set[str]:
    """Every account that owns a stream this batch touches (stored, or started in the batch),
    so that the batch loads them, their connections and contacts along with the rest."""
    found = {c.stream.owner_id for c in conversations.values() if c.stream is not None}
    return found | {e.actor_id for e in events if isinstance(e, LivestreamStartEvent)}


def started(held: Conversation | None, event: LivestreamStartEvent, owner: Account) -> Conversation:
    """The stream's conversation once its start is recorded. A stream keeps its first owner (a
    start by another account changes nothing); its owner may restart it with a new audience,
    and once a child's stream, it stays one."""
    conversation = held or Conversation.started(
        event.stream_id, ConversationKind.LIVESTREAM, event.occurred_at
    )
    before = conversation.stream
    if before is not None and before.owner_id != event.actor_id:
        return conversation
    stream = LiveStream(
        owner_id=event.actor_id,
        audience=event.audience,
        owner_child=owner.age_band.is_child or (before is not None and before.owner_child),
        started_at=before.started_at if before is not None else event.occurred_at,
    )
    return conversation.model_copy(update={"stream": stream})


def with_stream(facts: PolicyFacts, event: Event, held: Conversation | None) -> PolicyFacts:
    """What policy may test of an event in a stream, added to its facts: the kind of
    conversation, the audience the start gave, and a gift's amount. Others are left as they are."""
    if not is_stream_event(event):
        return facts
    stream = held.stream if held is not None else None
    if isinstance(event, LivestreamStartEvent):
        audience: str | None = event.audience
    else:
        audience = stream.audience if stream is not None else None
    return replace(
        facts,
        conversation_kind=ConversationKind.LIVESTREAM,
        stream_audience=audience,
        gift_amount=event.amount if isinstance(event, LivestreamGiftEvent) else None,
    )
