"""Signed webhooks over HTTP, in the Standard Webhooks format and our older one.

Each delivery carries, for any Standard Webhooks library (https://www.standardwebhooks.com):

- ``webhook-id``: the outbox item id, the same on every retry (drop repeats by it);
- ``webhook-timestamp``: unix seconds when this attempt was signed;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<raw body>">``, one
  per secret, separated by spaces (two while a secret is being rotated).

and, for receivers written before, ``Safeguarding-Delivery`` (the same id),
``Safeguarding-Topic`` and ``Safeguarding-Signature: t=<unix time>,v1=<hex>[,v1=<hex>]`` where
each v1 is HMAC-SHA256 over ``<t>.<raw body>``.

A secret written ``whsec_<base64>`` is keyed with the decoded bytes, as the spec says; any
other secret is keyed with its UTF-8 bytes (so a plain secret ``s`` is ``whsec_`` followed by
base64 of ``s`` to a Standard Webhooks library).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Sequence

import httpx

from safeguarding.services.outbox import Undeliverable

# What a header value from us may hold: visible ASCII, no space, no CR or LF.
HEADER_SAFE = re.compile(r"^[\x21-\x7e]{1,200}$")
SECRET_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    """The HMAC key of a secret: base64-decoded after ``whsec_``, else the secret's bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ValueError("a whsec_ secret must be followed by a non-empty base64 key")
    return key


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def signature(secret: str | Sequence[str], timestamp: int, body: bytes) -> str:
    """The ``Safeguarding-Signature`` value: ``t=<timestamp>`` and one ``v1=<hex>`` per secret."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    signed = f"{timestamp}.".encode() + body
    return ",".join(
        [f"t={timestamp}"] + [f"v1={_mac(signing_key(s), signed).hex()}" for s in secrets]
    )


def standard_signature(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,<base64>`` per secret, space-separated."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    macs = [base64.b64encode(_mac(signing_key(s), signed)).decode() for s in secrets]
    return " ".join(f"v1,{mac}" for mac in macs)


def signed_headers(
    secrets: Sequence[str], delivery_id: str, topic: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Every header of one delivery, both formats."""
    return {
        "Content-Type": "application/json",
        "webhook-id": delivery_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(secrets, delivery_id, timestamp, body),
        "Safeguarding-Delivery": delivery_id,
        "Safeguarding-Topic": topic,
        "Safeguarding-Signature": signature(secrets, timestamp, body),
    }


class HttpWebhookSender:
    """POSTs JSON to one URL, signed with each secret given (the current one first); a non-2xx
    answer is a failure to retry."""

    def __init__(self, url: str, secrets: str | Sequence[str], timeout: float = 5.0) -> None:
        self.url = url
        self.secrets = [secrets] if isinstance(secrets, str) else list(secrets)
        for secret in self.secrets:
            signing_key(secret)  # a malformed whsec_ secret stops start-up, not each delivery
        self.client = httpx.Client(timeout=timeout)

    def send(self, delivery_id: str, topic: str, body: dict[str, object]) -> None:
        for name, value in (("delivery id", delivery_id), ("topic", topic)):
            if not HEADER_SAFE.match(value):
                raise Undeliverable(f"the {name} {value!r} cannot go in a header")
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        headers = signed_headers(self.secrets, delivery_id, topic, int(time.time()), raw)
        self.client.post(self.url, content=raw, headers=headers).raise_for_status()

    def close(self) -> None:
        self.client.close()
