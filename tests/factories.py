"""Builders for test events and policies. Conversations show only non-explicit warning signs."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from io import BytesIO
from itertools import count
from typing import Any

from PIL import Image, ImageDraw

from safeguarding.domain.events import EVENT_ADAPTER, Event

BASE = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
_n = count(1)


def at(minutes: float = 0) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def next_id(prefix: str = "ev") -> str:
    return f"{prefix}-{next(_n):06d}"


def message(
    actor: str = "adult1",
    to: str = "child1",
    text: str = "hey",
    *,
    conversation: str = "c1",
    event_id: str | None = None,
    minutes: float = 0,
) -> dict[str, Any]:
    return {
        "type": "message",
        "event_id": event_id or next_id("msg"),
        "occurred_at": at(minutes),
        "actor_id": actor,
        "recipient_ids": [to],
        "conversation_id": conversation,
        "text": text,
    }


def profile(
    actor: str,
    age: int | None,
    *,
    minutes: float = -60,
    created_days_ago: int | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "profile_update",
        "event_id": event_id or next_id("prof"),
        "occurred_at": at(minutes),
        "actor_id": actor,
        "declared_age": age,
    }
    if created_days_ago is not None:
        event["account_created_at"] = (BASE - timedelta(days=created_days_ago)).isoformat()
    return event


@lru_cache(maxsize=64)
def benign_png(label: str = "default", size: int = 64) -> bytes:
    """A small benign PNG (a gradient and shapes placed by ``label``); the same label gives
    the same bytes, different labels give different pictures."""
    seed = sum(map(ord, label)) * 7919
    image = Image.new("RGB", (size, size))
    image.putdata(
        [
            ((x * 4 + seed) % 256, (y * 4 + seed // 3) % 256, (x + y) % 256)
            for y in range(size)
            for x in range(size)
        ]
    )
    draw = ImageDraw.Draw(image)
    for k in range(4):
        at = (seed // (k + 1)) % (size - 16)
        draw.rectangle(
            (at, (at * 3) % (size - 16), at + 12, (at * 3) % (size - 16) + 12),
            fill=((seed * (k + 3)) % 256, 40 * k, 255 - 50 * k),
        )
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def media(
    actor: str = "adult1",
    data: bytes | None = None,
    *,
    to: str = "child1",
    event_id: str | None = None,
    minutes: float = 0,
) -> dict[str, Any]:
    return {
        "type": "media",
        "event_id": event_id or next_id("media"),
        "occurred_at": at(minutes),
        "actor_id": actor,
        "media_kind": "image",
        "recipient_ids": [to],
        "conversation_id": "c-media",
        "content_base64": base64.b64encode(data if data is not None else benign_png()).decode(),
    }


def report(
    actor: str,
    reported: str,
    reason: str = "grooming",
    *,
    event_id: str | None = None,
    minutes: float = 0,
) -> dict[str, Any]:
    return {
        "type": "user_report",
        "event_id": event_id or next_id("rep"),
        "occurred_at": at(minutes),
        "actor_id": actor,
        "reported_account_id": reported,
        "reason": reason,
    }


def contact_request(actor: str, target: str, *, minutes: float = 0) -> dict[str, Any]:
    return {
        "type": "contact_request",
        "event_id": next_id("cr"),
        "occurred_at": at(minutes),
        "actor_id": actor,
        "target_id": target,
    }


def event(data: dict[str, Any]) -> Event:
    return EVENT_ADAPTER.validate_python(data)
