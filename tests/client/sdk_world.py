"""Events for the SDK tests: an adult and a child of their own, fresh ids every call."""

from __future__ import annotations

import uuid
from typing import Any

WHEN = "2026-03-01T18:00:00Z"


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def profile(account: str, age: int) -> dict[str, Any]:
    return {
        "type": "profile_update",
        "event_id": fresh("prof"),
        "occurred_at": WHEN,
        "actor_id": account,
        "declared_age": age,
    }


def contact_request(actor: str, target: str) -> dict[str, Any]:
    return {
        "type": "contact_request",
        "event_id": fresh("cr"),
        "occurred_at": WHEN,
        "actor_id": actor,
        "target_id": target,
    }


def post(actor: str) -> dict[str, Any]:
    return {
        "type": "post",
        "event_id": fresh("post"),
        "occurred_at": WHEN,
        "actor_id": actor,
        "text": "first match of the season tomorrow",
    }


def spam_report(reporter: str, reported: str) -> dict[str, Any]:
    return {
        "type": "user_report",
        "event_id": fresh("rep"),
        "occurred_at": WHEN,
        "actor_id": reporter,
        "reported_account_id": reported,
        "reason": "spam",
    }


def adult_and_child() -> tuple[str, str, list[dict[str, Any]]]:
    """Two new accounts, an adult of 40 and a child of 12, and the events that declare them."""
    adult, child = fresh("u-adult"), fresh("u-child")
    return adult, child, [profile(adult, 40), profile(child, 12)]
