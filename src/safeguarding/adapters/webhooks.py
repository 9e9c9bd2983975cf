"""Signed webhooks over HTTP.

Each delivery carries ``Safeguarding-Delivery`` (the outbox item id, for
de-duplication) and ``Safeguarding-Signature: t=<unix time>,v1=<hex>`` where
v1 is HMAC-SHA256 over ``<t>.<raw body>`` with the shared webhook secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

import httpx

from safeguarding.services.outbox import Undeliverable

# What a header value from us may hold: visible ASCII, no space, no CR or LF.
HEADER_SAFE = re.compile(r"^[\x21-\x7e]{1,200}$")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class HttpWebhookSender:
    """POSTs JSON to one URL, signed; a non-2xx answer is a failure to retry."""

    def __init__(self, url: str, secret: str, timeout: float = 5.0) -> None:
        self.url = url
        self.secret = secret
        self.client = httpx.Client(timeout=timeout)

    def send(self, delivery_id: str, topic: str, body: dict[str, object]) -> None:
        for name, value in (("delivery id", delivery_id), ("topic", topic)):
            if not HEADER_SAFE.match(value):
                raise Undeliverable(f"the {name} {value!r} cannot go in a header")
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "Safeguarding-Delivery": delivery_id,
            "Safeguarding-Topic": topic,
            "Safeguarding-Signature": signature(self.secret, int(time.time()), raw),
        }
        self.client.post(self.url, content=raw, headers=headers).raise_for_status()

    def close(self) -> None:
        self.client.close()
