"""Logs are metadata only: one JSON object per line, route templates, never content.

Events with distinctive texts, account ids and report comments go through the
HTTP app, along with the error paths that are most tempted to quote their
input (a failing detector, an unhandled error, a failed webhook, refusals).
None of what was sent, nor any API key, may appear in the log output.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from safeguarding.adapters import logs
from safeguarding.bootstrap import Container
from safeguarding.detectors.user_report import UserReportDetector
from safeguarding.domain.access import Role
from safeguarding.settings import Settings
from tests.conftest import auth, make_settings
from tests.factories import benign_png, media, message, profile, report

pytestmark = pytest.mark.anyio

KNOWN_IMAGE = benign_png("logging-known")
TEXT = "tangerine-lighthouse-4471 which school do you go to"
OTHER_TEXT = "saffron-windmill-2290 you can tell me anything"
ADULT = "acct-quokka-8812"
CHILD = "acct-heron-3307"
CONVERSATION = "conv-walrus-6604"
COMMENT = "comment-marmalade-5520 he keeps asking where I live"
LOOKED_UP = "evt-pelican-7781"
CRASHED = "evt-ibis-1436"
FAKE_KEY = "sgk_000000000000_fakesecret-kingfisher-3391"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"{hashlib.sha256(KNOWN_IMAGE).hexdigest()}\n")
    # Port 9 on loopback refuses the connection, so a notify action fails and is logged.
    return make_settings(
        database_url,
        tmp_path,
        sha256_list_path=hashes,
        webhook_url="http://127.0.0.1:9/hook",
        webhook_secret="webhook-secret-for-tests",
    )


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Configure logging into a buffer, and put the previous configuration back afterwards."""
    root = logging.getLogger("safeguarding")
    saved = (list(root.handlers), root.level, root.propagate)
    stream = io.StringIO()
    logs.configure(stream=stream)
    yield stream
    root.handlers[:], root.level, root.propagate = saved


@pytest.fixture
def failing_report_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user_report detector fails with an error message that quotes the report."""

    def observe(self: UserReportDetector, event: Any, context: Any) -> list[Any]:
        raise ValueError(f"could not read {event.comment!r} about {event.reported_account_id}")

    monkeypatch.setattr(UserReportDetector, "observe", observe)


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = stream.getvalue().splitlines()
    assert lines, "nothing was logged"
    records = [json.loads(line) for line in lines]
    assert all(isinstance(r, dict) for r in records)
    return records


async def send_traffic(
    client: httpx.AsyncClient, container: Container, keys: dict[Role, str]
) -> None:
    platform, moderator = auth(keys[Role.PLATFORM]), auth(keys[Role.MODERATOR])
    profiles = {"events": [profile(CHILD, 12), profile(ADULT, 35)]}
    assert (await client.post("/v1/events", json=profiles, headers=platform)).status_code == 200
    sent = message(ADULT, CHILD, TEXT, conversation=CONVERSATION, event_id=LOOKED_UP)
    assert (await client.post("/v1/events", json=sent, headers=platform)).status_code == 200
    reused = await client.post("/v1/events", json={**sent, "text": OTHER_TEXT}, headers=platform)
    assert reused.status_code == 409
    invalid = {**sent, "event_id": "evt-other", "occurred_at": "2026-03-01T18:00:00"}
    assert (await client.post("/v1/events", json=invalid, headers=platform)).status_code == 422
    reported = report(CHILD, ADULT, "grooming") | {"comment": COMMENT}
    assert (await client.post("/v1/events", json=reported, headers=platform)).status_code == 200
    upload = media(ADULT, KNOWN_IMAGE, to=CHILD)
    blocked = await client.post("/v1/events", json=upload, headers=platform)
    assert blocked.json()["decision"]["verdict"] == "block"
    decision = await client.get(f"/v1/events/{LOOKED_UP}/decision", headers=moderator)
    assert decision.status_code == 200
    assert (await client.get(f"/v1/accounts/{ADULT}", headers=moderator)).status_code == 404
    assert (await client.get("/v1/cases", headers=auth(FAKE_KEY))).status_code == 401
    container.outbox.run_once()


async def crash_inside_a_route(
    client: httpx.AsyncClient, container: Container, keys: dict[Role, str]
) -> None:
    """An unhandled error whose message quotes content, on a route with an id in its path."""

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"store failed while reading {TEXT} for {CHILD}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(container.store, "read", broken)
        with pytest.raises(RuntimeError):
            await client.get(f"/v1/events/{CRASHED}/decision", headers=auth(keys[Role.ADMIN]))


async def test_logs_are_json_lines_of_metadata_without_content(
    client: httpx.AsyncClient,
    container: Container,
    keys: dict[Role, str],
    log_output: io.StringIO,
    failing_report_detector: None,
) -> None:
    await send_traffic(client, container, keys)
    await crash_inside_a_route(client, container, keys)
    records = parsed(log_output)
    requests = [r for r in records if r["msg"] == "request"]
    seen = {(r["method"], r["route"], r["status"]) for r in requests}
    assert {
        ("POST", "/v1/events", 200),
        ("POST", "/v1/events", 409),
        ("POST", "/v1/events", 422),
        ("GET", "/v1/events/{event_id}/decision", 200),
        ("GET", "/v1/events/{event_id}/decision", 500),
        ("GET", "(unmatched)", 404),
        ("GET", "/v1/cases", 401),
    } <= seen
    messages = {r["msg"] for r in records}
    assert {"detector failed", "side effect failed; will retry", "unhandled error"} <= messages
    (crash,) = [r for r in records if r["msg"] == "unhandled error"]
    assert (crash["route"], crash["exc_type"]) == ("/v1/events/{event_id}/decision", "RuntimeError")
    output = log_output.getvalue()
    sent = [TEXT, OTHER_TEXT, ADULT, CHILD, CONVERSATION, COMMENT, FAKE_KEY, CRASHED]
    sent += [*keys.values(), *(key.split("_", 2)[2] for key in keys.values())]
    assert [s for s in sent if s in output] == []
    assert not any(LOOKED_UP in json.dumps(r) for r in requests)


async def test_the_log_formatter_drops_fields_it_does_not_know(
    log_output: io.StringIO,
) -> None:
    logging.getLogger("safeguarding.test").info(
        "careless call", extra={"text": TEXT, "account": CHILD, "route": "/v1/events"}
    )
    (record,) = parsed(log_output)
    assert record["msg"] == "careless call"
    assert record["route"] == "/v1/events"
    assert TEXT not in log_output.getvalue()
    assert CHILD not in log_output.getvalue()
