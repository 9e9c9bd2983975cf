"""Shared by the API tests: the scope world (tests/api/scope_world.py) with its app and an
HTTP client over it, a login throttle that lets deliberate wrong-key walks through, and the
platform's calls (``api``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.services.login_throttle import LoginThrottle
from tests.api.platform_api import Api, api_over
from tests.api.scope_world import World, build_world


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    built = build_world(database_url, tmp_path)
    yield built
    built.container.close()


@pytest.fixture
def world_app(world: World) -> Any:
    """The scope world's app, in process, without the outbox worker."""
    return create_app(world.container, run_outbox_worker=False)


@pytest.fixture
async def world_http(world_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client over the scope world's app."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=world_app), base_url="http://t"
    ) as client:
        yield client


@pytest.fixture
def unthrottled(request: pytest.FixtureRequest) -> None:
    """The container under test (the scope world's when the test uses it, else ``container``)
    without a login limit. Walks that make many failed logins on purpose (wrong and revoked
    keys) would otherwise get 429 from the throttle, which has its own tests
    (test_login_throttle.py), instead of the answer they check."""
    if "world" in request.fixturenames:
        app: Container = request.getfixturevalue("world").container
    else:
        app = request.getfixturevalue("container")
    app.keys.throttle = LoginThrottle(max_failures=1_000_000)


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    """The platform's calls to a fresh engine (``platform_api.Api``)."""
    yield from api_over(container)
