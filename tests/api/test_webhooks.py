"""Signed webhooks reach a real HTTP receiver on loopback, and the signature verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from safeguarding.bootstrap import Container, build
from safeguarding.settings import Settings
from tests.conftest import make_settings
from tests.factories import benign_png, event, media

SECRET = "webhook-test-secret"
KNOWN = benign_png("webhook-known")


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks"
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(database_url: str, tmp_path, receiver: str) -> Settings:
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(hashlib.sha256(KNOWN).hexdigest() + "\n")
    return make_settings(
        database_url, tmp_path, sha256_list_path=hashes, webhook_url=receiver, webhook_secret=SECRET
    )


def verify(headers: dict[str, str], body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["Safeguarding-Signature"].split(","))
    expected = hmac.new(
        SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_notify_action_sends_one_signed_webhook_without_content(settings: Settings) -> None:
    container: Container = build(settings)
    try:
        container.ingest.ingest([event(media(data=KNOWN, event_id="upload-1"))], source="test")
        container.outbox.run_once()
        container.outbox.run_once()
    finally:
        container.close()
    ((headers, body),) = Receiver.received
    assert verify(headers, body)
    payload = json.loads(body)
    assert payload["event_id"] == "upload-1"
    assert payload["topic"] == "abuse_imagery"
    assert payload["verdict"] == "block"
    assert headers["Safeguarding-Delivery"] == payload["delivery_id"]
    assert "content_base64" not in body.decode()
