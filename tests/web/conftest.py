"""Shared by the in-process UI tests: a store loaded with the demo through the live ingest
path (its known image in a hash list), the app over it, and a logged-in client."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container, build
from safeguarding.demo import demo_events, known_hash_list
from safeguarding.domain.access import Role
from safeguarding.domain.cases import Case
from tests.conftest import make_settings


@pytest.fixture
def demo(database_url: str, tmp_path: Path) -> Iterator[Container]:
    hashes = tmp_path / "known.txt"
    hashes.write_text(known_hash_list())
    built = build(make_settings(database_url, tmp_path, sha256_list_path=hashes))
    built.ingest.ingest(demo_events(datetime.now(UTC)), source="test")
    built.outbox.run_once(1000)
    yield built
    built.close()


@pytest.fixture
def app(demo: Container) -> object:
    return create_app(demo, run_outbox_worker=False)


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a UI page carries in its forms."""
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {page.url}"
    return found.group(1)


async def ui_login(client: httpx.AsyncClient, key: str) -> httpx.Response:
    """Log in through the login form, as a browser would, and keep the session's CSRF token
    as a default header (the one htmx sends), so later form posts carry it."""
    token = TOKEN.search((await client.get("/ui/login")).text)
    data = {"api_key": key, **({"csrf_token": token.group(1)} if token else {})}
    done = await client.post("/ui/login", data=data)
    renewed = TOKEN.search((await client.get("/ui/login")).text)  # any page shows it
    if done.status_code == 303 and renewed:
        client.headers["X-CSRF-Token"] = renewed.group(1)
    return done


@asynccontextmanager
async def browser(app: object, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding a UI session, as a logged-in browser would."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        done = await ui_login(client, key)
        assert done.status_code == 303
        yield client


def key(container: Container, role: Role, queues: list[str] | None = None) -> str:
    return container.keys.create(f"{role.value}-{queues}", role.value, queues=queues)[0]


def case_in(container: Container, queue: str, subject: str) -> Case:
    cases = container.review.queue()
    found = [c for c in cases if (c.queue, c.subject_account_id) == (queue, subject)]
    assert found, f"no {queue} case about {subject}"
    return found[0]


def audit(container: Container, action: str) -> list[tuple[str, str, dict]]:
    with container.store.read() as uow:
        return [(r.actor, r.subject, r.details) for r in uow.audit_records() if r.action == action]
