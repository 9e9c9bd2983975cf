"""Verify the webhooks Safeguarding sends, before trusting their bodies.

Two signature formats are understood, both HMAC-SHA256 over the **raw** body:

- ``Safeguarding-Signature: t=<unix time>,v1=<hex>``, keyed with the webhook secret's UTF-8
  bytes, over ``<t>.`` followed by the body;
- Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id``, ``webhook-timestamp``
  and ``webhook-signature: v1,<base64>`` (several space-separated while a secret rotates),
  keyed with the bytes of a ``whsec_<base64>`` secret (any other secret: its UTF-8 bytes, as
  the server keys it), over ``<id>.<timestamp>.<body>``.

A timestamp further than ``tolerance`` seconds from now, in either direction, is refused, so
a captured delivery cannot be replayed later. Every function takes one secret or several (the
old and the new while rotating) and raises ``WebhookVerificationError`` unless one matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

DEFAULT_TOLERANCE = 300
SECRET_PREFIX = "whsec_"


class WebhookVerificationError(Exception):
    """The delivery is not signed by a known secret, or is too old or too new to trust."""


def verify_webhook(
    secrets: str | Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Any:
    """The parsed body of a delivery signed in either format; Standard Webhooks first."""
    lower = {k.lower(): v for k, v in headers.items()}
    if "webhook-signature" in lower:
        return verify_standard_webhook(secrets, lower, body, tolerance=tolerance, now=now)
    if "safeguarding-signature" in lower:
        header = lower["safeguarding-signature"]
        return verify_safeguarding_signature(secrets, header, body, tolerance=tolerance, now=now)
    raise WebhookVerificationError("no webhook-signature or Safeguarding-Signature header")


def verify_safeguarding_signature(
    secrets: str | Iterable[str],
    header: str,
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Any:
    """The parsed body when ``header`` (Safeguarding-Signature) signs ``body`` and is recent."""
    timestamp, given = _safeguarding_fields(header)
    _check_time(timestamp, tolerance, now)
    signed = f"{timestamp}.".encode() + body

    def sign(secret: str) -> str:
        return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()

    return _signed_body(secrets, sign, given, body)


def verify_standard_webhook(
    secrets: str | Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Any:
    """The parsed body when the Standard Webhooks headers sign ``body`` and are recent."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lower["webhook-id"]
        timestamp = int(lower["webhook-timestamp"])
        signatures = lower["webhook-signature"]
    except (KeyError, ValueError) as exc:
        raise WebhookVerificationError("missing or malformed webhook-* headers") from exc
    _check_time(timestamp, tolerance, now)
    given = [
        value
        for version, _, value in (s.partition(",") for s in signatures.split())
        if version == "v1"
    ]
    signed = f"{msg_id}.{timestamp}.".encode() + body

    def sign(secret: str) -> str:
        digest = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    return _signed_body(secrets, sign, given, body)


def standard_key(secret: str) -> bytes:
    """The key bytes of a Standard Webhooks secret (``whsec_`` and base64, padded or not);
    any other secret is keyed with its UTF-8 bytes, as the server signs with it."""
    if not secret.startswith(SECRET_PREFIX):
        if not secret:
            raise WebhookVerificationError("the webhook secret is empty")
        return secret.encode()
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError("the secret is not whsec_ followed by base64") from exc
    if not key:
        raise WebhookVerificationError("the webhook secret is empty")
    return key


def _signed_body(
    secrets: str | Iterable[str], sign: Callable[[str], str], given: list[str], body: bytes
) -> Any:
    """The parsed body when a secret's signature (compared in constant time) is ``given``."""
    for secret in _listed(secrets):
        expected = sign(secret)
        if any(hmac.compare_digest(expected, g) for g in given):
            return json.loads(body)
    raise WebhookVerificationError("no signature matches a known secret")


def _safeguarding_fields(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    given: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            given.append(value)
    if timestamp is None or not given:
        raise WebhookVerificationError("Safeguarding-Signature needs t=<unix time>,v1=<hex>")
    return timestamp, given


def _check_time(timestamp: int, tolerance: int, now: float | None) -> None:
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError(
            f"timestamp {timestamp} is more than {tolerance} s from now; refusing a replay"
        )


def _listed(secrets: str | Iterable[str]) -> list[str]:
    return [secrets] if isinstance(secrets, str) else list(secrets)
