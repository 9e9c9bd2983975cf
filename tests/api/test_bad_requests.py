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
from tests.api.bad_event_cases import EVENT_CASES
from tests.api.bad_request_cases import (
    BASE,
    KEY_CASES,
    LIMIT,
    MAX_BATCH,
    MSG,
    POLICY_CASES,
    ROUTING_CASES,
    SEEDED_MESSAGE,
    Bad,
    wrong_type_cases,
)
from tests.conftest import auth, fresh_postgres, make_settings
from tests.factories import event, profile, report

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"

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
