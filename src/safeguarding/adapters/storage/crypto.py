"""Encryption at rest for user content (message text, media bytes), with AES-GCM.

Every stored payload records the id of the key that sealed it, so keys can be
rotated: new writes use the active key, old rows stay readable while their key
is still in the key ring. The event id is bound in as associated data, so a
payload copied onto another row fails to open.

Digests of content (an event's fingerprint) are keyed the same way: an HMAC-SHA256 under a key
derived (HKDF) from a ring key for that one purpose, never the encryption key itself, written
``<key id>:<hex>``. Without the key ring a stored digest confirms no guess at the content; after
a rotation, old digests are still checked with the key they name while it is in the ring.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safeguarding.adapters.private_files import write_private
from safeguarding.domain.errors import SafeguardingError

NONCE_BYTES = 12
# The purposes keyed digests are made for; each gets its own derived key.
EVENT_FINGERPRINT = "event fingerprint"
EVIDENCE_TEXT = "text evidence address"


class KeyRingError(SafeguardingError):
    """A content key is missing, malformed, or cannot open a payload."""

    title = "Content key error"


class ContentCipher:
    """Seals and opens payloads with a key ring of named 256-bit keys."""

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if active not in keys:
            raise KeyRingError(f"the active key '{active}' is not in the key ring")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise KeyRingError(f"key '{key_id}' must be 32 bytes, got {len(key)}")
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._keys = dict(keys)
        self._purpose_keys: dict[tuple[str, str], bytes] = {}
        self.active = active

    def seal(self, plaintext: bytes, associated: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        return self.active, nonce + self._aead[self.active].encrypt(nonce, plaintext, associated)

    def open(self, key_id: str, sealed: bytes, associated: bytes) -> bytes:
        aead = self._aead.get(key_id)
        if aead is None:
            raise KeyRingError(f"payload sealed with key '{key_id}', which is not in the key ring")
        return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)

    def keyed_digest(self, data: bytes, purpose: str, key_id: str | None = None) -> str:
        """``<key id>:<hex HMAC-SHA256>`` of ``data`` under the purpose key of ``key_id``
        (the active key by default)."""
        key_id = key_id or self.active
        mac = hmac.new(self._purpose_key(key_id, purpose), data, hashlib.sha256).hexdigest()
        return f"{key_id}:{mac}"

    def digest_matches(self, stored: str, data: bytes, purpose: str) -> bool:
        """Whether ``stored`` (from ``keyed_digest``) is the digest of ``data``, checked with
        the key it names; a digest naming a key no longer in the ring raises KeyRingError."""
        key_id, sep, _ = stored.partition(":")
        if not sep:
            return False
        return hmac.compare_digest(stored, self.keyed_digest(data, purpose, key_id))

    def _purpose_key(self, key_id: str, purpose: str) -> bytes:
        found = self._purpose_keys.get((key_id, purpose))
        if found is None:
            key = self._keys.get(key_id)
            if key is None:
                raise KeyRingError(f"digest keyed with '{key_id}', which is not in the key ring")
            info = b"safeguarding keyed digest: " + purpose.encode()
            found = HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(key)
            self._purpose_keys[(key_id, purpose)] = found
        return found


def parse_key_ring(text: str) -> tuple[dict[str, bytes], str]:
    """Parse 'id:base64key' entries, one per line or comma-separated; the first is active."""
    keys: dict[str, bytes] = {}
    entries = [e.strip() for e in text.replace(",", "\n").splitlines() if e.strip()]
    for entry in entries:
        if entry.startswith("#"):
            continue
        key_id, sep, encoded = entry.partition(":")
        if not sep:
            raise KeyRingError("a key entry is 'id:base64-of-32-bytes'")
        try:
            keys[key_id] = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise KeyRingError(f"key '{key_id}' is not valid base64") from exc
    if not keys:
        raise KeyRingError("the key ring is empty")
    return keys, next(iter(keys))


def new_key_entry(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def cipher_from_file(path: Path, *, create: bool) -> ContentCipher:
    """Load a key file; create one (mode 0600) when asked and none exists."""
    if not path.exists():
        if not create:
            raise KeyRingError(f"content key file {path} does not exist")
        write_private(path, new_key_entry("k1") + "\n")
    keys, active = parse_key_ring(path.read_text())
    return ContentCipher(keys, active)
