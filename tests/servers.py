"""A real ``safeguarding serve`` process for smoke and browser tests.

``running_server()`` makes one API key per role in-process against the server's
database, starts the server as a subprocess on a free loopback port, waits for
``/readyz``, and stops it with SIGTERM (SIGKILL past a deadline). Its stdout and
stderr go to files, so a chatty server can never block on a full pipe.

Test modules import the fixtures they use::

    from tests.servers import live_server, server_database_url  # noqa: F401
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from safeguarding.bootstrap import Container, build
from safeguarding.demo import demo_events, known_hash_list
from safeguarding.domain.access import Role
from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.settings import PREFIX, load_settings
from tests.conftest import TEST_KEY

STARTUP_SECONDS = 30.0
STOP_SECONDS = 15.0
POSTGRES_ENV = "SAFEGUARDING_TEST_POSTGRES_URL"


@dataclass
class RunningServer:
    """A started server: where it listens, a key per role, and its process and logs."""

    base_url: str
    keys: dict[Role, str]
    process: subprocess.Popen[bytes]
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def log_records(self) -> list[dict[str, object]]:
        """Every stderr line parsed as JSON; a line that is not JSON fails the test."""
        records = []
        for line in self.stderr().splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"server log line is not JSON: {line!r}")
        return records

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A local HTTP server with ``handler`` on a thread, for as long as the block runs; its
    base URL (a stand-in for a webhook receiver or an authority's API)."""
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(
    workdir: Path, database_url: str | None, settings: Mapping[str, str]
) -> dict[str, str]:
    """The SAFEGUARDING_* variables the server and the in-process key maker both read."""
    env = {
        PREFIX + "DATABASE_URL": database_url or f"sqlite:///{workdir / 'server.db'}",
        PREFIX + "DATA_DIR": str(workdir),
        PREFIX + "CONTENT_KEY": TEST_KEY,
        PREFIX + "KEY_CACHE_SECONDS": "0",
    }
    env.update({PREFIX + name.upper(): value for name, value in settings.items()})
    return env


def create_keys(container: Container) -> dict[Role, str]:
    """One key per role, made in-process against the server's database."""
    return {role: container.keys.create(f"smoke-{role.value}", role.value)[0] for role in Role}


def process_env(environment: Mapping[str, str]) -> dict[str, str]:
    # Drop every inherited SAFEGUARDING_* variable: the test-only ones (such as the
    # PostgreSQL URL) are unknown settings and would stop the server at start-up.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    return {**inherited, **environment}


def wait_ready(process: subprocess.Popen[bytes], base_url: str, stderr_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"server exited with {process.returncode} before it was ready:\n"
                    + stderr_path.read_text(errors="replace")
                )
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    pytest.fail(
        f"server not ready within {STARTUP_SECONDS:.0f}s:\n"
        + stderr_path.read_text(errors="replace")
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM for a graceful shutdown; SIGKILL if it is still running past the deadline."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)


@contextmanager
def running_server(
    workdir: Path, *, database_url: str | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[RunningServer]:
    """Start ``safeguarding serve`` over ``database_url`` (a SQLite file under workdir by default).

    ``settings`` adds SAFEGUARDING_* settings by name, e.g. ``{"sha256_list_path": "..."}``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    environment = server_environment(workdir, database_url, settings or {})
    # Building first brings the schema to head and stores policy 1, so the server finds
    # nothing to migrate; the slow Argon2 key hashing then overlaps the server's start-up.
    container = build(load_settings(environment))
    try:
        process, base_url, stderr_path = _start(workdir, environment)
    except BaseException:
        container.close()
        raise
    try:
        try:
            keys = create_keys(container)
        finally:
            container.close()
        wait_ready(process, base_url, stderr_path)
        yield RunningServer(base_url, keys, process, stderr_path)
    finally:
        stop(process)


def _start(
    workdir: Path, environment: Mapping[str, str]
) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    stderr_path = workdir / "server.stderr"
    command = [sys.executable, "-m", "safeguarding.adapters.cli.main", "serve"]
    with stderr_path.open("wb") as err, (workdir / "server.stdout").open("wb") as out:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            env=process_env(environment),
            stdout=out,
            stderr=err,
        )
    return process, f"http://127.0.0.1:{port}", stderr_path


def fresh_postgres_database(base_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server at ``base_url``; return its URL."""
    admin = make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server_database_url(request: pytest.FixtureRequest, worker_id: str) -> str | None:
    """None for SQLite (the server makes its own file), else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    base_url = os.environ.get(POSTGRES_ENV)
    if not base_url:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL: {POSTGRES_ENV} is not set")
        pytest.skip(f"no PostgreSQL server (set {POSTGRES_ENV})")
    return fresh_postgres_database(base_url, f"sg_server_{worker_id}")


@pytest.fixture(scope="module")
def live_server(
    server_database_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A real server with the default settings, over each database backend."""
    with running_server(
        tmp_path_factory.mktemp("server"), database_url=server_database_url
    ) as server:
        yield server


def known_hashes(workdir: Path) -> dict[str, str]:
    """Settings for ``running_server``: a SHA-256 list, written into ``workdir``, holding the
    demo's known image."""
    hashes = workdir / "known-hashes.txt"
    hashes.write_text(known_hash_list())
    return {"sha256_list_path": str(hashes)}


def ingest_one_by_one(server: RunningServer) -> None:
    """The demo events as a live platform sends them, one request each, so every decision
    (and so every case deadline) has its own time."""
    with httpx.Client(base_url=server.base_url, headers=server.auth(Role.PLATFORM)) as client:
        for event in demo_events(datetime.now(UTC)):
            body = {"events": [EVENT_ADAPTER.dump_python(event, mode="json")]}
            assert client.post("/v1/events", json=body, timeout=30).status_code == 200
