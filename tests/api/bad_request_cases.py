"""The bad requests themselves: what each sends and what its answer must say.

``Bad`` describes one request; the builders make the common kinds; ``BASE`` holds one valid
example of every event type; the policy, key and routing cases are here, the event cases in
``tests.api.bad_event_cases``. The tests that send them are in ``tests.api.test_bad_requests``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.factories import at, media, message, profile, report

LIMIT = 32 * 1024
MAX_BATCH = 5
YAML = "application/yaml"
NOTHING: Any = object()
BOTH = frozenset({"sqlite", "postgres"})
POSTGRES = frozenset({"postgres"})
SEEDED_MESSAGE = message("adult1", "kid", "see you at the match", event_id="seed-message")


@dataclass(frozen=True)
class Bad:
    """One bad request and what its answer must say."""

    method: str
    path: str
    json: Any = NOTHING
    content: bytes | str | None = None
    content_type: str | None = "application/json"
    role: Role = Role.ADMIN
    status: int | None = None
    field: str | None = None
    index: int | None = None
    mentions: str | None = None
    line: int | None = None
    bug: str | None = None
    bug_on: frozenset[str] = BOTH

    def request_args(self, keys: dict[Role, str]) -> dict[str, Any]:
        headers = auth(keys[self.role])
        if self.content_type is not None:
            headers["Content-Type"] = self.content_type
        if self.json is not NOTHING:
            # Encoded here so that escapes such as a lone surrogate reach the server as sent.
            return {"content": json.dumps(self.json), "headers": headers}
        if self.content is not None:
            return {"content": self.content, "headers": headers}
        return {"headers": headers}


def post_event(body: Any, field: str | None = None, **kw: Any) -> Bad:
    return Bad("POST", "/v1/events", json=body, role=Role.PLATFORM, field=field, **kw)


def raw_event(content: bytes | str, **kw: Any) -> Bad:
    return Bad("POST", "/v1/events", content=content, role=Role.PLATFORM, **kw)


def put_policy(source: str | bytes, **kw: Any) -> Bad:
    kw.setdefault("content_type", YAML)
    kw.setdefault("status", 422)
    return Bad("PUT", "/v1/policy", content=source, **kw)


def post_key(body: Any, field: str | None = None, **kw: Any) -> Bad:
    return Bad("POST", "/v1/keys", json=body, field=field, **kw)


def without(data: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != name}


# One valid example of every event type, every optional field filled, so that one change is the
# only fault. test_every_base_event_is_valid keeps them valid as the models change.
BASE: dict[str, dict[str, Any]] = {
    "message": {**message(event_id="bad-message"), "conversation_kind": "group"},
    "media": {
        **media(event_id="bad-media"),
        "hashes": {"sha256": "ab" * 32, "md5": "cd" * 16, "pdq": "ef" * 32},
    },
    "contact_request": {
        "type": "contact_request",
        "event_id": "bad-contact",
        "occurred_at": at(),
        "actor_id": "adult1",
        "target_id": "kid",
        "via": "search",
    },
    "contact_accepted": {
        "type": "contact_accepted",
        "event_id": "bad-accepted",
        "occurred_at": at(),
        "actor_id": "kid",
        "target_id": "adult1",
    },
    "profile_update": {
        **profile("kid", 12, event_id="bad-profile", created_days_ago=30),
        "age_assurance": {"method": "estimated", "age_min": 10, "age_max": 13, "confidence": 0.8},
    },
    "user_report": {
        **report("kid", "adult1", event_id="bad-report"),
        "reported_event_id": "seed-message",
        "comment": "they keep asking where I live",
    },
    "block": {
        "type": "block",
        "event_id": "bad-block",
        "occurred_at": at(),
        "actor_id": "kid",
        "target_id": "adult1",
    },
    "livestream_start": {
        "type": "livestream_start",
        "event_id": "bad-stream",
        "occurred_at": at(),
        "actor_id": "adult1",
        "stream_id": "stream-1",
        "audience": "friends",
    },
    **{
        kind: {
            "type": kind,
            "event_id": f"bad-{kind}",
            "occurred_at": at(),
            "actor_id": "kid",
            "stream_id": "stream-1",
            **extra,
        }
        for kind, extra in {
            "livestream_join": {},
            "livestream_comment": {"text": "nice stream"},
            "livestream_gift": {"amount": 5, "currency": "COINS"},
            "livestream_record": {"record_kind": "clip"},
        }.items()
    },
    "post": {
        "type": "post",
        "event_id": "bad-post",
        "occurred_at": at(),
        "actor_id": "kid",
        "post_id": "post-1",
        "text": "my drawing of a cat",
        "audience": "public",
    },
    "group_add": {
        "type": "group_add",
        "event_id": "bad-group-add",
        "occurred_at": at(),
        "actor_id": "kid",
        "conversation_id": "grp-1",
        "member_ids": ["kid2"],
    },
}
GARBAGE = {"nested": ["garbage", {"deeper": [1, [2, [3]]]}]}
MSG = BASE["message"]
MEDIA = BASE["media"]


def wrong_type_cases() -> list[Any]:
    """Every field of every event type, given a nested object instead of its value."""
    return [
        pytest.param(
            post_event({**body, name: GARBAGE}, name, status=422),
            id=f"events-{kind}-{name}-wrong-type",
        )
        for kind, body in BASE.items()
        for name in body
        if name != "type"
    ]


RULE_HEAD = "  - name: a\n    when: {event_type: message}\n"
VALID_POLICY_HEAD = "rules:\n" + RULE_HEAD
POLICY_CASES = [
    pytest.param(put_policy("rules: [\n", mentions="not valid YAML"), id="policy-unclosed-list"),
    pytest.param(put_policy("rules:\n\t- a\n", line=2), id="policy-tab-indent"),
    pytest.param(put_policy(""), id="policy-empty"),
    pytest.param(put_policy("- just\n- a list\n"), id="policy-not-a-mapping"),
    pytest.param(put_policy("rules: 5\n", field="rules"), id="policy-rules-not-list"),
    pytest.param(put_policy("rules: []\nrules: []\n", field="rules"), id="policy-key-twice"),
    pytest.param(
        put_policy(
            VALID_POLICY_HEAD + "    then: [block]\n    colour: red\n",
            field="rules.0.colour",
            line=5,
        ),
        id="policy-unknown-field",
    ),
    pytest.param(
        put_policy(VALID_POLICY_HEAD + "    then: [explode]\n", field="rules.0.then.0", line=4),
        id="policy-unknown-action",
    ),
    pytest.param(
        put_policy(
            VALID_POLICY_HEAD + "    then: [blok]\n", line=4, mentions="did you mean 'block'"
        ),
        id="policy-misspelt-action",
    ),
    pytest.param(
        put_policy(VALID_POLICY_HEAD + "    then: [{open_case: {priority: 9}}]\n"),
        id="policy-action-parameter-range",
    ),
    pytest.param(
        put_policy(
            VALID_POLICY_HEAD + "    then: [block]\n" + RULE_HEAD + "    then: [block]\n",
            field="rules.1.name",
            line=5,
            mentions="rules[0]",
        ),
        id="policy-duplicate-rule-names",
    ),
    pytest.param(
        put_policy(
            VALID_POLICY_HEAD + "    mode: loud\n    then: [block]\n", field="rules.0.mode", line=4
        ),
        id="policy-unknown-mode",
    ),
    pytest.param(
        put_policy("rules: []\n", content_type="application/json", status=415),
        id="policy-json-content-type",
    ),
    pytest.param(
        put_policy("rules: []\n", content_type=None, status=415), id="policy-no-content-type"
    ),
    pytest.param(put_policy(b"\xff\xfe\x00r\x00", status=400), id="policy-not-utf8"),
    pytest.param(put_policy("rules: !!python/name:os.system\n"), id="policy-python-tag"),
    pytest.param(put_policy("rules: !!timestamp 2026-13-45\n"), id="policy-bad-timestamp"),
    pytest.param(put_policy("rules: [\x01]\n"), id="policy-control-character"),
    pytest.param(
        put_policy("rules: " + "[" * 3000 + "]" * 3000 + "\n"),
        id="policy-deeply-nested",
    ),
    pytest.param(
        Bad(
            "PUT",
            "/v1/policy?note=a%00b",
            content=VALID_POLICY_HEAD + "    then: [block]\n",
            content_type=YAML,
        ),
        id="policy-note-nul",
    ),
    pytest.param(
        Bad("POST", "/v1/policy/check", content="rules: [\n", content_type=YAML, status=422),
        id="policy-check-invalid-yaml",
    ),
]

KEY_CASES = [
    pytest.param(
        post_key({"name": "ops", "role": "superuser"}, "role", status=422),
        id="keys-unknown-role",
    ),
    pytest.param(post_key({"name": "", "role": "admin"}, "name", status=422), id="keys-empty-name"),
    pytest.param(
        post_key({"name": "   ", "role": "admin"}, "name", status=422),
        id="keys-blank-name",
    ),
    pytest.param(
        post_key(
            {"name": "a\u0000b", "role": "admin"},
            "name",
            status=422,
        ),
        id="keys-name-nul",
    ),
    pytest.param(
        post_key({"name": "n" * 129, "role": "admin"}, "name", status=422), id="keys-name-long"
    ),
    pytest.param(post_key({"name": "ops", "role": 3}, "role", status=422), id="keys-role-number"),
    pytest.param(post_key({"name": "ops"}, "role", status=422), id="keys-no-role"),
    pytest.param(
        post_key({"name": "ops", "role": "admin", "admin": True}, "admin", status=422),
        id="keys-extra-field",
    ),
    pytest.param(post_key([{"name": "ops"}], status=422), id="keys-list-body"),
    pytest.param(
        Bad("POST", "/v1/keys", content="name=ops", content_type="text/plain", status=415),
        id="keys-text-plain",
    ),
]

ROUTING_CASES = [
    pytest.param(
        Bad("GET", "/v1/cases?limit=abc", role=Role.MODERATOR, status=422, field="limit"),
        id="cases-limit-words",
    ),
    pytest.param(
        Bad("GET", "/v1/cases?limit=0", role=Role.MODERATOR, status=422, field="limit"),
        id="cases-limit-zero",
    ),
    pytest.param(
        Bad("GET", "/v1/cases?limit=100000", role=Role.MODERATOR, status=422, field="limit"),
        id="cases-limit-huge",
    ),
    pytest.param(Bad("GET", "/v1/nowhere", status=404), id="unknown-api-path"),
    pytest.param(Bad("GET", "/nowhere", status=404), id="unknown-path"),
    pytest.param(Bad("GET", "/v1/events/missing/decision", status=404), id="decision-missing"),
    pytest.param(Bad("DELETE", "/v1/keys/not-a-key-id", status=404), id="revoke-missing-key"),
    pytest.param(Bad("DELETE", "/v1/events", status=405), id="events-delete"),
    pytest.param(Bad("PUT", "/v1/events", json=MSG, status=405), id="events-put"),
    pytest.param(Bad("PATCH", "/v1/policy", json={}, status=405), id="policy-patch"),
    pytest.param(Bad("GET", "/v1/keys/abc", status=405), id="key-get-one"),
    pytest.param(Bad("POST", "/v1/figures", json={}, status=405), id="figures-post"),
    pytest.param(
        Bad("GET", "/v1/events/a%00b/decision"),
        id="decision-nul-in-id",
    ),
    pytest.param(Bad("DELETE", "/v1/keys/a%00b"), id="revoke-nul-in-id"),
    pytest.param(
        Bad("GET", "/v1/evidence/a%20b", status=422, field="event_id"), id="evidence-bad-id"
    ),
    pytest.param(
        Bad("GET", "/v1/reports/ncmec/a%00b", status=422, field="event_id"),
        id="report-package-nul-in-id",
    ),
]
