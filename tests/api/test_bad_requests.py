"""Bad requests get a 4xx problem+json that names the field at fault, and change nothing.

A corpus of malformed, mistyped, oversized and misdirected requests goes to the
API. No input may produce a 500, and after each one the stored figures, the
audit chain's head, the policy version, the outbox and the keys are as they were.
Cases that still fail because of a known bug are marked ``xfail(strict=True)``
with the bug named, so fixing it turns the mark into a failure to remove.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Role
from safeguarding.domain.events import EVENT_TYPES
from safeguarding.services import keys as key_service
from tests.conftest import auth, fresh_postgres, make_settings
from tests.factories import at, event, media, message, profile, report

pytestmark = pytest.mark.anyio
LIMIT = 32 * 1024
MAX_BATCH = 5
PROBLEM = "application/problem+json"
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


EVENT_CASES = [
    pytest.param(raw_event(b"", status=422, field="(body)"), id="events-empty-body"),
    pytest.param(raw_event("{", status=400), id="events-truncated-json"),
    pytest.param(raw_event("{}x", status=400), id="events-trailing-garbage"),
    pytest.param(raw_event("{'type': 'message'}", status=400), id="events-single-quotes"),
    pytest.param(raw_event(b"\xff\xfe{\x00}", status=400), id="events-not-utf8"),
    pytest.param(raw_event("[" * 5000 + "]" * 5000, status=400), id="events-deeply-nested"),
    pytest.param(post_event(None, status=422), id="events-null"),
    pytest.param(post_event("a message", status=422), id="events-json-string"),
    pytest.param(post_event(42, status=422), id="events-json-number"),
    pytest.param(post_event([MSG], status=422), id="events-bare-array"),
    pytest.param(post_event({}, "type", status=422), id="events-empty-object"),
    pytest.param(
        post_event({**MSG, "type": "telepathy"}, status=422, mentions="unknown event type"),
        id="events-unknown-type",
    ),
    pytest.param(post_event({**MSG, "type": 7}, status=422), id="events-type-number"),
    pytest.param(post_event(without(MSG, "type"), "type", status=422), id="events-no-type"),
    pytest.param(post_event({**MSG, "colour": "red"}, "colour", status=422), id="events-extra"),
    pytest.param(
        post_event(without(MSG, "occurred_at"), "occurred_at", status=422),
        id="events-missing-occurred-at",
    ),
    pytest.param(
        post_event(without(MSG, "text"), "text", status=422), id="events-message-missing-text"
    ),
    pytest.param(
        post_event({**MSG, "occurred_at": "2026-03-01T18:00:00"}, "occurred_at", status=422),
        id="events-naive-datetime",
    ),
    pytest.param(
        post_event({**MSG, "occurred_at": "2026-02-30T10:00:00Z"}, "occurred_at", status=422),
        id="events-february-30",
    ),
    pytest.param(
        post_event({**MSG, "occurred_at": "2026-13-01T00:00:00Z"}, "occurred_at", status=422),
        id="events-month-13",
    ),
    pytest.param(
        post_event({**MSG, "occurred_at": "2026-03-01T25:00:00Z"}, "occurred_at", status=422),
        id="events-hour-25",
    ),
    pytest.param(
        post_event({**MSG, "occurred_at": "2026-03-01T10:00:00+25:00"}, "occurred_at"),
        id="events-offset-25h",
    ),
    pytest.param(
        post_event({**MSG, "occurred_at": "yesterday"}, "occurred_at", status=422),
        id="events-datetime-words",
    ),
    pytest.param(
        post_event({**MSG, "occurred_at": ""}, "occurred_at", status=422),
        id="events-datetime-empty",
    ),
    pytest.param(
        post_event(
            {**BASE["profile_update"], "account_created_at": "2025-01-01T00:00:00"},
            "account_created_at",
            status=422,
        ),
        id="events-profile-naive-created-at",
    ),
    pytest.param(
        post_event({**BASE["profile_update"], "declared_age": 10**40}, "declared_age"),
        id="events-age-huge-int",
    ),
    pytest.param(
        raw_event(
            json.dumps(BASE["profile_update"]).replace(
                '"declared_age": 12', '"declared_age": 1e999'
            ),
            status=422,
            field="declared_age",
        ),
        id="events-age-infinity",
    ),
    pytest.param(
        raw_event(
            json.dumps(BASE["profile_update"]).replace('"declared_age": 12', '"declared_age": NaN'),
            status=422,
            field="declared_age",
        ),
        id="events-age-nan",
    ),
    pytest.param(
        post_event({**BASE["profile_update"], "declared_age": -1}, "declared_age", status=422),
        id="events-age-negative",
    ),
    pytest.param(
        post_event({**BASE["profile_update"], "declared_age": 12.5}, "declared_age", status=422),
        id="events-age-fraction",
    ),
    pytest.param(
        post_event(
            {**BASE["profile_update"], "age_assurance": {"method": "vibes"}},
            "age_assurance.method",
            status=422,
        ),
        id="events-age-assurance-method",
    ),
    pytest.param(
        post_event({**MSG, "event_id": "e" * 129}, "event_id", status=422),
        id="events-event-id-too-long",
    ),
    pytest.param(
        post_event({**MSG, "event_id": "has spaces"}, "event_id", status=422),
        id="events-event-id-spaces",
    ),
    pytest.param(post_event({**MSG, "event_id": ""}, "event_id", status=422), id="events-id-empty"),
    pytest.param(
        post_event({**MSG, "event_id": "a\u0000b"}, "event_id", status=422), id="events-id-nul"
    ),
    pytest.param(
        post_event({**MSG, "event_id": "ёлка/../x"}, "event_id", status=422),
        id="events-id-unicode-and-slashes",
    ),
    pytest.param(
        raw_event(
            json.dumps({**MSG, "actor_id": "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800"),
            status=422,
            field="actor_id",
        ),
        id="events-actor-lone-surrogate",
    ),
    pytest.param(
        raw_event(
            json.dumps({**MSG, "text": "hi PLACEHOLDER"}).replace("PLACEHOLDER", "\\udfff\\ud800"),
            status=422,
            field="text",
        ),
        id="events-text-lone-surrogates",
    ),
    pytest.param(
        post_event({**MSG, "text": "a" * 20_001}, "text", status=422), id="events-text-too-long"
    ),
    pytest.param(
        post_event({**MSG, "recipient_ids": "kid"}, "recipient_ids", status=422),
        id="events-recipients-string",
    ),
    pytest.param(
        post_event({**MSG, "recipient_ids": ["kid", 7]}, "recipient_ids.1", status=422),
        id="events-recipient-number",
    ),
    pytest.param(
        post_event({**MSG, "recipient_ids": [f"r{i}" for i in range(1001)]}, "recipient_ids"),
        id="events-too-many-recipients",
    ),
    pytest.param(
        post_event({**MSG, "conversation_kind": "broadcast"}, "conversation_kind", status=422),
        id="events-conversation-kind",
    ),
    pytest.param(
        post_event({**MEDIA, "content_base64": "!!not base64!!"}, "content_base64", status=422),
        id="events-media-bad-base64",
    ),
    pytest.param(
        post_event(
            without(without(MEDIA, "content_base64"), "hashes"),
            status=422,
            mentions="content_base64",
        ),
        id="events-media-no-bytes-no-hashes",
    ),
    pytest.param(
        post_event(
            {**without(MEDIA, "content_base64"), "hashes": {}}, status=422, mentions="hashes"
        ),
        id="events-media-empty-hashes",
    ),
    pytest.param(
        post_event({**MEDIA, "hashes": {"sha256": "zz" * 32}}, "hashes.sha256", status=422),
        id="events-media-sha256-not-hex",
    ),
    pytest.param(
        post_event({**MEDIA, "hashes": {"md5": "ab" * 15}}, "hashes.md5", status=422),
        id="events-media-md5-short",
    ),
    pytest.param(
        post_event({**MEDIA, "hashes": {"sha1": "ab" * 20}}, "hashes.sha1", status=422),
        id="events-media-unknown-hash",
    ),
    pytest.param(
        post_event({**MEDIA, "media_kind": "audio"}, "media_kind", status=422),
        id="events-media-kind",
    ),
    pytest.param(
        post_event({**BASE["user_report"], "reason": "because"}, "reason", status=422),
        id="events-report-reason",
    ),
    pytest.param(
        post_event({**BASE["contact_request"], "via": "telepathy"}, "via", status=422),
        id="events-contact-via",
    ),
    pytest.param(
        post_event({**BASE["livestream_start"], "audience": "everyone"}, "audience", status=422),
        id="events-stream-audience",
    ),
    pytest.param(
        post_event({**SEEDED_MESSAGE, "text": "different words"}, "event_id", status=409),
        id="events-stored-id-reused",
    ),
    pytest.param(post_event({"events": []}, "events", status=422), id="batch-empty"),
    pytest.param(post_event({"events": "all of them"}, "events", status=422), id="batch-string"),
    pytest.param(post_event({"events": None}, "events", status=422), id="batch-null"),
    pytest.param(post_event({"events": {"0": MSG}}, "events", status=422), id="batch-object"),
    pytest.param(
        post_event({"events": [MSG], "extra": 1}, "extra", status=422), id="batch-extra-field"
    ),
    pytest.param(
        post_event({"events": [MSG, {"type": "nope"}]}, status=422, index=1),
        id="batch-second-unknown-type",
    ),
    pytest.param(post_event({"events": [42, MSG]}, status=422, index=0), id="batch-number-in-list"),
    pytest.param(
        post_event(
            {"events": [MSG, {**MSG, "occurred_at": "2026-03-01T18:00:00"}]},
            "occurred_at",
            status=422,
            index=1,
        ),
        id="batch-naive-datetime",
    ),
    pytest.param(
        post_event({"events": [MSG, {**MSG, "text": "other words"}]}, "event_id", status=409),
        id="batch-id-reused-inside",
    ),
    pytest.param(
        post_event(
            {"events": [{**MSG, "event_id": f"many-{i}"} for i in range(MAX_BATCH + 1)]},
            status=413,
        ),
        id="batch-over-max-events",
    ),
    pytest.param(raw_event(b" " * (LIMIT + 1), status=413), id="events-body-over-limit"),
    pytest.param(
        Bad(
            "POST",
            "/v1/events",
            json=MSG,
            content_type="text/plain",
            role=Role.PLATFORM,
            status=415,
        ),
        id="events-text-plain",
    ),
    pytest.param(
        Bad("POST", "/v1/events", json=MSG, content_type=None, role=Role.PLATFORM, status=415),
        id="events-no-content-type",
    ),
    pytest.param(
        Bad(
            "POST",
            "/v1/events",
            content="type=message",
            content_type="application/x-www-form-urlencoded",
            role=Role.PLATFORM,
            status=415,
        ),
        id="events-form-encoded",
    ),
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
]

CORPUS = [*EVENT_CASES, *wrong_type_cases(), *POLICY_CASES, *KEY_CASES, *ROUTING_CASES]


@dataclass
class World:
    """A seeded store and its app, shared by the corpus; each case checks it is left unchanged."""

    backend: str
    container: Container
    keys: dict[Role, str]
    app: Any


@pytest.fixture(scope="module")
def cheap_hashing() -> Iterator[None]:
    """Argon2 at its cheapest: these tests are about input handling, not key derivation."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            key_service, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        yield


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_base_url: str | None,
    cheap_hashing: None,
) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp("bad-requests")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'safeguarding.db'}"
    elif postgres_base_url is None:
        pytest.skip("no PostgreSQL server (set SAFEGUARDING_TEST_POSTGRES_URL)")
    else:
        url = fresh_postgres(postgres_base_url)
    settings = make_settings(url, tmp, max_body_bytes=LIMIT, max_batch_events=MAX_BATCH)
    container = build(settings)
    keys = {role: container.keys.create(f"test-{role.value}", role.value)[0] for role in Role}
    seed = [profile("kid", 12), profile("adult1", 34), SEEDED_MESSAGE, report("kid", "adult1")]
    container.ingest.ingest([event(e) for e in seed], source="test")
    yield World(request.param, container, keys, create_app(container, run_outbox_worker=False))
    container.close()


@pytest.fixture
async def http(world: World) -> AsyncIterator[httpx.AsyncClient]:
    # A 500 comes back as a response to assert on, not as an exception out of the transport.
    transport = httpx.ASGITransport(app=world.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def stored_state(container: Container) -> tuple[Any, ...]:
    with container.store.read() as uow:
        head = uow.audit.head()
    return (
        container.review.counts(),
        head.hash if head else None,
        container.policies.current_readonly().version,
        len(container.keys.list()),
        container.review.outbox_pending(),
    )


def field_matches(reported: str, wanted: str) -> bool:
    """'hashes' matches 'hashes.nested'; 'limit' matches 'query.limit'."""
    return (
        reported == wanted or reported.startswith(wanted + ".") or reported.endswith("." + wanted)
    )


def assert_problem(case: Bad, response: httpx.Response) -> None:
    assert response.status_code != 500, response.text
    assert 400 <= response.status_code < 500, response.text
    if case.status is not None:
        assert response.status_code == case.status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    errors = body.get("errors") or []
    if case.field is not None:
        named = [e for e in errors if field_matches(str(e.get("field")), case.field)]
        assert named, f"no error names {case.field!r}: {errors}"
        if case.index is not None:
            assert any(e.get("index") == case.index for e in named), errors
    elif case.index is not None:
        assert any(e.get("index") == case.index for e in errors), errors
    if case.line is not None:
        assert any(e.get("line") == case.line for e in errors), errors
    if case.mentions is not None:
        said = body["detail"] + " ".join(str(e.get("message", "")) for e in errors)
        assert case.mentions in said, body


@pytest.mark.parametrize("case", CORPUS)
async def test_bad_request_gets_a_problem_and_changes_nothing(
    case: Bad, world: World, http: httpx.AsyncClient, request: pytest.FixtureRequest
) -> None:
    if case.bug is not None and world.backend in case.bug_on:
        request.applymarker(pytest.mark.xfail(reason=case.bug, strict=True))
    before = stored_state(world.container)
    response = await http.request(case.method, case.path, **case.request_args(world.keys))
    assert_problem(case, response)
    assert stored_state(world.container) == before


def test_the_corpus_is_large_and_every_base_event_is_valid() -> None:
    assert len(CORPUS) >= 60
    for body in BASE.values():
        event(body)
    assert set(BASE) == set(EVENT_TYPES), "one base event per event type"


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_chunked_body_over_the_limit_is_413(world: World, http: httpx.AsyncClient) -> None:
    before = stored_state(world.container)
    body = json.dumps({"events": [{**MSG, "text": "x" * 10_000}] * 4}).encode()
    assert len(body) > LIMIT
    headers = {**auth(world.keys[Role.PLATFORM]), "Content-Type": "application/json"}
    response = await http.post("/v1/events", content=chunks(body), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["limit"] == LIMIT
    assert stored_state(world.container) == before


async def test_a_chunked_body_within_the_limit_is_read_whole(
    world: World, http: httpx.AsyncClient
) -> None:
    sent = {**MSG, "event_id": "chunked-ok", "text": "y" * 5000}
    headers = {**auth(world.keys[Role.PLATFORM]), "Content-Type": "application/json"}
    response = await http.post(
        "/v1/events", content=chunks(json.dumps(sent).encode()), headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["event_id"] == "chunked-ok"
