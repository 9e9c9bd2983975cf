"""What an event gives evidence storage, the same for every store: the content kept sealed and
its kind, and the hashes recorded beside it."""

from __future__ import annotations

from safeguarding.domain.events import (
    Event,
    LivestreamCommentEvent,
    MediaEvent,
    MessageEvent,
    PostEvent,
)

__all__ = ["content_of", "hashes_of"]


def content_of(event: Event) -> tuple[bytes | None, str | None]:
    """The bytes to keep and their kind: a media event's content ("media"), a message's, a
    post's or a live-stream comment's text ("text"); (None, None) for an event with no
    content or media sent without it."""
    if isinstance(event, MediaEvent):
        data = event.content()
        return (data, "media") if data is not None else (None, None)
    if isinstance(event, MessageEvent | PostEvent | LivestreamCommentEvent):
        return event.text.encode(), "text"
    return None, None


def hashes_of(event: Event) -> dict[str, str]:
    """A media event's hashes as sent (all but vPDQ), as strings; none for other events."""
    if isinstance(event, MediaEvent) and event.hashes is not None:
        found = event.hashes.model_dump(exclude_none=True, exclude={"vpdq"})
        return {k: str(v) for k, v in found.items()}
    return {}
