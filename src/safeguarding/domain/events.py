"""Events: what happened on the platform, as the platform tells it.

Every event has a unique ``event_id`` (ingest is idempotent on it), the time it
``occurred_at`` (timezone-aware), and the ``actor_id`` of the account that did
it. The ``type`` field selects one of the models below; unknown fields are
refused so a typo is an error, not a silently ignored field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from safeguarding.domain.accounts import AgeAssurance
from safeguarding.domain.media_hashes import MediaHashes as MediaHashes
from safeguarding.domain.media_hashes import MediaKind as MediaKind
from safeguarding.domain.relationships import MAX_GUARDIAN_LINKS, Relationship

OpaqueId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@\-]+$")
]
MAX_TEXT_CHARS = 20_000


class EventType(StrEnum):
    """The kinds of event a platform sends."""

    MESSAGE = "message"
    MEDIA = "media"
    CONTACT_REQUEST = "contact_request"
    CONTACT_ACCEPTED = "contact_accepted"
    PROFILE_UPDATE = "profile_update"
    USER_REPORT = "user_report"
    BLOCK = "block"
    LIVESTREAM_START = "livestream_start"
    POST = "post"
    GROUP_ADD = "group_add"
    LIVESTREAM_JOIN = "livestream_join"
    LIVESTREAM_COMMENT = "livestream_comment"
    LIVESTREAM_GIFT = "livestream_gift"
    LIVESTREAM_RECORD = "livestream_record"


class ConversationKind(StrEnum):
    """Where a message was sent."""

    DIRECT = "direct"
    GROUP = "group"
    COMMENTS = "comments"
    LIVESTREAM = "livestream"


StreamAudience = Literal["public", "friends", "private"]


class _EventBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    event_id: OpaqueId
    occurred_at: AwareDatetime
    actor_id: OpaqueId

    def target_ids(self) -> tuple[str, ...]:
        """Accounts this event is aimed at (recipients, the requested, the reported)."""
        return ()

    def conversation(self) -> str | None:
        return None

    def has_content(self) -> bool:
        """Whether the event carries user content (text or media) that counts as evidence."""
        return False


class MessageEvent(_EventBase):
    """A message sent in a conversation."""

    type: Literal[EventType.MESSAGE]
    conversation_id: OpaqueId
    conversation_kind: ConversationKind = ConversationKind.DIRECT
    recipient_ids: tuple[OpaqueId, ...] = Field(default=(), max_length=1000)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    # Accounts named (@-mentioned) in the message: they are reached too, recipients or not.
    mentioned_ids: tuple[OpaqueId, ...] = Field(default=(), max_length=100)

    def target_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.recipient_ids, *self.mentioned_ids)))

    def conversation(self) -> str | None:
        return self.conversation_id

    def has_content(self) -> bool:
        return True


class MediaEvent(_EventBase):
    """An image or video upload: its bytes (base64), or hashes computed by the platform."""

    type: Literal[EventType.MEDIA]
    media_kind: MediaKind
    conversation_id: OpaqueId | None = None
    # Sent to people directly unless the platform says it went to a group: the child-safe
    # defaults on first contact apply to a picture as they do to words.
    conversation_kind: ConversationKind = ConversationKind.DIRECT
    recipient_ids: tuple[OpaqueId, ...] = Field(default=(), max_length=1000)
    content_base64: str | None = None
    hashes: MediaHashes | None = None

    @field_validator("content_base64")
    @classmethod
    def _valid_base64(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("content_base64 is not valid base64") from exc
        return value

    @model_validator(mode="after")
    def _bytes_or_hashes(self) -> MediaEvent:
        if self.content_base64 is None and (self.hashes is None or self.hashes == MediaHashes()):
            raise ValueError("a media event needs content_base64 or at least one hash in hashes")
        return self

    def content(self) -> bytes | None:
        return base64.b64decode(self.content_base64) if self.content_base64 is not None else None

    def sha256(self) -> str | None:
        """The SHA-256 of the bytes when sent, else the platform's."""
        data = self.content()
        if data is not None:
            return hashlib.sha256(data).hexdigest()
        return self.hashes.sha256 if self.hashes else None

    def target_ids(self) -> tuple[str, ...]:
        return self.recipient_ids

    def conversation(self) -> str | None:
        return self.conversation_id

    def has_content(self) -> bool:
        return self.content_base64 is not None


class ContactRequestEvent(_EventBase):
    """The actor asks to connect with (or message) the target."""

    type: Literal[EventType.CONTACT_REQUEST]
    target_id: OpaqueId
    via: Literal["search", "suggestion", "friend_of_friend", "group", "other"] = "other"
    # What the platform knows the two to be; the requester's side only, so a trusted one
    # (family, guardian) counts for nothing until the acceptance states it (relationships.py).
    relationship: Relationship | None = None

    def target_ids(self) -> tuple[str, ...]:
        return (self.target_id,)


class ContactAcceptedEvent(_EventBase):
    """The actor accepted the target's request: the two are now connected."""

    type: Literal[EventType.CONTACT_ACCEPTED]
    target_id: OpaqueId
    relationship: Relationship | None = None
    # When the two became connected on the platform, where that is earlier than this event.
    connected_since: AwareDatetime | None = None

    @field_validator("connected_since")
    @classmethod
    def _not_after_acceptance(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        accepted = info.data.get("occurred_at")
        if value is not None and accepted is not None and value > accepted:
            raise ValueError("connected_since must not be later than occurred_at")
        return value

    def target_ids(self) -> tuple[str, ...]:
        return (self.target_id,)


class ProfileUpdateEvent(_EventBase):
    """The actor's profile changed: a declared age, an age check, the creation date, the
    guardian links the platform holds for the account."""

    type: Literal[EventType.PROFILE_UPDATE]
    declared_age: int | None = Field(default=None, ge=0, le=130)
    age_assurance: AgeAssurance | None = None
    account_created_at: AwareDatetime | None = None
    # The accounts this one is the verified guardian of, and those that are its guardians, as
    # the platform states them (the whole list; [] clears it). A link counts when both say it.
    guardian_of: tuple[OpaqueId, ...] | None = Field(default=None, max_length=MAX_GUARDIAN_LINKS)
    guardians: tuple[OpaqueId, ...] | None = Field(default=None, max_length=MAX_GUARDIAN_LINKS)

    @field_validator("guardian_of", "guardians")
    @classmethod
    def _others_only(
        cls, value: tuple[str, ...] | None, info: ValidationInfo
    ) -> tuple[str, ...] | None:
        if value is not None and info.data.get("actor_id") in value:
            raise ValueError("an account cannot be its own guardian")
        return tuple(dict.fromkeys(value)) if value is not None else None


class ReportReason(StrEnum):
    """Why a user reported something."""

    GROOMING = "grooming"
    ABUSE_IMAGERY = "abuse_imagery"
    SELF_HARM = "self_harm"
    BULLYING = "bullying"
    SPAM = "spam"
    OTHER = "other"


class UserReportEvent(_EventBase):
    """A user reported an account or a piece of content."""

    type: Literal[EventType.USER_REPORT]
    reported_account_id: OpaqueId
    reported_event_id: OpaqueId | None = None
    reason: ReportReason
    comment: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)

    def target_ids(self) -> tuple[str, ...]:
        return (self.reported_account_id,)

    def has_content(self) -> bool:
        return self.comment is not None


class BlockEvent(_EventBase):
    """The actor blocked the target."""

    type: Literal[EventType.BLOCK]
    target_id: OpaqueId

    def target_ids(self) -> tuple[str, ...]:
        return (self.target_id,)


class LivestreamStartEvent(_EventBase):
    """The actor started a live stream."""

    type: Literal[EventType.LIVESTREAM_START]
    stream_id: OpaqueId
    audience: StreamAudience = "public"

    def conversation(self) -> str | None:
        # The stream is a conversation: its events stay together (and in order on one shard).
        return self.stream_id


class _StreamEvent(_EventBase):
    """Something an account does in a live stream. Its target is the stream's owner, known
    from the stream's ``livestream_start`` (the batch state supplies it)."""

    stream_id: OpaqueId

    def conversation(self) -> str | None:
        return self.stream_id


class LivestreamJoinEvent(_StreamEvent):
    """The actor joined (started watching) a live stream."""

    type: Literal[EventType.LIVESTREAM_JOIN]


class LivestreamCommentEvent(_StreamEvent):
    """The actor commented in a live stream's chat: a message in the stream's conversation."""

    type: Literal[EventType.LIVESTREAM_COMMENT]
    text: str = Field(max_length=MAX_TEXT_CHARS)

    def has_content(self) -> bool:
        return True


class LivestreamGiftEvent(_StreamEvent):
    """The actor sent the streamer a gift worth ``amount`` in ``currency`` (ISO 4217, or the
    platform's own coin)."""

    type: Literal[EventType.LIVESTREAM_GIFT]
    amount: float = Field(gt=0, le=1_000_000_000, allow_inf_nan=False)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{2,15}$")]


class LivestreamRecordEvent(_StreamEvent):
    """The actor recorded a live stream: a clip of it, or the whole recording."""

    type: Literal[EventType.LIVESTREAM_RECORD]
    record_kind: Literal["clip", "recording"] = "clip"


class PostEvent(_EventBase):
    """A public or semi-public post or comment."""

    type: Literal[EventType.POST]
    post_id: OpaqueId | None = None
    text: str = Field(max_length=MAX_TEXT_CHARS)
    audience: Literal["public", "friends", "private"] = "public"
    # Accounts named (@-mentioned) in the post: a mention reaches them as a message would.
    mentioned_ids: tuple[OpaqueId, ...] = Field(default=(), max_length=100)

    def target_ids(self) -> tuple[str, ...]:
        return self.mentioned_ids

    def has_content(self) -> bool:
        return True


class GroupAddEvent(_EventBase):
    """The actor added accounts to a group conversation (a way to reach someone as a DM is)."""

    type: Literal[EventType.GROUP_ADD]
    conversation_id: OpaqueId
    member_ids: tuple[OpaqueId, ...] = Field(min_length=1, max_length=1000)

    def target_ids(self) -> tuple[str, ...]:
        return self.member_ids

    def conversation(self) -> str | None:
        return self.conversation_id


Event = Annotated[
    MessageEvent
    | MediaEvent
    | ContactRequestEvent
    | ContactAcceptedEvent
    | ProfileUpdateEvent
    | UserReportEvent
    | BlockEvent
    | LivestreamStartEvent
    | PostEvent
    | GroupAddEvent
    | LivestreamJoinEvent
    | LivestreamCommentEvent
    | LivestreamGiftEvent
    | LivestreamRecordEvent,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_TYPES: tuple[str, ...] = tuple(t.value for t in EventType)
# What an account does in someone's live stream: each reaches the stream's owner.
LIVESTREAM_INTERACTIONS = frozenset(
    {
        EventType.LIVESTREAM_JOIN,
        EventType.LIVESTREAM_COMMENT,
        EventType.LIVESTREAM_GIFT,
        EventType.LIVESTREAM_RECORD,
    }
)
STREAM_EVENT_TYPES = LIVESTREAM_INTERACTIONS | {EventType.LIVESTREAM_START}
# The events by which one account reaches another: the child-safe defaults govern them all.
CONTACT_EVENT_TYPES = frozenset(
    {
        EventType.MESSAGE,
        EventType.MEDIA,
        EventType.CONTACT_REQUEST,
        EventType.GROUP_ADD,
        EventType.POST,
        *LIVESTREAM_INTERACTIONS,
    }
)


# Fields added after events of their type were first stored: left out of the digest while
# unset, so that a retry of an event stored before them is still a replay, not a reused id.
_LATER_FIELDS = frozenset({"relationship", "connected_since", "guardian_of", "guardians"})


def event_fingerprint(event: Event) -> str:
    """A stable digest of an event's content, to tell a replay from a reused event_id.

    Never stored or sent as it is (it would confirm a guessed message): the store keeps it keyed.
    """
    unset = {
        n for n in _LATER_FIELDS & type(event).model_fields.keys() if getattr(event, n) is None
    }
    return hashlib.sha256(event.model_dump_json(exclude=unset).encode()).hexdigest()
