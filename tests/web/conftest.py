"""Shared by the in-process UI tests: a store loaded with the demo through the live ingest
path (its known image in a hash list) and the app over it. Logging in is in session.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from safeguarding.adapters.cli.demo import finish_demo
from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container, build
from safeguarding.demo import demo_events, known_hash_list
from safeguarding.domain.access import Role
from safeguarding.domain.cases import Case
from safeguarding.settings import load_settings
from tests.conftest import make_settings
from tests.servers import (
    RunningServer,
    ingest_one_by_one,
    known_hashes,
    running_server,
    server_environment,
)
from tests.web.browsing import chromium_browser, tab


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


def key(container: Container, role: Role, queues: list[str] | None = None) -> str:
    return container.keys.create(f"{role.value}-{queues}", role.value, queues=queues)[0]


def case_in(container: Container, queue: str, subject: str) -> Case:
    cases = container.review.queue()
    found = [c for c in cases if (c.queue, c.subject_account_id) == (queue, subject)]
    assert found, f"no {queue} case about {subject}"
    return found[0]


def audit(container: Container, action: str) -> list[tuple[str, str, dict]]:
    with container.store.read() as uow:
        return [(r.actor, r.subject, r.details) for r in uow.audit.records() if r.action == action]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[RunningServer, dict[str, str]]]:
    """The demo, sent event by event to a real server process; with its environment."""
    settings = known_hashes(tmp_path)
    with running_server(tmp_path, settings=settings) as running:
        ingest_one_by_one(running)
        yield running, server_environment(tmp_path, None, settings)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real server loaded as ``safeguarding demo`` loads it: the demo's events, sent as a
    platform sends them, then the demo's finishing step (its risk assessment)."""
    workdir = tmp_path_factory.mktemp("demo-server")
    settings = known_hashes(workdir)
    with running_server(workdir, settings=settings) as running:
        ingest_one_by_one(running)
        container = build(load_settings(server_environment(workdir, None, settings)))
        try:
            finish_demo(container)
        finally:
            container.close()
        yield running


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with chromium_browser() as launched:
        yield launched


@pytest.fixture
def demo_page(chromium: Browser, demo_server: RunningServer) -> Iterator[Page]:
    """A fresh browser tab (no session) on ``demo_server``."""
    with tab(chromium, demo_server.base_url) as opened:
        yield opened
