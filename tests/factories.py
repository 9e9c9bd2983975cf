"""Builders for test events and policies. Conversations show only non-explicit warning signs."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

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


def media(
    actor: str = "adult1",
    data: bytes = b"benign-bytes",
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
        "content_base64": base64.b64encode(data).decode(),
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
