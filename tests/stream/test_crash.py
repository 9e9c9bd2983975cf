"""Crash safety: SIGKILL the serve process and the stream workers at random points, more than
fifty times, while a platform sends 10,000 events; restart each; then prove that every event
acknowledged to the platform is stored exactly once and decided in its conversation's order,
that every decision's side effects happened exactly once, and that the audit chain verifies.

The parts underneath (nats-server, PostgreSQL, the disk) are broken in tests/faults/, against
servers those tests start themselves.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Row, func, select

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.bootstrap import Container
from safeguarding.demo.workload import synthetic
from safeguarding.ports.store import OutboxItem
from safeguarding.services.ingest import decision_digest
from safeguarding.services.outbox import effect_of
from tests.cluster import (
    Cluster,
    assert_decided_in_order,
    eventually,
    post,
    running_cluster,
    wait_until,
)
from tests.servers import process_env

pytestmark = pytest.mark.xdist_group("stream")

EVENTS = 10_000
BATCH = 25
MIN_KILLS = 50
TARGETS = ("serve", "worker-0", "worker-1")


def test_sigkill_at_random_loses_nothing_and_doubles_nothing(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> None:
    workdir = tmp_path_factory.mktemp("crash")
    workload = synthetic(EVENTS, seed=17, prefix="crash")
    (workdir / "known.txt").write_text(workload.hash_list())
    settings = {
        "sha256_list_path": str(workdir / "known.txt"),
        "stream_ack_wait_seconds": "2",
        "outbox_poll_seconds": "0.2",
    }
    with running_cluster(workdir, f"sg_crash_{worker_id}", settings=settings) as cluster:
        acknowledged, kills = _ingest_while_killing(cluster, workload.events, random.Random(8))
        print(f"\nkills: {dict(kills)}; process starts: {cluster.starts}")
        assert sum(kills.values()) >= MIN_KILLS
        settle(cluster, acknowledged)
        cluster.stop_all()
        assert_nothing_lost_or_doubled(cluster, acknowledged, workload.events, workdir)


def settle(cluster: Cluster, acknowledged: set[str], seconds: float = 180) -> None:
    """Wait for the acknowledged events to be stored and the outbox to drain. A lost event
    would never be decided: wait long enough for a backlog, then let the checks say how many
    are missing."""
    eventually(lambda: cluster.stored(acknowledged) == acknowledged, seconds)
    with httpx.Client(base_url=cluster.base_url) as client:
        wait_until(lambda: _outbox_settled(client), 180, "the outbox to drain")


def assert_nothing_lost_or_doubled(
    cluster: Cluster, acknowledged: set[str], events: list[dict], workdir: Path
) -> None:
    """Once every process has stopped: each acknowledged event stored exactly once and
    decided in its conversation's order, each side effect done exactly once, and the audit
    chain verifies."""
    _assert_stored_once(cluster, acknowledged, {e["event_id"] for e in events})
    assert_decided_in_order(cluster, [e for e in events if e["event_id"] in acknowledged])
    _assert_effects_once(cluster)
    _assert_audit_verifies(cluster, workdir)


def _ingest_while_killing(
    cluster: Cluster, events: list[dict], rng: random.Random
) -> tuple[set[str], Counter[str]]:
    """Send every batch until it is acknowledged, killing a random process every few batches
    at a random moment (often while a request or a transaction is in flight)."""
    acknowledged: set[str] = set()
    kills: Counter[str] = Counter()
    next_kill = rng.randint(2, 8)
    with httpx.Client(base_url=cluster.base_url, headers=cluster.auth()) as client:
        for n, start in enumerate(range(0, len(events), BATCH)):
            batch = events[start : start + BATCH]
            killer = None
            if n == next_kill:
                target = rng.choice(TARGETS)
                killer = threading.Timer(
                    rng.uniform(0, 0.03), cluster.kill, [_process(cluster, target)]
                )
                killer.start()
                kills[target] += 1
                next_kill = n + rng.randint(2, 8)
            _send_until_acknowledged(cluster, client, batch)
            if killer is not None:
                killer.join()
                _restart_the_dead(cluster)
            acknowledged.update(e["event_id"] for e in batch)
    return acknowledged, kills


def _send_until_acknowledged(cluster: Cluster, client: httpx.Client, batch: list[dict]) -> None:
    for _ in range(50):
        try:
            answer = post(client, batch, prefer="respond-async")
        except httpx.TransportError:
            _restart_the_dead(cluster)
            continue
        if answer.status_code in (200, 202):
            return
        assert answer.status_code == 503, answer.text  # anything else is a real failure
    pytest.fail("a batch was never acknowledged")


def _process(cluster: Cluster, target: str) -> subprocess.Popen[bytes] | None:
    return cluster.serve if target == "serve" else cluster.workers[int(target[-1])]


def _restart_the_dead(cluster: Cluster) -> None:
    for index, worker in enumerate(cluster.workers):
        if worker is None or worker.poll() is not None:
            cluster.start_worker(index)
    if cluster.serve is None or cluster.serve.poll() is not None:
        cluster.start_serve()


def _outbox_settled(client: httpx.Client) -> bool:
    return int(client.get("/readyz").json()["outbox_pending"]) == 0


def _assert_stored_once(cluster: Cluster, acknowledged: set[str], sent: set[str]) -> None:
    with cluster.container() as made, made.store.engine.connect() as conn:
        rows = conn.execute(select(t.events.c.event_id)).scalars().all()
    assert len(rows) == len(set(rows)), "an event is stored twice"
    assert acknowledged <= set(rows), f"{len(acknowledged - set(rows))} acknowledged events lost"
    assert set(rows) <= sent


def _assert_effects_once(cluster: Cluster) -> None:
    """Each decision's side effects are in the outbox exactly once, all done, and each done
    effect left exactly one trace: each open_case item's event on one case (a case per harm,
    subject and conversation, opened by one of them), evidence and a report draft per event
    that called for them, a restriction per account and kind."""
    with cluster.container() as made:
        with made.store.read() as uow:
            decisions = {e: s.decision for e, s in uow.events.find(_all_event_ids(made)).items()}
        with made.store.engine.connect() as conn:
            outbox = conn.execute(
                select(
                    t.outbox.c.item_id,
                    t.outbox.c.event_id,
                    t.outbox.c.kind,
                    t.outbox.c.status,
                    t.outbox.c.payload,
                    t.outbox.c.created_at,
                )
            ).all()
            cases = conn.execute(select(t.cases.c.source_key, t.cases.c.event_ids)).all()
            linked = set(conn.execute(select(t.case_events.c.event_id)).scalars())
            evidence = set(conn.execute(select(t.evidence.c.event_id)).scalars())
            drafts = set(conn.execute(select(t.authority_reports.c.event_id)).scalars())
            restricted = conn.execute(select(t.restrictions.c.account_id, t.restrictions.c.kind))
            restrictions = {(account, kind) for account, kind in restricted}
    expected = Counter(
        (event_id, action.name.value)
        for event_id, decision in decisions.items()
        for action in decision.side_effects()
    )
    assert sum(expected.values()) > 500, "the workload should call for many side effects"
    assert Counter((row.event_id, row.kind) for row in outbox) == expected
    assert {row.status for row in outbox} == {"done"}
    opening = [r for r in outbox if r.kind == "open_case"]
    assert {case.source_key for case in cases} <= {r.item_id for r in opening}
    assert all(len(case.event_ids) == len(set(case.event_ids)) for case in cases)
    assert {e for case in cases for e in case.event_ids} == linked == {r.event_id for r in opening}
    assert evidence == {r.event_id for r in outbox if r.kind == "preserve_evidence"}
    assert drafts == {r.event_id for r in outbox if r.kind == "report_to_authority"}
    restricting = ("restrict_contact_with_children", "suspend_account")
    assert restrictions == {(_subject(r), r.kind) for r in outbox if r.kind in restricting}
    digests: Counter[tuple[str, str]] = Counter()
    with cluster.container() as made, made.store.read() as uow:
        for record in uow.audit.records():
            if record.action == "decisions":
                digests.update((e, d) for e, _, d in record.details["decisions"])
    assert digests == Counter((e, decision_digest(d)) for e, d in decisions.items()), (
        "every decision is audited exactly once, as stored"
    )


def _subject(row: Row[Any]) -> str:
    """The account the outbox row's effect is about, read as the outbox reads it."""
    item = OutboxItem(row.item_id, row.kind, row.event_id, row.payload, row.created_at)
    return effect_of(item).subject


def _all_event_ids(made: Container) -> list[str]:
    with made.store.engine.connect() as conn:
        return list(conn.execute(select(t.events.c.event_id)).scalars())


def _assert_audit_verifies(cluster: Cluster, workdir: Path) -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "safeguarding.adapters.cli.main", "audit", "verify"],
        env=process_env(cluster.environment),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with cluster.container() as made, made.store.engine.connect() as conn:
        records = conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one()
    assert records > 0
    (workdir / "audit-verify.txt").write_text(checked.stdout)
