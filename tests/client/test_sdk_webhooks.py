"""The SDK's webhook verification: deliveries signed by the server's own sender, and Standard
Webhooks signatures made by the reference ``standardwebhooks`` package."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import standardwebhooks
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.adapters.webhooks import HttpWebhookSender
from safeguarding.client import (
    WebhookVerificationError,
    verify_safeguarding_signature,
    verify_standard_webhook,
    verify_webhook,
)

SECRET = "whsec_" + base64.b64encode(b"a shared secret of 32 bytes!....").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"the secret before the rotation..").decode()
PAYLOAD = {"event_id": "media-000042", "topic": "abuse_imagery", "verdict": "block"}


@contextmanager
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A local endpoint that keeps every delivery's headers and raw body."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_delivery_from_the_server_sender_verifies() -> None:
    with receiver() as (url, received):
        sender = HttpWebhookSender(url, "plain-secret")
        sender.send("obx_1", "abuse_imagery", PAYLOAD)
        sender.close()
    headers, body = received[0]
    assert verify_webhook(["old-secret", "plain-secret"], headers, body) == PAYLOAD
    with pytest.raises(WebhookVerificationError):
        verify_webhook("another-secret", headers, body)
    with pytest.raises(WebhookVerificationError):
        verify_webhook("plain-secret", headers, body.replace(b"block", b"allow"))
    header = headers["Safeguarding-Signature"]
    with pytest.raises(WebhookVerificationError, match="from now"):
        verify_safeguarding_signature("plain-secret", header, body, now=time.time() + 3600)


def standard_headers(secret: str, msg_id: str, at: datetime, body: bytes) -> dict[str, str]:
    signature = standardwebhooks.Webhook(secret).sign(msg_id, at, body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


@given(
    msg_id=st.from_regex(r"msg_[A-Za-z0-9]{1,30}", fullmatch=True),
    body=st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=5),
)
def test_standard_webhooks_signed_by_the_reference_package_verify(
    msg_id: str, body: dict[str, str]
) -> None:
    raw = json.dumps(body).encode()
    headers = standard_headers(SECRET, msg_id, datetime.now(UTC), raw)
    assert verify_standard_webhook(SECRET, headers, raw) == body
    with pytest.raises(WebhookVerificationError):
        verify_standard_webhook(SECRET, headers, raw + b" ")
    with pytest.raises(WebhookVerificationError):
        verify_standard_webhook(SECRET, {**headers, "webhook-id": msg_id + "x"}, raw)


def test_standard_webhooks_rotation_tolerance_and_reference_agreement() -> None:
    raw = json.dumps(PAYLOAD).encode()
    now = datetime.now(UTC)
    old = standard_headers(OLD_SECRET, "msg_1", now, raw)
    new = standard_headers(SECRET, "msg_1", now, raw)
    both = {**new, "webhook-signature": f"{old['webhook-signature']} {new['webhook-signature']}"}
    assert verify_webhook([SECRET], both, raw) == PAYLOAD
    assert verify_webhook([OLD_SECRET], both, raw) == PAYLOAD
    # What the SDK accepts the reference package accepts too (and the other way round).
    assert standardwebhooks.Webhook(SECRET).verify(raw, both) == PAYLOAD
    stale = standard_headers(
        SECRET, "msg_2", datetime.fromtimestamp(now.timestamp() - 600, UTC), raw
    )
    with pytest.raises(WebhookVerificationError, match="replay"):
        verify_standard_webhook(SECRET, stale, raw)
    assert verify_standard_webhook(SECRET, stale, raw, tolerance=900) == PAYLOAD
    with pytest.raises(WebhookVerificationError, match="no webhook-signature"):
        verify_webhook(SECRET, {}, raw)
