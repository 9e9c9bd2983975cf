"""The bad event requests: malformed bodies, wrong fields, bad batches and bad media.

Each case is built from the valid examples in ``tests.api.bad_request_cases.BASE`` with one
fault in it; ``tests.api.test_bad_requests`` sends them.
"""

from __future__ import annotations

import json

import pytest

from safeguarding.domain.access import Role
from tests.api.bad_request_cases import (
    BASE,
    LIMIT,
    MAX_BATCH,
    MEDIA,
    MSG,
    SEEDED_MESSAGE,
    Bad,
    post_event,
    raw_event,
    without,
)

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
