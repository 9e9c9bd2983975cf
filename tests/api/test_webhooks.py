"""Signed webhooks reach a real HTTP receiver on loopback, and the signature verifies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import SecretStr
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from safeguarding.bootstrap import Container, build
from safeguarding.domain.errors import InvalidInput
from safeguarding.settings import Settings
from tests.conftest import make_settings
from tests.factories import benign_png, event, media
from tests.servers import serving

SECRET = "webhook-test-secret"
# Standard Webhooks secrets: "whsec_" and a base64 key (here the bytes of two phrases).
NEW_SECRET = "whsec_" + base64.b64encode(b"the new webhook key, 32 bytes ok").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"the old webhook key, being retired").decode()
KNOWN = benign_png("webhook-known")


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    fail: ClassVar[bool] = False  # answer 500, as a receiver that is down would

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(500 if Receiver.fail else 204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    with serving(Receiver) as base_url:
        yield f"{base_url}/hooks"


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


def deliver_one(settings: Settings, event_id: str = "upload-sw") -> tuple[dict[str, str], bytes]:
    """Ingest a known image; the outbox sends its notify webhook; the one request received."""
    container: Container = build(settings)
    try:
        container.ingest.ingest([event(media(data=KNOWN, event_id=event_id))], source="test")
        container.outbox.run_once()
        container.outbox.run_once()
    finally:
        container.close()
    ((headers, body),) = Receiver.received
    return headers, body


def test_notify_action_sends_one_signed_webhook_without_content(settings: Settings) -> None:
    headers, body = deliver_one(settings, "upload-1")
    assert verify(headers, body)
    payload = json.loads(body)
    assert payload["event_id"] == "upload-1"
    assert payload["topic"] == "abuse_imagery"
    assert payload["verdict"] == "block"
    assert headers["Safeguarding-Delivery"] == payload["delivery_id"]
    assert "content_base64" not in body.decode()


def test_standard_webhooks_library_verifies_each_secret_while_rotating(
    settings: Settings,
) -> None:
    """Both secrets sign during a rotation: a receiver on either verifies with the
    `standardwebhooks` package; a third secret does not, and the old header still verifies."""
    rotating = settings.model_copy(
        update={
            "webhook_secret": SecretStr(NEW_SECRET),
            "webhook_secret_previous": SecretStr(OLD_SECRET),
        }
    )
    headers, body = deliver_one(rotating)
    for secret in (NEW_SECRET, OLD_SECRET):
        payload = Webhook(secret).verify(body, headers)
        assert payload["event_id"] == "upload-sw"
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert headers["webhook-id"] == headers["Safeguarding-Delivery"] == payload["delivery_id"]
    stranger = "whsec_" + base64.b64encode(b"someone else's key").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger).verify(body, headers)
    given = [p.split("=", 1)[1] for p in headers["Safeguarding-Signature"].split(",")[1:]]
    timestamp = headers["webhook-timestamp"]
    new_key = base64.b64decode(NEW_SECRET.removeprefix("whsec_"))
    expected = hmac.new(new_key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert expected in given


def test_a_plain_secret_verifies_as_whsec_of_its_bytes(settings: Settings) -> None:
    headers, body = deliver_one(settings)
    assert verify(headers, body)
    Webhook("whsec_" + base64.b64encode(SECRET.encode()).decode()).verify(body, headers)


def test_a_whsec_secret_that_is_not_base64_stops_start_up(
    database_url: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match=r"WEBHOOK_SECRET.*base64"):
        make_settings(database_url, tmp_path, webhook_secret="whsec_not*base64!")
