"""`safeguarding db backup` and `db restore` on SQLite and PostgreSQL: a round trip keeps every
event readable and the audit chain whole; a backup older than the newest checkpoint says, once
restored, that records were lost; a backup taken during ingest is one consistent snapshot."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from safeguarding.bootstrap import build
from safeguarding.settings import load_settings
from tests import factories as f
from tests.cli.cli_env import run, words, write_jsonl
from tests.cli.test_audit_checkpoints import audit_env, head_seq, ingest_one_per_record, sql

__all__ = ["audit_env"]  # the fixture, used by name

CLI = [sys.executable, "-m", "safeguarding.adapters.cli.main"]


def empty_the_database(database_url: str, root: Path) -> None:
    """Lose the database, as a disk failure would (the checkpoint folder survives)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def stored_texts(database_url: str) -> dict[str, str | None]:
    """Each stored event's text, read back through the engine (so unsealed with the keys)."""
    ids = [row[0] for row in rows(database_url, "SELECT event_id FROM events")]
    container = build(load_settings(database_url=database_url), migrate_schema=False)
    try:
        with container.store.read() as uow:
            return {i: getattr(uow.events.get(i), "text", None) for i in sorted(ids)}
    finally:
        container.close()


def rows(database_url: str, statement: str) -> list[tuple[object, ...]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(statement))]
    finally:
        engine.dispose()


def test_a_backup_restores_every_event_readable_and_the_chain_whole(
    audit_env: Path, database_url: str
) -> None:
    ingest_one_per_record()
    before = stored_texts(database_url)
    assert len(before) == 10
    assert set(before.values()) == {"see you at practice"}

    done = run("db", "backup", "safeguarding.backup")
    assert "audit chain verifies" in words(done.stdout)
    assert stat.S_IMODE(Path("safeguarding.backup").stat().st_mode) == 0o600

    empty_the_database(database_url, audit_env)
    restored = run("db", "restore", "safeguarding.backup", "--yes")
    assert "audit chain verifies" in words(restored.stdout)
    assert stored_texts(database_url) == before
    run("audit", "verify")


def test_restoring_a_backup_older_than_the_newest_checkpoint_says_records_were_lost(
    audit_env: Path, database_url: str
) -> None:
    ingest_one_per_record()
    run("db", "backup", "older.backup")
    more = [f.message("a1", "a2", "see you at practice", minutes=60 + i) for i in range(10)]
    for i, event in enumerate(more):
        event["event_id"] = f"later-{i:03d}"
    write_jsonl(Path("later.jsonl"), more)
    run("ingest", "--batch-size", "1", "later.jsonl")
    newest = head_seq(database_url)

    restored = run("db", "restore", "older.backup", "--yes", code=1)
    said = words(restored.output)
    assert "missing" in said
    assert str(newest) in said
    assert "were lost" in said
    run("audit", "verify", code=1)  # and it keeps saying so


def test_restore_without_yes_changes_nothing(audit_env: Path, database_url: str) -> None:
    ingest_one_per_record()
    run("db", "backup", "one.backup")
    run("ingest", "--batch-size", "1", write_later_events())
    count = sql(database_url, "SELECT count(*) FROM events")
    refused = run("db", "restore", "one.backup", code=2)
    assert "--yes" in words(refused.output)
    assert sql(database_url, "SELECT count(*) FROM events") == count


def write_later_events() -> str:
    event = f.message("a3", "a4", "good game", minutes=200)
    event["event_id"] = "later-only"
    write_jsonl(Path("one-more.jsonl"), [event])
    return "one-more.jsonl"


def test_bad_backup_files_are_refused_and_nothing_changes(
    audit_env: Path, database_url: str
) -> None:
    ingest_one_per_record()
    Path("taken.backup").write_text("x")
    assert "already exists" in words(run("db", "backup", "taken.backup", code=2).output)
    Path("notes.txt").write_text("not a database, just notes\n" * 100)
    count = sql(database_url, "SELECT count(*) FROM events")
    refused = words(run("db", "restore", "notes.txt", "--yes", code=2).output)
    assert "notes.txt" in refused
    assert sql(database_url, "SELECT count(*) FROM events") == count


def test_backing_up_a_database_that_does_not_exist_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nothing-here.db"
    monkeypatch.setenv("SAFEGUARDING_DATABASE_URL", f"sqlite:///{missing}")
    monkeypatch.setenv("SAFEGUARDING_DATA_DIR", str(tmp_path / "data"))
    said = words(run("db", "backup", str(tmp_path / "b.backup"), code=2).output)
    assert "does not exist" in said
    assert not missing.exists()
    assert not (tmp_path / "b.backup").exists()


def test_a_backup_taken_during_ingest_is_one_consistent_snapshot(
    audit_env: Path, database_url: str
) -> None:
    events = [
        f.message(f"u{i % 7}", f"u{(i + 1) % 7}", "ok see you", minutes=i) for i in range(300)
    ]
    for i, event in enumerate(events):
        event["event_id"] = f"busy-{i:04d}"
    write_jsonl(Path("busy.jsonl"), events)
    run("db", "upgrade")
    ingest = subprocess.Popen(
        [*CLI, "ingest", "--batch-size", "5", "busy.jsonl"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    count = "SELECT count(*) FROM events"
    taken: list[tuple[int, int]] = []  # events stored just before and just after each backup
    while ingest.poll() is None:
        before = int(rows(database_url, count)[0][0])
        run("db", "backup", f"busy-{len(taken)}.backup")  # exits 1 if its chain did not verify
        taken.append((before, int(rows(database_url, count)[0][0])))
    assert ingest.wait() == 0, ingest.stderr.read() if ingest.stderr else ""
    mid_ingest = [i for i, (before, after) in enumerate(taken) if before > 0 and after < 300]
    assert mid_ingest, f"no backup fell mid-ingest: {taken}"

    middle = mid_ingest[0]
    empty_the_database(database_url, audit_env)
    restored = run("db", "restore", f"busy-{middle}.backup", "--yes", code=1)  # older than newest
    assert "rewritten" not in restored.output  # the chain is whole; only its newest part is gone
    stored = int(rows(database_url, count)[0][0])
    assert 0 < stored < 300
    assert stored % 5 == 0, f"{stored} events: a batch was cut in two"
