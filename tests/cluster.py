"""Distributed mode for tests: a real nats-server, PostgreSQL, one `serve --stream` process and
stream workers, each a real process that a test can kill with SIGKILL and start again.

``make test`` starts the nats-server (scripts/with-nats.sh) and names it in
SAFEGUARDING_TEST_NATS_URL. Each cluster gets its own database and its own JetStream stream,
so tests can share the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Role
from safeguarding.settings import PREFIX, load_settings
from tests.servers import (
    POSTGRES_ENV,
    create_keys,
    free_port,
    fresh_postgres_database,
    process_env,
    server_environment,
    stop,
    wait_ready,
)

NATS_ENV = "SAFEGUARDING_TEST_NATS_URL"
NATS_VERSION_ENV = "SAFEGUARDING_TEST_NATS_VERSION"
SAFE_NATS = (2, 10, 23)


def nats_url() -> str:
    url = os.environ.get(NATS_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs nats-server: {NATS_ENV} is not set")
        pytest.skip(f"no nats-server (run `make test`, or set {NATS_ENV})")
    return url


def nats_version() -> tuple[int, ...]:
    raw = os.environ.get(NATS_VERSION_ENV, "0.0.0")
    return tuple(int(p) for p in raw.split("-")[0].split(".")[:3])


def postgres_url(name: str) -> str:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL: {POSTGRES_ENV} is not set")
        pytest.skip(f"no PostgreSQL server (set {POSTGRES_ENV})")
    return fresh_postgres_database(base, name)


@dataclass
class Cluster:
    """A serve process and workers over one database and one stream."""

    workdir: Path
    environment: dict[str, str]
    keys: dict[Role, str]
    port: int
    serve: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    starts: int = 0
    reader: Container | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def auth(self, role: Role = Role.PLATFORM) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def start_serve(self, *, wait: bool = True) -> None:
        command = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.serve = self._spawn("serve", command)
        if wait:
            wait_ready(self.serve, self.base_url, self.workdir / "serve.stderr")

    def start_worker(self, index: int, prefix: Sequence[str] = ()) -> None:
        """Start worker ``index``; ``prefix`` runs it inside something (a network namespace)."""
        while len(self.workers) <= index:
            self.workers.append(None)
        self.workers[index] = self._spawn(f"worker-{index}", ["worker"], prefix)

    def kill(self, process: subprocess.Popen[bytes] | None) -> None:
        """SIGKILL: no handler runs, nothing is flushed or acknowledged."""
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in [self.serve, *self.workers]:
            if process is not None:
                stop(process)
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    @contextmanager
    def container(self) -> Iterator[Container]:
        """The cluster's database and content key, in this process, to check what is stored."""
        made = build(load_settings(self.environment), migrate_schema=False)
        try:
            yield made
        finally:
            made.close()

    def stored(self, event_ids: Collection[str]) -> set[str]:
        """Which of these events the database holds (one container, kept for polling)."""
        if self.reader is None:
            self.reader = build(load_settings(self.environment), migrate_schema=False)
        return self.reader.ingest.stored_ids(list(event_ids))

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.stderr"
        return path.read_text(errors="replace") if path.exists() else ""

    def _spawn(
        self, name: str, command: list[str], prefix: Sequence[str] = ()
    ) -> subprocess.Popen[bytes]:
        self.starts += 1
        # Appending keeps every life's log, for a failing test to show.
        with (self.workdir / f"{name}.stderr").open("ab") as err:
            return subprocess.Popen(
                [*prefix, sys.executable, "-m", "safeguarding.adapters.cli.main", *command],
                env=process_env(self.environment),
                stdout=subprocess.DEVNULL,
                stderr=err,
            )


@contextmanager
def running_cluster(
    workdir: Path, database: str, *, workers: int = 2, settings: Mapping[str, str] | None = None
) -> Iterator[Cluster]:
    """Start `serve --stream` and ``workers`` stream workers; stop them all afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    stream = f"T{uuid.uuid4().hex[:12]}"
    environment = server_environment(
        workdir,
        postgres_url(database),
        {"stream_url": nats_url(), "stream_name": stream, **(settings or {})},
    )
    container = build(load_settings(environment))
    try:
        keys = create_keys(container)
    finally:
        container.close()
    cluster = Cluster(workdir, environment, keys, free_port())
    try:
        for index in range(workers):
            cluster.start_worker(index)
        cluster.start_serve()
        yield cluster
    finally:
        cluster.stop_all()


def eventually(check: Callable[[], bool], timeout: float) -> bool:
    """Poll ``check()`` until it is true or ``timeout`` seconds pass; return the last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``check()`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    if not eventually(check, timeout):
        pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


def env_name(setting: str) -> str:
    return PREFIX + setting.upper()


def post(client: httpx.Client, events: list[dict], **headers: str) -> httpx.Response:
    return client.post("/v1/events", json={"events": events}, headers=headers, timeout=30)


def assert_decided_in_order(cluster: Cluster, events: list[dict]) -> None:
    """Every event's decision is in the audit chain, and each conversation's (or, without one,
    each actor's) events were decided in the order they were sent."""
    with cluster.container() as made, made.store.read() as uow:
        decided = [
            entry[0]
            for record in uow.audit.records()
            if record.action == "decisions"
            for entry in record.details["decisions"]
        ]
    position = {event_id: n for n, event_id in enumerate(decided)}
    assert {e["event_id"] for e in events} <= set(position), "every decision is audited"
    sent: dict[str, list[str]] = {}
    for event in events:
        key = event.get("conversation_id") or f"actor:{event['actor_id']}"
        sent.setdefault(key, []).append(event["event_id"])
    for key, event_ids in sent.items():
        assert sorted(event_ids, key=position.__getitem__) == event_ids, key
