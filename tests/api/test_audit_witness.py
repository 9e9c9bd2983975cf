"""A real `safeguarding serve` makes a signed audit checkpoint every N records on its own, writes
it to the checkpoint folder, and POSTs it to a witness (here a small HTTP server on 127.0.0.1)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeguarding.adapters.audit_signing import public_hex, signature_problem
from safeguarding.domain.access import Role
from safeguarding.domain.audit import Checkpoint
from tests import factories as f
from tests.servers import running_server, server_database_url  # noqa: F401

WAIT_SECONDS = 30.0


class Witness:
    """Keeps every JSON body POSTed to it, as a witness on another host would."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        held = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                held.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/checkpoints"

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + WAIT_SECONDS
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"the witness got no checkpoint {count}"
            time.sleep(0.05)
        return list(self.received)


@pytest.fixture
def witness() -> Iterator[Witness]:
    held = Witness()
    thread = threading.Thread(target=held.server.serve_forever, daemon=True)
    thread.start()
    yield held
    held.server.shutdown()
    held.server.server_close()


def test_the_server_sends_a_signed_checkpoint_every_n_records_to_the_witness(
    tmp_path: Path,
    server_database_url: str | None,  # noqa: F811
    witness: Witness,
) -> None:
    settings = {
        "audit_checkpoint_records": "5",
        "audit_witness_url": witness.url,
        "outbox_poll_seconds": "0.05",
    }
    workdir = tmp_path / "server"
    with running_server(workdir, database_url=server_database_url, settings=settings) as server:
        with httpx.Client(base_url=server.base_url, headers=server.auth(Role.PLATFORM)) as client:
            for i in range(6):  # one request, one transaction, one audit record each
                event = f.message("w1", "w2", "see you at practice", minutes=i)
                response = client.post("/v1/events", json={"events": [event]}, timeout=30)
                assert response.status_code == 200, response.text
        (sent,) = witness.wait_for(1)[:1]
        stdout = (workdir / "server.stdout").read_text()

    checkpoint = Checkpoint.model_validate(sent)
    assert checkpoint.seq >= 5
    key = serialization.load_pem_private_key(
        (tmp_path / "server-keys" / "audit-signing.key").read_bytes(), password=None
    )
    assert isinstance(key, Ed25519PrivateKey)
    assert checkpoint.public_key == public_hex(key)
    assert signature_problem(checkpoint, key) is None
    kept = workdir / "audit-checkpoints" / f"checkpoint-{checkpoint.seq:012d}.json"
    assert Checkpoint.model_validate_json(kept.read_text()) == checkpoint
    assert "Audit:" in stdout
    assert "witness" in stdout
    assert "a new one was made at" in stdout  # the start-up said the key was missing
