"""`safeguarding ingest`, `audit` and `worker` on a file of fifty events."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from safeguarding.services.policy import default_policy_source
from tests import factories as f
from tests.cli.cli_env import Check, opened, plain, run, words, write_jsonl

LISTED_IMAGE = f.benign_png("cli-listed")


def fifty_events() -> list[dict[str, Any]]:
    """A new adult account messaging a child: one first contact, one listed image, a report."""
    events = [f.profile("adult1", 34, created_days_ago=2), f.profile("child1", 12)]
    for i in range(40):
        sender, receiver = ("adult1", "child1") if i % 2 == 0 else ("child1", "adult1")
        events.append(f.message(sender, receiver, "see you at practice", minutes=i))
    events.append(f.report("child1", "adult1", "grooming", minutes=41))
    events.append(f.contact_request("adult1", "child2", minutes=42))
    events += [f.media("adult1", f.benign_png(f"holiday {i}"), minutes=43 + i) for i in range(5)]
    events.append(f.media("adult1", LISTED_IMAGE, minutes=49))
    for i, event in enumerate(events):
        event["event_id"] = f"cli-{i:03d}"
    return events


@pytest.fixture
def ingest_env(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A hash list with one entry, and the default policy with its trial rule enforced."""
    hashes = workdir / "hashes.txt"
    hashes.write_text(hashlib.sha256(LISTED_IMAGE).hexdigest() + "\n")
    policy = workdir / "policy.yaml"
    policy.write_text(default_policy_source().replace("mode: shadow", "mode: enforce"))
    monkeypatch.setenv("SAFEGUARDING_SHA256_LIST_PATH", str(hashes))
    monkeypatch.setenv("SAFEGUARDING_POLICY_FILE", str(policy))
    return workdir


def stored(events: list[dict[str, Any]]) -> set[str]:
    with opened() as container:
        return container.ingest.stored_ids([e["event_id"] for e in events])


def test_ingest_prints_a_summary_and_resumes(ingest_env: Path, golden: Check) -> None:
    events = fifty_events()
    write_jsonl(Path("events.jsonl"), events)
    first = run("ingest", "events.jsonl")
    again = run("ingest", "events.jsonl")
    assert stored(events) == {e["event_id"] for e in events}
    golden(
        "ingest_summary.txt",
        "$ safeguarding ingest events.jsonl\n"
        + plain(first.stdout)
        + "\n$ safeguarding ingest events.jsonl   # again: everything is already stored\n"
        + plain(again.stdout),
    )


def test_ingest_refuses_a_file_with_an_invalid_line(ingest_env: Path) -> None:
    events = fifty_events()[:10]
    write_jsonl(Path("events.jsonl"), events, bad={4: '{"type": "message", "event_id": "x"}'})
    result = run("ingest", "events.jsonl", code=1)
    assert "events.jsonl:4: message.occurred_at: Field required" in result.stderr
    assert "1 invalid line(s); nothing ingested" in words(result.stderr)
    assert stored(events) == set()


def test_ingest_skip_invalid_ingests_the_rest(ingest_env: Path) -> None:
    events = fifty_events()[:10]
    write_jsonl(Path("events.jsonl"), events, bad={3: "not json", 7: '{"type": "nope"}'})
    result = run("ingest", "--skip-invalid", "events.jsonl")
    assert "events.jsonl:3: not JSON" in result.stderr
    assert "events.jsonl:7:" in result.stderr
    assert "events.jsonl: 10 events" in result.stdout
    assert stored(events) == {e["event_id"] for e in events}


def test_audit_verify_passes_then_names_a_tampered_record(ingest_env: Path) -> None:
    write_jsonl(Path("events.jsonl"), fifty_events())
    run("ingest", "events.jsonl")
    assert re.search(
        r"audit chain verifies: \d+ records, head [0-9a-f]{16}", run("audit", "verify").stdout
    )

    with sqlite3.connect(ingest_env / "cli.db") as db:
        db.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
    db.close()
    result = run("audit", "verify", code=1)
    assert "audit chain broken at record 2: content does not match its hash" in words(result.stderr)


@pytest.mark.parametrize(
    ("tamper", "found"),
    [
        (
            ["DELETE FROM audit_log WHERE seq = 1"],
            "audit chain broken at record 2: expected record 1",
        ),
        (
            [
                "UPDATE audit_log SET seq = -1 WHERE seq = 1",
                "UPDATE audit_log SET seq = 1 WHERE seq = 2",
                "UPDATE audit_log SET seq = 2 WHERE seq = -1",
            ],
            "audit chain broken at record 1: does not follow the record before it",
        ),
    ],
    ids=["deleted", "reordered"],
)
def test_audit_verify_names_deleted_and_reordered_records(
    ingest_env: Path, tamper: list[str], found: str
) -> None:
    write_jsonl(Path("events.jsonl"), fifty_events())
    run("ingest", "events.jsonl")
    with sqlite3.connect(ingest_env / "cli.db") as db:
        for statement in tamper:
            db.execute(statement)
    db.close()
    assert found in words(run("audit", "verify", code=1).stderr)


def test_a_checkpoint_catches_a_chain_rewritten_with_recomputed_hashes(ingest_env: Path) -> None:
    write_jsonl(Path("events.jsonl"), fifty_events())
    run("ingest", "events.jsonl")
    assert "checkpoint of record" in run("audit", "checkpoint", "--out", "cp.json").stdout
    assert "matches the checkpoint" in run("audit", "verify", "--checkpoint", "cp.json").stdout

    rewrite_chain_from(ingest_env / "cli.db", seq=2)
    assert "differs from the checkpoint" in words(run("audit", "verify", code=1).stderr)
    for kept in (ingest_env / "data" / "audit-checkpoints").iterdir():
        kept.unlink()  # without the checkpoint folder, the plain chain is fooled
    assert "audit chain verifies" in run("audit", "verify").stdout
    result = run("audit", "verify", "--checkpoint", "cp.json", code=1)
    assert "differs from the checkpoint" in words(result.stderr)
    assert "the chain was rewritten" in words(result.stderr)


def test_a_forged_checkpoint_is_refused(ingest_env: Path) -> None:
    write_jsonl(Path("events.jsonl"), fifty_events())
    run("ingest", "events.jsonl")
    run("audit", "checkpoint", "--out", "cp.json")
    forged = json.loads(Path("cp.json").read_text()) | {"hash": "0" * 64}
    Path("cp.json").write_text(json.dumps(forged))
    result = run("audit", "verify", "--checkpoint", "cp.json", code=1)
    assert "its signature does not match its content" in words(result.stderr)


def rewrite_chain_from(database: Path, seq: int) -> None:
    """What someone with database access could do: edit a record, recompute every later hash."""
    from datetime import UTC, datetime

    from safeguarding.domain.audit import GENESIS_HASH, AuditRecord

    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log "
            "ORDER BY seq"
        ).fetchall()
        prev = GENESIS_HASH
        for row in rows:
            record = AuditRecord(
                seq=row[0],
                at=datetime.fromisoformat(row[1]).replace(tzinfo=UTC),
                actor=row[2],
                action=row[3],
                subject=row[4],
                details=json.loads(row[5]),
                prev_hash=row[6],
                hash=row[7],
            )
            entry = record.entry()
            if record.seq == seq:
                entry = entry.model_copy(update={"actor": "someone else"})
            if record.seq >= seq:
                new = entry.chained(record.seq, prev)
                db.execute(
                    "UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    (new.actor, new.prev_hash, new.hash, record.seq),
                )
                prev = new.hash
            else:
                prev = record.hash
    db.close()


def test_worker_once_processes_what_is_due(ingest_env: Path) -> None:
    run("db", "upgrade")
    with opened() as container:  # decided as `serve` decides: side effects queued, not run
        container.ingest.ingest([f.event(e) for e in fifty_events()], source="test")
        due = container.review.outbox_pending()
    assert due > 0
    assert run("worker", "--once").stdout.strip() == f"processed {due} outbox item(s)"
    with opened() as container:
        assert container.review.outbox_pending() == 0
        assert container.review.counts().cases_by_status.get("open", 0) > 0  # cases opened
    assert run("worker", "--once").stdout.strip() == "processed 0 outbox item(s)"
