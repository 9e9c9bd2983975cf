"""The parts underneath fail during a 10,000-event ingest in distributed mode: nats-server is
SIGKILLed and started again at least ten times, PostgreSQL stopped hard (``-m immediate``) and
started again at least five times. While a part is down the API answers 503 with Retry-After
(never 500, never an acknowledgement it cannot keep); serve and the workers recover by
themselves when it returns (none is restarted); and afterwards every acknowledged event is
stored exactly once and decided in conversation order, every side effect happened exactly
once, and the audit chain verifies."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from safeguarding.demo.workload import synthetic
from tests.cluster import NATS_ENV, Cluster
from tests.servers import POSTGRES_ENV
from tests.stream.test_crash import assert_nothing_lost_or_doubled, settle
from tests.underneath import NatsServer, PostgresServer

pytestmark = pytest.mark.xdist_group("faults")

EVENTS = 10_000
BATCH = 25
NATS_KILLS = 10
POSTGRES_STOPS = 5


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A nats-server and a PostgreSQL server of this test's own, named to the cluster."""
    (tmp_path / "nats").mkdir()
    nats = NatsServer(tmp_path / "nats")
    postgres = PostgresServer()
    postgres.init()
    nats.start()
    monkeypatch.setenv(NATS_ENV, nats.url)
    monkeypatch.setenv(POSTGRES_ENV, postgres.url)
    yield nats, postgres
    nats.stop()
    postgres.destroy()


def test_killing_nats_and_stopping_postgres_loses_nothing(
    parts: tuple[NatsServer, PostgresServer], tmp_path: Path
) -> None:
    from tests.cluster import running_cluster

    nats, postgres = parts
    workload = synthetic(EVENTS, seed=23, prefix="parts")
    (tmp_path / "known.txt").write_text(workload.hash_list())
    settings = {
        "sha256_list_path": str(tmp_path / "known.txt"),
        "stream_ack_wait_seconds": "2",
        "outbox_poll_seconds": "0.2",
    }
    with running_cluster(tmp_path / "cluster", "sg_parts", settings=settings) as cluster:
        outages = schedule(random.Random(23), EVENTS // BATCH)
        acknowledged, answers = ingest_while_breaking(cluster, workload.events, outages, parts)
        print(f"\nnats kills: {nats.kills}; postgres stops: {postgres.stops}; answers: {answers}")
        assert nats.kills >= NATS_KILLS
        assert postgres.stops >= POSTGRES_STOPS
        assert answers[503] > 0, "no outage was ever seen by the API"
        settle(cluster, acknowledged, 240)
        dead = [p.args for p in [cluster.serve, *cluster.workers] if p and p.poll() is not None]
        assert dead == [], f"these did not survive the outages: {dead}"
        cluster.stop_all()
        assert_nothing_lost_or_doubled(cluster, acknowledged, workload.events, tmp_path)


def schedule(rng: random.Random, batches: int) -> dict[int, str]:
    """Which batch starts an outage of which part: NATS twice as often as PostgreSQL."""
    kinds = ["nats", "nats", "postgres"] * 6  # 12 NATS kills, 6 PostgreSQL stops
    rng.shuffle(kinds)
    step = batches // (len(kinds) + 1)
    return {step * (n + 1) + rng.randint(-2, 2): kind for n, kind in enumerate(kinds)}


def ingest_while_breaking(
    cluster: Cluster,
    events: list[dict],
    outages: dict[int, str],
    parts: tuple[NatsServer, PostgresServer],
) -> tuple[set[str], Counter[int]]:
    acknowledged: set[str] = set()
    answers: Counter[int] = Counter()
    rng = random.Random(5)
    with httpx.Client(base_url=cluster.base_url, headers=cluster.auth(), timeout=30) as client:
        for n, start in enumerate(range(0, len(events), BATCH)):
            batch = events[start : start + BATCH]
            outage = None
            if n in outages:
                outage = threading.Thread(target=break_and_mend, args=(outages[n], parts, rng))
                outage.start()
            send_until_acknowledged(client, batch, answers)
            if outage is not None:
                outage.join()
            acknowledged.update(e["event_id"] for e in batch)
    return acknowledged, answers


def break_and_mend(kind: str, parts: tuple[NatsServer, PostgresServer], rng: random.Random) -> None:
    """Take the part down at a random moment of the request in flight, for 1 to 3 seconds."""
    nats, postgres = parts
    time.sleep(rng.uniform(0, 0.03))
    down: Callable[[], None] = nats.kill if kind == "nats" else postgres.stop_immediately
    up: Callable[[], None] = nats.start if kind == "nats" else postgres.start
    down()
    time.sleep(rng.uniform(1, 3))
    up()


def send_until_acknowledged(client: httpx.Client, batch: list[dict], answers: Counter[int]) -> None:
    """Post until acknowledged, waiting as Retry-After says; anything but 200, 202 or a 503
    that says when to retry is a failure."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = client.post(
            "/v1/events", json={"events": batch}, headers={"Prefer": "respond-async"}
        )
        answers[answer.status_code] += 1
        if answer.status_code in (200, 202):
            return
        assert answer.status_code == 503, f"{answer.status_code}: {answer.text}"
        time.sleep(min(float(answer.headers["Retry-After"]), 1.0))
    pytest.fail("a batch was never acknowledged")
