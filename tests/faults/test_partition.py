"""A network partition: one stream worker runs in a network namespace of its own, reaching
nats-server and PostgreSQL over a veth link; mid-batch the link is cut. The messages that
worker held are delivered again, after ``ack_wait``, to the worker still connected, which
decides everything while the partition lasts; the link heals and the cut-off worker goes on
by itself. Nothing is lost or decided twice, effects happen once, the audit chain verifies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import nats
import pytest

from safeguarding.demo.workload import synthetic
from safeguarding.domain.events import EventType
from safeguarding.services.streamed import DECIDED_BY_SERVE
from tests.cluster import (
    NATS_ENV,
    env_name,
    eventually,
    running_cluster,
)
from tests.faults.test_parts_killed import send_until_acknowledged
from tests.servers import POSTGRES_ENV
from tests.stream.test_crash import assert_nothing_lost_or_doubled, settle
from tests.underneath import Namespace, NatsServer, PostgresServer, network_namespace

pytestmark = pytest.mark.xdist_group("faults")

EVENTS = 2_000
BATCH = 25
ACK_WAIT = 2
# Batches sent while waiting for a held message; the rest (at least a third of the whole)
# must be left for the partition phase.
SEND_BEFORE_GIVING_UP = 40


@pytest.fixture
def partitioned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Namespace]:
    """A namespace, and a nats-server and PostgreSQL listening on this side of its link."""
    with network_namespace(octet=7) as namespace:
        (tmp_path / "nats").mkdir()
        nats = NatsServer(tmp_path / "nats", listen=namespace.host)
        postgres = PostgresServer(listen=f"127.0.0.1,{namespace.host}")
        postgres.init()
        nats.start()
        monkeypatch.setenv(NATS_ENV, nats.url)
        base = f"postgresql+psycopg://postgres@{namespace.host}:{postgres.port}/postgres"
        monkeypatch.setenv(POSTGRES_ENV, base)
        try:
            yield namespace
        finally:
            nats.stop()
            postgres.destroy()


def ack_pending(environment: dict[str, str]) -> int:
    """Messages delivered and not yet acknowledged, over every shard's consumer."""

    async def count() -> int:
        client = await nats.connect(environment[env_name("stream_url")])
        try:
            manager = client.jsm()
            consumers = await manager.consumers_info(environment[env_name("stream_name")])
            return sum(info.num_ack_pending for info in consumers)
        finally:
            await client.close()

    return asyncio.run(count())


def test_a_cut_off_worker_loses_nothing_and_decides_nothing_twice(
    partitioned: Namespace, tmp_path: Path
) -> None:
    workload = synthetic(EVENTS, seed=31, prefix="cut")
    (tmp_path / "known.txt").write_text(workload.hash_list())
    settings = {
        "sha256_list_path": str(tmp_path / "known.txt"),
        "stream_ack_wait_seconds": str(ACK_WAIT),
        "outbox_poll_seconds": "0.2",
    }
    events = workload.events
    batches = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
    answers: Counter[int] = Counter()
    acknowledged: set[str] = set()
    with running_cluster(tmp_path / "cluster", "sg_cut", workers=0, settings=settings) as cluster:
        # At first the only worker is the one inside the namespace, so whatever is delivered
        # and not yet acknowledged is held by it.
        cluster.start_worker(1, prefix=partitioned.run([]))
        with httpx.Client(base_url=cluster.base_url, headers=cluster.auth(), timeout=30) as client:
            remaining = iter(batches)
            # The worker inside must be consuming before the watch begins; it starts slowly.
            # serve decides profile updates itself, so the first batches must go on until one
            # holds an event only a worker decides, and that worker must have decided it.
            for batch in remaining:
                send_until_acknowledged(client, batch, answers)
                acknowledged.update(e["event_id"] for e in batch)
                if any(EventType(e["type"]) not in DECIDED_BY_SERVE for e in batch):
                    break
            if not eventually(lambda: cluster.stored(acknowledged) == acknowledged, 120):
                pytest.fail("the worker inside never decided the first events sent to it")
            cut_while_held(
                client, remaining, answers, acknowledged, partitioned, cluster.environment
            )
            cluster.start_worker(0)  # the other worker, on this side of the cut
            for n, batch in enumerate(remaining):
                send_until_acknowledged(client, batch, answers)
                acknowledged.update(e["event_id"] for e in batch)
                if n == len(batches) // 3:
                    # Everything sent so far, what the cut-off worker held included, is
                    # decided while the partition lasts: by the other worker, after ack_wait
                    # gave it the messages the cut-off one could not acknowledge.
                    if not eventually(lambda: cluster.stored(acknowledged) == acknowledged, 120):
                        print(activity(cluster.environment))
                        pytest.fail("the connected worker did not decide what the other held")
                    partitioned.heal()
        settle(cluster, acknowledged)
        alive = [p for p in [cluster.serve, *cluster.workers] if p and p.poll() is None]
        assert len(alive) == 3, "serve and both workers survive the partition"
        cluster.stop_all()
        assert_nothing_lost_or_doubled(cluster, acknowledged, events, tmp_path)


def activity(environment: dict[str, str]) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(environment[env_name("database_url")]).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        rows = conn.execute(
            "SELECT client_addr, state, wait_event_type, wait_event, left(query, 80), "
            "now() - state_change FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchall()
    return "\n".join(map(str, rows)) + f"\nack pending: {ack_pending(environment)}"


def cut_while_held(
    client: httpx.Client,
    remaining: Iterator[list[dict]],
    answers: Counter[int],
    acknowledged: set[str],
    partitioned: Namespace,
    environment: dict[str, str],
) -> None:
    """Keep the inside worker busy from a sender thread and cut its link at a moment when it
    holds a delivered, unacknowledged message. Watching while sending matters: a worker that
    drains each batch before the next is sent (a quiet machine) never holds one between
    batches, and CI runs that checked only between batches found nothing to cut."""
    cut = threading.Event()
    polls: Counter[str] = Counter()  # what the watch saw, for a failure to show

    def send() -> None:
        for sent, batch in enumerate(remaining, start=1):
            send_until_acknowledged(client, batch, answers)
            acknowledged.update(e["event_id"] for e in batch)
            if cut.is_set() or sent >= SEND_BEFORE_GIVING_UP:
                return

    async def watch(sending: Future[None]) -> None:
        # One connection for the whole watch: a poll is then a millisecond or two, where
        # connecting for each took long enough to miss a worker's short holds.
        watcher = await nats.connect(environment[env_name("stream_url")])
        try:
            manager, stream = watcher.jsm(), environment[env_name("stream_name")]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                consumers = await manager.consumers_info(stream)
                held = sum(info.num_ack_pending for info in consumers)
                polls["polls"] += 1
                polls["held"] += held > 0
                if len(acknowledged) > EVENTS // 3 and held > 0:
                    partitioned.cut()
                    cut.set()
                    return
                # Watching goes on after the last batch, while the worker drains a backlog:
                # under load it falls behind the sender, and may hold messages only then.
                if sending.done() and held + sum(i.num_pending for i in consumers) == 0:
                    return
        finally:
            await watcher.close()

    with ThreadPoolExecutor(1) as pool:
        sending = pool.submit(send)
        asyncio.run(watch(sending))
        sending.result()
    if not cut.is_set():
        seen = f"{polls['held']} of {polls['polls']} polls saw a held message"
        pytest.fail(f"the worker inside never held a message to cut it off with ({seen})")
