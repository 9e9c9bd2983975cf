"""`safeguarding audit verify` catches the newest audit records being deleted, up to the newest
signed checkpoint in the checkpoint folder, on SQLite and PostgreSQL; and the signing key lives
out of the data folder (an existing install's key is moved there, still verifying)."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text

from safeguarding.adapters.audit_signing import public_hex
from tests import factories as f
from tests.cli.cli_env import cli_environment, run, words, write_jsonl

EVENTS = 10
CHECKPOINT_EVERY = 5


@pytest.fixture
def audit_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI over this backend, checkpoints every 5 records into data/audit-checkpoints."""
    return cli_environment(
        monkeypatch,
        tmp_path,
        database_url=database_url,
        width=200,
        audit_checkpoint_records=str(CHECKPOINT_EVERY),
    )


def ingest_one_per_record() -> None:
    """Ten events, one transaction (and so one audit record) each; ingest then checkpoints."""
    events = [f.message("a1", "a2", "see you at practice", minutes=i) for i in range(EVENTS)]
    for i, event in enumerate(events):
        event["event_id"] = f"audit-{i:03d}"
    write_jsonl(Path("events.jsonl"), events)
    run("ingest", "--batch-size", "1", "events.jsonl")


def sql(database_url: str, statement: str) -> Any:
    """Run one statement as someone with direct database access; its one value, if any."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def head_seq(database_url: str) -> int:
    return int(sql(database_url, "SELECT max(seq) FROM audit_log"))


def checkpoint_files(root: Path) -> list[Path]:
    return sorted((root / "data" / "audit-checkpoints").glob("checkpoint-*.json"))


def test_ingest_makes_a_checkpoint_of_the_head_after_n_records(
    audit_env: Path, database_url: str
) -> None:
    ingest_one_per_record()
    head = head_seq(database_url)
    files = checkpoint_files(audit_env)
    assert [json.loads(p.read_text())["seq"] for p in files] == [head]
    newest = sql(database_url, "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert newest == "audit.checkpoint"  # the checkpoint covers its own record


def test_an_untouched_chain_verifies_and_says_how_old_the_newest_checkpoint_is(
    audit_env: Path, database_url: str
) -> None:
    ingest_one_per_record()
    head = head_seq(database_url)
    out = words(run("audit", "verify").stdout)
    assert f"audit chain verifies: {head} records" in out
    assert re.search(
        rf"newest checkpoint: record {head}, taken \d{{4}}-\d\d-\d\d \d\d:\d\d UTC "
        r"\(\d+ minutes? ago\)",
        out,
    ), out


@pytest.mark.parametrize("deleted", [1, 5, "all"])
def test_deleting_the_newest_records_after_a_checkpoint_fails_verify_naming_them(
    audit_env: Path, database_url: str, deleted: int | str
) -> None:
    ingest_one_per_record()
    head = head_seq(database_url)
    keep = 0 if deleted == "all" else head - int(deleted)
    sql(database_url, f"DELETE FROM audit_log WHERE seq > {keep}")

    result = run("audit", "verify", code=1)
    missing = f"record {head} is" if keep == head - 1 else f"records {keep + 1}-{head} are"
    ends = f"the chain ends at record {keep}" if keep else "the audit log is empty"
    assert (
        f"audit chain broken at record {keep + 1}: {missing} missing: {ends}, "
        f"but the checkpoint taken at"
    ) in words(result.stderr)
    assert f"recorded record {head}" in words(result.stderr)
    assert f"newest checkpoint: record {head}" in words(result.stdout)


def test_a_forged_checkpoint_in_the_folder_is_reported(audit_env: Path) -> None:
    ingest_one_per_record()
    (held,) = checkpoint_files(audit_env)
    forged = json.loads(held.read_text()) | {"seq": 10_000}  # claims a longer chain
    held.write_text(json.dumps(forged))
    result = run("audit", "verify", code=1)
    assert f"checkpoint {held} is not to be trusted: its signature does not match its content" in (
        words(result.stderr)
    )


def test_the_signing_key_is_made_outside_the_data_folder_and_kept_private(audit_env: Path) -> None:
    ingest_one_per_record()
    data = audit_env / "data"
    assert not (data / "audit-signing.key").exists()
    key = audit_env / "data-keys" / "audit-signing.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    (held,) = checkpoint_files(audit_env)
    assert json.loads(held.read_text())["public_key"] == public_hex(_load(key))


def test_an_existing_install_s_key_is_moved_out_of_the_data_folder_and_still_verifies(
    audit_env: Path,
) -> None:
    """Before: the key was made at data/audit-signing.key, and checkpoints were signed by it."""
    legacy = audit_env / "data" / "audit-signing.key"
    legacy.parent.mkdir(parents=True)
    old_key = Ed25519PrivateKey.generate()
    legacy.write_bytes(
        old_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    legacy.chmod(0o600)
    ingest_one_per_record()
    moved = audit_env / "data-keys" / "audit-signing.key"
    assert not legacy.exists()
    assert public_hex(_load(moved)) == public_hex(old_key)
    assert "audit chain verifies" in run("audit", "verify").stdout


def _load(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key
