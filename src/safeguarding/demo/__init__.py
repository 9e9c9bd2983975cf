"""Demo data: a small platform's day, with benign stand-ins for every harm.

The "known image" is a generated pattern of squares; the demo's hash list
holds its SHA-256 to stand in for a list of known abuse imagery. The "shared
image" is a pattern of circles whose MD5 stands in for a StopNCII hash of an
intimate image shared without consent, in a bank of that harm; the URL list is
synthetic (an example.com page). Conversations show only non-explicit warning
signs.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, NamedTuple

from safeguarding.domain.events import EVENT_ADAPTER, Event


def image_bytes(name: str) -> bytes:
    return resources.files("safeguarding.demo").joinpath(name).read_bytes()


def known_hash_list() -> str:
    digest = hashlib.sha256(image_bytes("known_benign.png")).hexdigest()
    return f"# Demo list standing in for known abuse imagery (a benign pattern)\n{digest}\n"


DEMO_PARTNER = "demo-partner"
PARTNER_PDQ = "5a" * 32  # made up: stands for an image a partner confirmed


def partner_list() -> str:
    """A partner's shared signals as python-threatexchange's CSV (synthetic, docs/sharing.md)."""
    rows = [
        f"pdq,{PARTNER_PDQ},{DEMO_PARTNER},POSITIVE_CLASS,abuse_imagery",
        f"pdq,{'c3' * 32},{DEMO_PARTNER},POSITIVE_CLASS,abuse_imagery",
        f"url,https://example.com/demo-partner/listed,{DEMO_PARTNER},POSITIVE_CLASS,abuse_imagery",
    ]
    return "signal_type,signal_str,collab,category,tags\n" + "\n".join(rows) + "\n"


def partner_events(now: datetime) -> list[Event]:
    """An upload the platform hashed itself, matching the partner's list: reviewed, not blocked
    (the demo trusts the partner for matching only)."""
    upload = {
        "type": "media",
        "event_id": "demo-upload-partner-listed",
        "actor_id": "coach_ali",
        "media_kind": "image",
        "recipient_ids": ["newacct_88"],  # adults both: only the partner's match is at issue
        "conversation_id": "demo-conv-partner",
        "hashes": {"pdq": PARTNER_PDQ},
        "occurred_at": _at(now, 40),
    }
    return [EVENT_ADAPTER.validate_python(upload)]


class DemoBank(NamedTuple):
    """A bank the demo makes before its events: its name, harm, entry type and list."""

    name: str
    harm: str
    hash_type: str
    content: str
    description: str


def demo_banks() -> tuple[DemoBank, ...]:
    """The demo's URL list (abuse imagery) and its bank of intimate-image abuse."""
    shared = hashlib.md5(image_bytes("shared_benign.png")).hexdigest()
    return (
        DemoBank(
            "demo-hotline-urls",
            "abuse_imagery",
            "url",
            f"# synthetic hotline list (example.com only)\n{LISTED_URL}\n",
            "Demo stand-in for a hotline's list of URLs of abuse material",
        ),
        DemoBank(
            "demo-stopncii",
            "intimate_image_abuse",
            "md5",
            f"# synthetic: the MD5 of a benign pattern\n{shared}\n",
            "Demo stand-in for StopNCII hashes of intimate images shared without consent",
        ),
    )


LISTED_URL = "https://example.com/listed/demo-page.html"


def demo_events(now: datetime) -> list[Event]:
    """About fifty events over the last two hours, in the order they happened."""
    raw = [
        *_profiles(now),
        *_school_chat(now),
        *_livestream(now),
        *_risky_contact(now),
        *_uploads(now),
        *_listed_link(now),
        *_reports(now),
    ]
    raw.sort(key=lambda e: e["occurred_at"])
    return [EVENT_ADAPTER.validate_python(e) for e in raw]


def _at(now: datetime, minutes_ago: float) -> str:
    return (now - timedelta(minutes=minutes_ago)).isoformat()


def _profiles(now: datetime) -> list[dict[str, Any]]:
    people = {
        "maya": 13,
        "leo": 14,
        "sam": 15,
        "priya": 12,
        "dan": 34,
        "coach_ali": 41,
        "newacct_88": 19,
        "kai": 27,
    }
    events = []
    for i, (who, age) in enumerate(people.items()):
        created = now - timedelta(days=2 if who == "newacct_88" else 400 + i)
        events.append(
            {
                "type": "profile_update",
                "event_id": f"demo-profile-{who}",
                "actor_id": who,
                "occurred_at": _at(now, 130 - i),
                "declared_age": age,
                "account_created_at": created.isoformat(),
            }
        )
    events.append(
        {
            "type": "profile_update",
            "event_id": "demo-assurance-dan",
            "actor_id": "dan",
            "occurred_at": _at(now, 121),
            "age_assurance": {"method": "verified", "age": 34, "confidence": 0.99},
        }
    )
    events.append(
        {
            "type": "contact_accepted",
            "event_id": "demo-friends-maya-leo",
            "actor_id": "maya",
            "target_id": "leo",
            "occurred_at": _at(now, 118),
        }
    )
    return events


def _message(
    now: datetime, n: int, minutes: float, sender: str, to: str, conv: str, text: str
) -> dict[str, Any]:
    return {
        "type": "message",
        "event_id": f"demo-msg-{n:03d}",
        "actor_id": sender,
        "recipient_ids": [to],
        "conversation_id": conv,
        "occurred_at": _at(now, minutes),
        "text": text,
    }


def _school_chat(now: datetime) -> list[dict[str, Any]]:
    lines = [
        ("maya", "leo", "did u finish the science homework"),
        ("leo", "maya", "nearly, the graph bit is hard"),
        ("maya", "leo", "same lol. cinema saturday with sam?"),
        ("leo", "maya", "yes!! ask ur mum if she can drive"),
        ("sam", "leo", "count me in, 2pm showing"),
        ("maya", "leo", "mum says yes 🎬"),
    ]
    return [
        _message(now, i, 100 - 3 * i, s, t, "demo-conv-friends", text)
        for i, (s, t, text) in enumerate(lines)
    ]


# The adult shows every grooming stage in turn (none of it explicit); the child's replies are
# in the conversation too, so the case page shows whose messages are the cause.
_STRANGER_LINES = (
    (20, "newacct_88", "hey ur friend said u like drawing"),
    (21, "newacct_88", "how old r u btw?"),  # age question
    (40, "priya", "im 12, year 7"),
    (22, "newacct_88", "ur really mature for ur age"),  # rapport
    (23, "newacct_88", "dont tell ur mum we talk ok, she wouldnt get it"),  # secrecy
    (24, "newacct_88", "what school do you go to?"),  # personal probe
    (25, "newacct_88", "are your parents home tonight?"),  # supervision probe
    (41, "priya", "no they r out"),
    (26, "newacct_88", "i get you better than they do"),  # isolation
    (27, "newacct_88", "i can get you some robux if u want"),  # gifts
    (28, "newacct_88", "send me a selfie?"),  # photo request
    (29, "newacct_88", "add me on snap its easier"),  # platform move
    (42, "priya", "ok"),
    (32, "newacct_88", "we should meet up at the park saturday, just us"),  # meeting
    (33, "newacct_88", "dont be boring, u owe me"),  # pressure
)


def _risky_contact(now: datetime) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {
            "type": "contact_request",
            "event_id": "demo-contact-newacct-priya",
            "actor_id": "newacct_88",
            "target_id": "priya",
            "via": "friend_of_friend",
            "occurred_at": _at(now, 80),
        },
    ]
    for minutes, (n, sender, text) in zip(range(79, 49, -2), _STRANGER_LINES, strict=True):
        to = "priya" if sender == "newacct_88" else "newacct_88"
        events.append(_message(now, n, minutes, sender, to, "demo-conv-stranger", text))
    events.append(
        _message(
            now,
            30,
            60,
            "coach_ali",
            "sam",
            "demo-conv-coach",
            "Training moves to 6pm Thursday, I've told your dad too.",
        )
    )
    return events


def _uploads(now: datetime) -> list[dict[str, Any]]:
    def upload(event_id: str, actor: str, name: str, minutes: float) -> dict[str, Any]:
        return {
            "type": "media",
            "event_id": event_id,
            "actor_id": actor,
            "media_kind": "image",
            "recipient_ids": ["leo"],
            "conversation_id": "demo-conv-media",
            "content_base64": base64.b64encode(image_bytes(name)).decode(),
            "occurred_at": _at(now, minutes),
        }

    shared = {
        **upload("demo-upload-shared", "kai", "shared_benign.png", 25),
        "recipient_ids": ["dan"],
        "conversation_id": "demo-conv-adults",
    }
    shared["hashes"] = {"md5": hashlib.md5(image_bytes("shared_benign.png")).hexdigest()}
    return [
        upload("demo-upload-holiday", "dan", "holiday_benign.png", 50),
        upload("demo-upload-known", "dan", "known_benign.png", 45),
        shared,  # on the demo's intimate-image bank: blocked, with a 48-hour takedown clock
    ]


def _livestream(now: datetime) -> list[dict[str, Any]]:
    """Maya (13) streams her drawing in public: her friend Leo joins and comments; Dan, an
    adult she is not connected to, joins (a public stream) but his comment is blocked."""

    def live(kind: str, n: int, actor: str, minutes: float, **fields: Any) -> dict[str, Any]:
        return {
            "type": f"livestream_{kind}",
            "event_id": f"demo-live-{n}-{kind}",
            "actor_id": actor,
            "stream_id": "demo-stream-maya",
            "occurred_at": _at(now, minutes),
            **fields,
        }

    return [
        live("start", 1, "maya", 112, audience="public"),
        live("join", 2, "leo", 111),
        live("comment", 3, "leo", 110, text="that dragon looks so good"),
        live("join", 4, "dan", 109),
        live("comment", 5, "dan", 108, text="nice colours on that one"),
    ]


def _listed_link(now: datetime) -> list[dict[str, Any]]:
    """A post linking, disguised, to the page on the demo's URL list."""
    return [
        {
            "type": "post",
            "event_id": "demo-post-listed-link",
            "actor_id": "newacct_88",
            "occurred_at": _at(now, 15),
            "text": "new stuff at hxxps://example[.]com/listed/demo-page.html",
        }
    ]


def _reports(now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "type": "user_report",
            "event_id": "demo-report-grooming",
            "actor_id": "priya",
            "reported_account_id": "newacct_88",
            "reported_event_id": "demo-msg-023",
            "reason": "grooming",
            "occurred_at": _at(now, 40),
        },
        {
            "type": "user_report",
            "event_id": "demo-report-self-harm",
            "actor_id": "leo",
            "reported_account_id": "sam",
            "reason": "self_harm",
            "occurred_at": _at(now, 30),
        },
        {
            "type": "user_report",
            "event_id": "demo-report-spam",
            "actor_id": "maya",
            "reported_account_id": "newacct_88",
            "reason": "spam",
            "occurred_at": _at(now, 20),
        },
    ]
