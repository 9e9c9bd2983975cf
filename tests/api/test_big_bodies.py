"""A big list is counted before it is validated, a 422 lists at most 100 errors, and parsing a
big body never holds up the other requests (issue 14, point 6).

The attack: ``{"events": [0, ...]}`` with a million entries (2 MB, well under the body limit)
was validated item by item before anything counted it: 32 seconds, 834 MB, and 113 MB of
errors in the answer, while every other request waited.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Role
from tests.conftest import auth, make_settings
from tests.factories import message, next_id
from tests.servers import RunningServer, running_server

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"
A_MILLION = 1_000_000
SMALL_ANSWER = 2_000  # bytes: a refusal names the limit; it does not echo the body
# Only breaks a deadlock, so that the old behaviour fails the test rather than hanging it.
GATE_SECONDS = 20.0


def zeros(field: str) -> dict[str, Any]:
    return {field: [0] * A_MILLION}


def assert_small_refusal(response: httpx.Response, limit: int) -> None:
    assert response.headers["content-type"] == PROBLEM
    assert len(response.content) < SMALL_ANSWER
    assert response.json()["limit"] == limit
    assert f"at most {limit}" in response.json()["detail"]


async def test_a_million_entry_batch_is_refused_by_count_with_a_small_answer(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    response = await client.post(
        "/v1/events", json=zeros("events"), headers=auth(keys[Role.PLATFORM])
    )
    assert response.status_code == 413
    assert_small_refusal(response, container.settings.max_batch_events)
    assert "got 1000000" in response.json()["detail"]
    with container.store.read() as uow:
        assert sum(uow.figures.counts().events_by_type.values()) == 0


@pytest.mark.parametrize(
    ("path", "field"), [("/v1/visibility", "items"), ("/v1/suggestions/filter", "candidate_ids")]
)
async def test_a_million_ids_to_a_feed_are_refused_by_count(
    client: httpx.AsyncClient, keys: dict[Role, str], path: str, field: str
) -> None:
    body = {"viewer_id": "viewer", **zeros(field)}
    response = await client.post(path, json=body, headers=auth(keys[Role.PLATFORM]))
    assert response.status_code == 413
    assert_small_refusal(response, 1000)


@pytest.fixture
async def roomy_client(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A service that takes batches of 5,000 events."""
    container = build(make_settings(database_url, tmp_path, max_batch_events=5000))
    try:
        key, _ = container.keys.create("platform", Role.PLATFORM.value)
        transport = httpx.ASGITransport(app=create_app(container, run_outbox_worker=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http, auth(key)
    finally:
        container.close()


async def test_a_422_lists_the_first_100_errors_and_how_many_in_all(
    roomy_client: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, headers = roomy_client
    bad = {**message(), "occurred_at": "yesterday"}
    events = [{**bad, "event_id": f"bad-{i}"} for i in range(5000)]
    response = await client.post("/v1/events", json={"events": events}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["error_count"] == 5000
    assert [e["index"] for e in problem["errors"]] == list(range(100))
    assert {e["field"] for e in problem["errors"]} == {"occurred_at"}
    assert "(and 4999 more)" in problem["detail"]


def small_event() -> dict[str, Any]:
    return message("small-sender", "small-friend", "see you at practice", event_id=next_id("sm"))


def big_batch() -> dict[str, Any]:
    return {
        "events": [
            message(f"a{i % 40}", f"b{i % 30}", "good game today", event_id=next_id("big"))
            for i in range(1000)
        ]
    }


async def test_a_small_request_is_answered_while_a_big_body_is_parsed(
    client: httpx.AsyncClient, keys: dict[Role, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The big body's JSON parsing waits until the small request has its answer. Parsed on
    the event loop, it would hold the loop, the small request could not be answered, and
    the gate would never open."""
    big, small = big_batch(), small_event()
    big_bytes = len(json.dumps(big, separators=(",", ":"))) // 2  # however the client spaces it
    entered, small_answered = threading.Event(), threading.Event()
    opened: list[bool] = []
    real_loads = json.loads

    def gated_loads(text: Any, *args: Any, **kwargs: Any) -> Any:
        if len(text) >= big_bytes:
            entered.set()
            opened.append(small_answered.wait(GATE_SECONDS))
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", gated_loads)
    headers = auth(keys[Role.PLATFORM])
    big_answer = asyncio.create_task(client.post("/v1/events", json=big, headers=headers))
    while not entered.is_set() and not big_answer.done():
        await asyncio.sleep(0.01)
    assert entered.is_set(), "the big body was never parsed with json.loads"
    small_answer = await client.post("/v1/events", json=small, headers=headers)
    small_answered.set()
    big_result = await big_answer

    assert opened == [True], "the small request was not answered while the big body was parsed"
    assert small_answer.status_code == 200
    assert small_answer.json()["event_id"] == small["event_id"]
    assert small_answer.json()["decision"]["verdict"] == "allow"
    assert big_result.status_code == 200
    results = big_result.json()["results"]
    assert [r["event_id"] for r in results] == [e["event_id"] for e in big["events"]]


# -- a real server process ------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("big-bodies")) as running:
        yield running


@pytest.mark.server
def test_a_real_server_refuses_a_million_entries_and_answers_a_small_request_meanwhile(
    server: RunningServer,
) -> None:
    async def both() -> tuple[httpx.Response, httpx.Response]:
        headers = server.auth(Role.PLATFORM)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
            huge = http.post("/v1/events", json=zeros("events"), headers=headers)
            small = http.post("/v1/events", json=small_event(), headers=headers)
            answers = await asyncio.gather(huge, small)
            return answers[0], answers[1]

    huge, small = asyncio.run(both())
    assert huge.status_code == 413
    assert_small_refusal(huge, 1000)
    assert small.status_code == 200
    assert small.json()["decision"]["verdict"] == "allow"
