"""A synthetic, seeded workload for the scaling benchmark and the crash test.

Many conversations interleaved in time, as a platform's traffic is: mostly everyday chat, some
conversations where an adult shows the non-explicit warning signs of grooming (age questions,
flattery, secrecy, photo requests, moving app, meeting), user reports, contact requests, and
uploads sent as hashes, a few of them on a synthetic "known" list. Nothing in it is explicit;
the known hashes are SHA-256 digests of short labels, not of any picture.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

EVERYDAY = (
    "did you finish the maths homework",
    "see you at practice later",
    "lol that video was so funny",
    "what time does the film start",
    "can you send me the notes from today",
    "my mum says i can come on saturday",
    "good game last night",
    "have you revised for the test",
    "that new song is stuck in my head",
    "are you going to the party",
)
WARNING_SIGNS = (
    "how old are you?",
    "you're really mature for your age",
    "you can tell me anything, i understand you better than they do",
    "don't tell your parents we talk, they wouldn't get it",
    "send me a photo of you",
    "add me on another app, it's more private there",
    "we should meet up, just the two of us",
    "delete our messages ok",
)
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Workload:
    """The events in the order they happened, and the synthetic known-hash list."""

    events: list[dict[str, Any]]
    known_hashes: list[str]

    def hash_list(self) -> str:
        lines = ["# synthetic known hashes (of labels, not of pictures)", *self.known_hashes]
        return "\n".join(lines) + "\n"


def known_hash(n: int) -> str:
    return hashlib.sha256(f"known-{n}".encode()).hexdigest()


def synthetic(size: int, *, seed: int = 7, prefix: str = "w") -> Workload:
    """``size`` events (profiles first), deterministic for a seed."""
    rng = random.Random(seed)
    adults = [f"{prefix}-adult{n}" for n in range(max(4, size // 50))]
    children = [f"{prefix}-child{n}" for n in range(max(4, size // 30))]
    events = [_profile(prefix, a, 34) for a in adults] + [_profile(prefix, c, 13) for c in children]
    conversations = [
        (f"{prefix}-conv{n}", rng.choice(adults + children), rng.choice(children), n % 10 == 0)
        for n in range(max(2, size // 25))
    ]
    known = [known_hash(n) for n in range(20)]
    while len(events) < size:
        events.append(_next_event(rng, prefix, len(events), conversations, adults, known))
    for n, event in enumerate(events):
        event["occurred_at"] = (START + timedelta(seconds=n)).isoformat().replace("+00:00", "Z")
    return Workload(events[:size], known)


def _next_event(
    rng: random.Random,
    prefix: str,
    n: int,
    conversations: list[tuple[str, str, str, bool]],
    adults: list[str],
    known: list[str],
) -> dict[str, Any]:
    roll = rng.random()
    conversation, sender, receiver, risky = rng.choice(conversations)
    base = {"event_id": f"{prefix}-{n:07d}", "occurred_at": ""}
    if roll < 0.04:
        reason = rng.choice(["grooming", "self_harm", "bullying"])
        return {
            **base,
            "type": "user_report",
            "actor_id": receiver,
            "reported_account_id": sender,
            "reason": reason,
        }
    if roll < 0.06:
        return {
            **base,
            "type": "contact_request",
            "actor_id": rng.choice(adults),
            "target_id": receiver,
        }
    if roll < 0.09:
        digest = (
            rng.choice(known)
            if rng.random() < 0.3
            else hashlib.sha256(base["event_id"].encode()).hexdigest()
        )
        return {
            **base,
            "type": "media",
            "media_kind": "image",
            "actor_id": sender,
            "recipient_ids": [receiver],
            "conversation_id": conversation,
            "hashes": {"sha256": digest},
        }
    text = rng.choice(WARNING_SIGNS) if risky and rng.random() < 0.5 else rng.choice(EVERYDAY)
    return {
        **base,
        "type": "message",
        "actor_id": sender,
        "recipient_ids": [receiver],
        "conversation_id": conversation,
        "text": text,
    }


def _profile(prefix: str, account: str, age: int) -> dict[str, Any]:
    return {
        "event_id": f"{prefix}-profile-{account}",
        "type": "profile_update",
        "occurred_at": "",
        "actor_id": account,
        "declared_age": age,
    }
