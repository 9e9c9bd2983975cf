"""Encryption at rest for user content (message text, media bytes), with AES-GCM.

Every stored payload records the id of the key that sealed it, so keys can be
rotated: new writes use the active key, old rows stay readable while their key
is still in the key ring. The event id is bound in as associated data, so a
payload copied onto another row fails to open.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safeguarding.domain.errors import SafeguardingError

NONCE_BYTES = 12


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
        self.active = active

    def seal(self, plaintext: bytes, associated: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        return self.active, nonce + self._aead[self.active].encrypt(nonce, plaintext, associated)

    def open(self, key_id: str, sealed: bytes, associated: bytes) -> bytes:
        aead = self._aead.get(key_id)
        if aead is None:
            raise KeyRingError(f"payload sealed with key '{key_id}', which is not in the key ring")
        return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)


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
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_entry("k1") + "\n")
    keys, active = parse_key_ring(path.read_text())
    return ContentCipher(keys, active)
