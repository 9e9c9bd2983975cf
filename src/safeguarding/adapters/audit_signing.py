"""Signing audit checkpoints with an Ed25519 key kept beside the data (or where configured).

The key never enters the database, so someone who can rewrite the audit tables still
cannot sign a checkpoint for the rewritten chain.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from safeguarding.domain.audit import AuditRecord, Checkpoint
from safeguarding.settings import Settings


def key_path(settings: Settings) -> Path:
    return Path(settings.audit_key_file or settings.data_dir / "audit-signing.key")


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key, or one made on first use and kept (mode 0600) under data_dir."""
    path = key_path(settings)
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return loaded
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return key


def public_hex(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def take(head: AuditRecord, key: Ed25519PrivateKey, now: datetime) -> Checkpoint:
    unsigned = Checkpoint(seq=head.seq, hash=head.hash, taken_at=now, public_key=public_hex(key))
    return unsigned.model_copy(update={"signature": key.sign(unsigned.payload()).hex()})


def signature_problem(checkpoint: Checkpoint, key: Ed25519PrivateKey) -> str | None:
    """None when the checkpoint was signed by this engine's key; else what is wrong."""
    if checkpoint.public_key != public_hex(key):
        return "it was signed by another key than this engine's"
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint.public_key))
    try:
        public.verify(bytes.fromhex(checkpoint.signature), checkpoint.payload())
    except (InvalidSignature, ValueError):
        return "its signature does not match its content"
    return None
