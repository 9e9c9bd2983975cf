"""Content retention: how long each kind of event's content is kept, and what is left after.

Content is what a person wrote or uploaded: message, post and live-stream comment text, the
comment on a user report, the bytes of an upload. It is kept for its event type's retention;
preserved evidence (kept for its own retention, set per rule and so per harm by the policy), a
legal hold on that evidence, and a case not yet decided keep it longer. What is left is a
tombstone: the event with its content taken out, its keyed fingerprint and its decision, so
the figures, the audit trail and later appeals still add up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from safeguarding.domain.events import (
    Event,
    EventType,
    LivestreamCommentEvent,
    MediaEvent,
    MediaHashes,
    MessageEvent,
    PostEvent,
    UserReportEvent,
)

DEFAULT_CONTENT_DAYS = 30
# The event types that carry content; every other type holds ids and facts only.
CONTENT_TYPES = (
    EventType.MESSAGE,
    EventType.POST,
    EventType.LIVESTREAM_COMMENT,
    EventType.USER_REPORT,
    EventType.MEDIA,
)


def without_content(event: Event) -> Event:
    """The event as its tombstone keeps it: the same ids and facts, no content.

    An upload keeps the SHA-256 of its bytes, so a later match against a bank still names it.
    """
    if isinstance(event, MessageEvent | PostEvent | LivestreamCommentEvent):
        return event.model_copy(update={"text": ""})
    if isinstance(event, UserReportEvent):
        return event.model_copy(update={"comment": None})
    if isinstance(event, MediaEvent) and event.content_base64 is not None:
        hashes = (event.hashes or MediaHashes()).model_copy(update={"sha256": event.sha256()})
        return event.model_copy(update={"content_base64": None, "hashes": hashes})
    return event


def retention_cutoffs(
    now: datetime, default_days: int, days_by_type: Mapping[str, int] | None = None
) -> dict[str, datetime]:
    """For each content-bearing event type, the time before which its content is due to go."""
    days_by_type = days_by_type or {}
    return {
        kind.value: now - timedelta(days=days_by_type.get(kind.value, default_days))
        for kind in CONTENT_TYPES
    }
