"""Shared fixtures: settings and containers over SQLite and a real PostgreSQL, API clients, keys.

Tests that touch storage run on both backends. PostgreSQL comes from
SAFEGUARDING_TEST_POSTGRES_URL (``make test`` starts a throwaway server); without
it those tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from safeguarding.adapters.http.app import create_app
from safeguarding.adapters.storage.memory.store import MemoryStore
from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Role
from safeguarding.settings import Settings, load_settings

TEST_KEY = "test:" + base64.b64encode(b"k" * 32).decode()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FUZZ_CALLS = "schema-fuzz-calls-*.json"
MIN_FUZZ_CALLS = 2000


def record_fuzz_calls(worker: str, *, calls: int, covered: set[str], operations: int) -> None:
    """What one process's schema fuzzing did, for the session's total (see below)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary = {"calls": calls, "covered": sorted(covered), "operations": operations}
    (ARTIFACTS / FUZZ_CALLS.replace("*", worker)).write_text(json.dumps(summary) + "\n")


def _controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # xdist workers have it; the controller not


def pytest_sessionstart(session: pytest.Session) -> None:
    if _controller(session.config):
        for stale in ARTIFACTS.glob(FUZZ_CALLS):
            stale.unlink()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """When every operation was fuzzed (in one process or spread over xdist workers), the
    generated calls must add up to 2,000 or more; otherwise the session fails."""
    if not _controller(session.config):
        return
    found = [json.loads(f.read_text()) for f in ARTIFACTS.glob(FUZZ_CALLS)]
    if not found:
        return
    covered = set().union(*(set(f["covered"]) for f in found))
    calls = sum(f["calls"] for f in found)
    if len(covered) < found[0]["operations"]:
        return  # a subset ran (-k, a single file): the total says nothing
    summary = f"schema fuzzing: {calls} calls over {len(covered)} operations"
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(summary)
    if calls < MIN_FUZZ_CALLS:
        if reporter is not None:
            reporter.write_line(f"FAILED: fewer than {MIN_FUZZ_CALLS} schema fuzzing calls")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config: pytest.Config) -> str | None:
    """Which nats-server the distributed-mode tests ran against (scripts/with-nats.sh)."""
    version = os.environ.get("SAFEGUARDING_TEST_NATS_VERSION")
    return f"nats-server: {version}" if version else None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--write-outputs",
        action="store_true",
        help="Rewrite golden files from the current output (review the diff).",
    )
    parser.addoption(
        "--memory-store",
        action="store_true",
        help="Build `container` on the in-memory store (the services' fast path; SQLite runs).",
    )


@pytest.fixture(scope="session")
def postgres_base_url(worker_id: str, pytestconfig: pytest.Config) -> Iterator[str | None]:
    """A database of this test worker's own on the test server, or None when there is no server
    (which CI allows only in a ``--memory-store`` run: the fast path needs no PostgreSQL)."""
    url = os.environ.get("SAFEGUARDING_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") and not pytestconfig.getoption("--memory-store"):
            pytest.fail("CI needs PostgreSQL: SAFEGUARDING_TEST_POSTGRES_URL is not set")
        yield None
        return
    # One database per pytest process, so parallel runs never reset each other's schema.
    name = f"sg_test_{worker_id}_{os.getpid()}"
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_postgres(url: str) -> str:
    with psycopg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
        autocommit=True,
    ) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_base_url: str | None
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'safeguarding.db'}"
    if postgres_base_url is None:
        pytest.skip("no PostgreSQL server (run `make test`, or set SAFEGUARDING_TEST_POSTGRES_URL)")
    return fresh_postgres(postgres_base_url)


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    return load_settings(
        {},
        database_url=database_url,
        data_dir=data_dir,
        content_key=TEST_KEY,
        key_cache_seconds=0,
        **overrides,
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


def build_container(config: pytest.Config, settings: Settings, **options: Any) -> Container:
    """``build`` on the store the run tests: the in-memory one for SQLite settings under
    ``--memory-store``, else the settings' database."""
    memory = config.getoption("--memory-store") and "sqlite" in settings.database_url
    return build(settings, store=MemoryStore() if memory else None, **options)


@pytest.fixture
def container(settings: Settings, pytestconfig: pytest.Config) -> Iterator[Container]:
    built = build_container(pytestconfig, settings)
    yield built
    built.close()


def skip_on_memory(container: Container, why: str) -> None:
    """Skip the rest of a test on the in-memory store, saying ``why``: only for what a database
    alone shows (its files at rest, races between its connections). What a service does is
    checked on every store."""
    if isinstance(container.store, MemoryStore):
        pytest.skip(f"not on the in-memory store: {why}")


def another_process(container: Container, settings: Settings, **options: Any) -> Container:
    """A second container over the first one's data, as a second process over the same
    database; on the in-memory store, over a second store on the same state."""
    if isinstance(container.store, MemoryStore):
        return build(settings, store=container.store.another(), **options)
    return build(settings, **options)


@pytest.fixture
def keys(container: Container) -> dict[Role, str]:
    return {role: container.keys.create(f"test-{role.value}", role.value)[0] for role in Role}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container, run_outbox_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
