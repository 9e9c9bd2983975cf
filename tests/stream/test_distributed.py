"""Distributed mode end to end: `serve --stream` and two stream workers, real processes over a
real nats-server (JetStream) and a real PostgreSQL.
"""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from safeguarding.bootstrap import build
from safeguarding.demo.workload import known_hash, synthetic
from safeguarding.domain.access import Role
from safeguarding.domain.events import EVENT_ADAPTER
from tests.cluster import (
    SAFE_NATS,
    Cluster,
    assert_decided_in_order,
    nats_version,
    post,
    running_cluster,
    wait_until,
)
from tests.conftest import make_settings
from tests.factories import message, report

pytestmark = pytest.mark.xdist_group("stream")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("cluster")
    hash_list = workdir / "known.txt"
    hash_list.write_text(known_hash(0) + "\n")
    settings = {
        "sha256_list_path": str(hash_list),
        "model_recheck_seconds": "0.5",
        "bank_recheck_seconds": "0.5",
        "decision_wait_seconds": "30",
        "outbox_poll_seconds": "0.1",
    }
    with running_cluster(workdir, f"sg_stream_{worker_id}", settings=settings) as made:
        yield made


@pytest.fixture
def client(cluster: Cluster) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cluster.base_url, headers=cluster.auth()) as made:
        yield made


def test_decisions_are_those_of_one_process(
    cluster: Cluster, client: httpx.Client, tmp_path: Path
) -> None:
    """Sent one at a time and answered synchronously, each decision is the one the embedded
    engine makes for the same events (each side effect carried out before the next event, in
    both, as a restriction changes what follows)."""
    workload = synthetic(240, seed=3, prefix="same")
    (tmp_path / "known.txt").write_text(workload.hash_list())
    reference = build(
        make_settings(
            f"sqlite:///{tmp_path / 'one.db'}", tmp_path, sha256_list_path=tmp_path / "known.txt"
        )
    )
    _change_hash_list(cluster, workload.hash_list())
    try:
        for raw in workload.events:
            answer = post(client, [raw])
            assert answer.status_code == 200, answer.text
            got = answer.json()["results"][0]["decision"]
            want = reference.ingest.ingest([EVENT_ADAPTER.validate_python(raw)], source="t")[0]
            reference.outbox.run_once()
            wait_until(lambda: _outbox_pending(client) == 0, 30, "the side effects")
            assert (got["verdict"], [r["rule"] for r in got["rules"]]) == (
                want.decision.verdict.value,
                [r.rule for r in want.decision.rules],
            ), (raw["event_id"], got["signals"], want.decision.model_dump(mode="json")["signals"])
    finally:
        reference.close()
    verdicts = dict.fromkeys(("allow", "hold", "block"), 0)
    with cluster.container() as made, made.store.read() as uow:
        for found in uow.events.find([e["event_id"] for e in workload.events]).values():
            verdicts[found.decision.verdict.value] += 1
    assert verdicts["allow"] > 0, verdicts
    assert verdicts["block"] > 0, verdicts


def test_each_conversation_is_decided_in_the_order_sent(
    cluster: Cluster, client: httpx.Client
) -> None:
    workload = synthetic(1500, seed=5, prefix="order")
    for start in range(0, len(workload.events), 250):
        answer = post(client, workload.events[start : start + 250], prefer="respond-async")
        assert answer.status_code == 202, answer.text
        assert answer.headers["preference-applied"] == "respond-async"
    ids = [e["event_id"] for e in workload.events]
    wait_until(lambda: len(cluster.stored(ids)) == len(ids), 120, "every event to be decided")
    assert_decided_in_order(cluster, workload.events)


def test_one_harms_signals_join_one_case_across_workers(
    cluster: Cluster, client: httpx.Client
) -> None:
    """Both workers' outbox threads take the case items of one adult's reports, and of one
    child's self-harm messages in many conversations, at the same time: one case each."""
    reports = [report(f"dist-kid-{i}", "dist-adult", minutes=i) for i in range(12)]
    words = "i want to die, nobody would care"
    texts = [
        message("dist-child", f"dist-friend-{i}", words, conversation=f"dist-sh-{i}", minutes=i)
        for i in range(12)
    ]
    events = [*reports, *texts]
    answer = post(client, events, prefer="respond-async")
    assert answer.status_code == 202, answer.text
    ids = [e["event_id"] for e in events]
    wait_until(lambda: len(cluster.stored(ids)) == len(ids), 120, "every event to be decided")
    wait_until(lambda: _outbox_pending(client) == 0, 60, "the side effects")
    with cluster.container() as made, made.store.read() as uow:
        (grooming,) = uow.cases.of_subject("dist-adult")
        (self_harm,) = uow.cases.of_subject("dist-child")
    assert sorted(grooming.event_ids) == sorted(e["event_id"] for e in reports)
    assert sorted(self_harm.event_ids) == sorted(e["event_id"] for e in texts)


def test_a_repeat_is_a_replay_and_a_reused_id_is_refused(
    cluster: Cluster, client: httpx.Client
) -> None:
    events = synthetic(30, seed=9, prefix="again").events
    first = post(client, events)
    assert first.status_code == 200
    assert not any(r["replayed"] for r in first.json()["results"])
    second = post(client, events)
    assert second.status_code == 200
    assert all(r["replayed"] for r in second.json()["results"])
    assert [r["decision"] for r in second.json()["results"]] == [
        r["decision"] for r in first.json()["results"]
    ]
    reused = {**events[-1], "text": "different words", "type": "message"}
    reused.pop("hashes", None)
    refused = post(client, [reused])
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"


def test_without_workers_the_answer_is_202_and_nothing_is_lost(
    cluster: Cluster, client: httpx.Client
) -> None:
    for process in cluster.workers:
        cluster.kill(process)
    events = synthetic(20, seed=11, prefix="later").events
    ids = [e["event_id"] for e in events]
    # serve decides profile updates itself (other shards read them); the rest wait for workers
    queued = [e["event_id"] for e in events if e["type"] != "profile_update"]
    assert 0 < len(queued) < len(ids)
    answer = post(client, events, prefer="wait=1")
    assert answer.status_code == 202
    body = answer.json()
    assert (body["status"], body["pending"], body["event_ids"]) == ("accepted", queued, ids)
    assert answer.headers["retry-after"] == "1"
    assert client.get(f"/v1/events/{queued[0]}/decision").status_code == 404
    for index in range(len(cluster.workers)):
        cluster.start_worker(index)
    wait_until(
        lambda: cluster.stored(ids) == set(ids),
        60,
        "a restarted worker to decide the queued events",
    )
    assert client.get(f"/v1/events/{queued[0]}/decision").status_code == 200


def test_workers_reload_a_changed_hash_list_and_bank(
    cluster: Cluster, client: httpx.Client
) -> None:
    digest = hashlib.sha256(b"listed later").hexdigest()
    before = post(client, [_upload("upload-before", sha256=digest)])
    assert before.json()["results"][0]["decision"]["verdict"] == "allow"
    listed = Path(cluster.environment["SAFEGUARDING_SHA256_LIST_PATH"])
    _change_hash_list(cluster, listed.read_text() + digest + "\n")
    after = post(client, [_upload("upload-after", sha256=digest)])
    assert after.json()["results"][0]["decision"]["verdict"] == "block"

    pdq = "a5" * 32
    admin = cluster.auth(Role.ADMIN)
    assert client.post("/v1/banks", json={"name": "later"}, headers=admin).status_code == 201
    imported = client.post(
        "/v1/banks/later/import",
        json={"format": "text", "hash_type": "pdq", "source": "synthetic", "content": pdq},
        headers=admin,
    )
    assert imported.status_code in (200, 201), imported.text
    wait_until(
        lambda: (
            post(client, [_upload(f"pdq-{_next()}", pdq=pdq)]).json()["results"][0]["decision"][
                "verdict"
            ]
            == "block"
        ),
        30,
        "the workers to pick up the new bank version",
    )


def test_a_worker_stops_cleanly_on_sigterm(cluster: Cluster, client: httpx.Client) -> None:
    worker = cluster.workers[0]
    assert worker is not None
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    events = synthetic(10, seed=13, prefix="one-left").events
    assert post(client, events).status_code == 200, "the other worker decides everything"
    cluster.start_worker(0)


@pytest.mark.skipif(nats_version() >= SAFE_NATS, reason="the server is new enough")
def test_an_old_nats_server_is_warned_about(cluster: Cluster) -> None:
    for name in ("serve", "worker-0"):
        assert "predates fixes for stream loss after kill -9" in cluster.log(name)


_count = iter(range(1, 10**6))


def _next() -> int:
    return next(_count)


def _upload(event_id: str, **hashes: str) -> dict[str, object]:
    return {
        "event_id": event_id,
        "type": "media",
        "media_kind": "image",
        "occurred_at": "2026-11-02T12:00:00Z",
        "actor_id": "uploader",
        "recipient_ids": ["friend"],
        "conversation_kind": "group",
        "hashes": hashes,
    }


def _outbox_pending(client: httpx.Client) -> int:
    return int(client.get("/readyz").json()["outbox_pending"])


def _change_hash_list(cluster: Cluster, content: str) -> None:
    """Rewrite the SHA-256 list and wait until every running worker has rebuilt its detectors.

    Waits first for every worker to have finished starting: one that a test before restarted
    and that reads the list after the edit loads the new list at once, and never reloads."""
    wait_until(lambda: all(_started(cluster)), 60, "every worker to finish starting")
    before = _reloads(cluster)
    Path(cluster.environment["SAFEGUARDING_SHA256_LIST_PATH"]).write_text(content)
    wait_until(
        lambda: all(n > b for n, b in zip(_reloads(cluster), before, strict=True)),
        60,
        "the workers to reload the hash list",
    )


def _started(cluster: Cluster) -> list[bool]:
    """For each worker, whether its latest start has reached the consuming loop."""
    logs = [cluster.log(f"worker-{n}") for n in range(len(cluster.workers))]
    return [log.count("stream worker consuming") >= log.count("database opened") for log in logs]


def _reloads(cluster: Cluster) -> list[int]:
    return [
        cluster.log(f"worker-{n}").count("detectors rebuilt") for n in range(len(cluster.workers))
    ]
