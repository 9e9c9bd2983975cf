"""The disk under the SQLite database fills up during ingest: the API answers 503 with
Retry-After (never 500, never an acknowledgement it cannot keep), and once space is freed it
recovers by itself, every acknowledged event stored once and the audit chain whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from safeguarding.domain.access import Role
from tests import factories as f
from tests.servers import process_env, running_server, server_environment
from tests.underneath import fill, small_file_system

pytestmark = pytest.mark.xdist_group("faults")


def batch(n: int) -> list[dict]:
    words = "see you at practice on saturday, bring the new kit and the water bottle " * 20
    events = [f.message(f"p{n}", f"q{n}", words, minutes=i) for i in range(20)]
    for i, event in enumerate(events):
        event["event_id"] = f"disk-{n:04d}-{i:02d}"
    return events


def test_a_full_disk_answers_503_and_recovers_when_space_returns(tmp_path: Path) -> None:
    with small_file_system(tmp_path / "small", 24) as folder:
        with running_server(folder / "server") as server:
            acknowledged, answers = set(), []
            headers = {"Authorization": f"Bearer {server.keys[Role.PLATFORM]}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                for n in range(3):
                    acknowledged |= send(client, batch(n), answers)
                filler = fill(folder)
                for n in range(3, 40):
                    acknowledged |= send(client, batch(n), answers)
                    if 503 in answers:
                        break
                full = [a for a in answers[3:] if a != 200]
                filler.unlink()
                for n in range(40, 45):
                    acknowledged |= send(client, batch(n), answers)
            assert 503 in full, f"the full disk never showed: {answers}"
            assert set(answers) <= {200, 503}, answers
            assert answers[-5:] == [200] * 5, "it did not recover by itself"
        database = folder / "server" / "server.db"
        stored = stored_ids(f"sqlite:///{database}")
        assert acknowledged <= set(stored)
        assert len(stored) == len(set(stored))
        verified = subprocess.run(
            [sys.executable, "-m", "safeguarding.adapters.cli.main", "audit", "verify"],
            env=process_env(server_environment(folder / "server", None, {})),
            capture_output=True,
            text=True,
            check=False,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr


def send(client: httpx.Client, events: list[dict], answers: list[int]) -> set[str]:
    """Post one batch; the ids acknowledged (none unless 200). A 503 must say when to retry."""
    answer = client.post("/v1/events", json={"events": events})
    answers.append(answer.status_code)
    if answer.status_code == 503:
        assert int(answer.headers["Retry-After"]) > 0
        assert answer.headers["content-type"].startswith("application/problem+json")
    return {e["event_id"] for e in events} if answer.status_code == 200 else set()


def stored_ids(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT event_id FROM events")).scalars())
    finally:
        engine.dispose()
