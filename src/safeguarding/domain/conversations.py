"""Conversations: a DM, group chat, comment thread or live-stream chat and its people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from safeguarding.domain.events import ConversationKind


class LiveStream(BaseModel):
    """What a stream's ``livestream_start`` said, kept for the events in the stream: whose it
    is, who may watch, and whether the owner was a child when it started."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    owner_id: str
    audience: str
    owner_child: bool
    started_at: datetime


class Conversation(BaseModel):
    """A conversation's participants, how much has been said in it, and what stateful detectors
    remember about it between messages (``detector_state``, by detector name; never text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conversation_id: str
    kind: ConversationKind
    started_at: datetime
    participants: frozenset[str] = frozenset()
    message_count: int = 0
    last_message_at: datetime | None = None
    detector_state: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Set for a live stream's conversation, from its start (the stream id is the conversation).
    stream: LiveStream | None = None

    def with_detector_state(self, states: dict[str, dict[str, Any]]) -> Conversation:
        return self.model_copy(update={"detector_state": {**self.detector_state, **states}})

    def with_message(self, sender: str, recipients: tuple[str, ...], at: datetime) -> Conversation:
        last = at if self.last_message_at is None else max(at, self.last_message_at)
        return self.model_copy(
            update={
                "participants": self.participants | {sender, *recipients},
                "message_count": self.message_count + 1,
                "last_message_at": last,
            }
        )

    @classmethod
    def started(cls, conversation_id: str, kind: ConversationKind, at: datetime) -> Conversation:
        return cls(conversation_id=conversation_id, kind=kind, started_at=at)
