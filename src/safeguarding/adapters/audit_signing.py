"""Signing audit checkpoints with an Ed25519 key kept out of the database and its folder.

The key never enters the database, so someone who can rewrite the audit tables still
cannot sign a checkpoint for the rewritten chain. By default it lives in a folder of its own
beside the data folder (``<data_dir>-keys/``, mode 0700, the key 0600), not inside it, so
whoever can read or copy the data folder (a backup, a shared mount) does not get the key.
Installs that kept it at ``<data_dir>/audit-signing.key`` have it moved there on first use.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from safeguarding.domain.audit import AuditRecord, Checkpoint
from safeguarding.settings import Settings

log = logging.getLogger("safeguarding.audit")
KEY_NAME = "audit-signing.key"


def key_path(settings: Settings) -> Path:
    """SAFEGUARDING_AUDIT_KEY_FILE, else ``<data_dir>-keys/audit-signing.key``."""
    if settings.audit_key_file is not None:
        return Path(settings.audit_key_file)
    data = settings.data_dir.resolve()
    return data.with_name(data.name + "-keys") / KEY_NAME


def legacy_key_path(settings: Settings) -> Path:
    """Where versions before the move kept the key: inside the data folder."""
    return settings.data_dir / KEY_NAME


def prepare_key(settings: Settings) -> str | None:
    """Make sure the key is where it belongs; say what was done, if anything (for start-up)."""
    path = key_path(settings)
    if path.exists():
        return None
    legacy = legacy_key_path(settings)
    if settings.audit_key_file is None and legacy.exists():
        _move(legacy, path)
        return f"moved the audit signing key out of the data folder: {legacy} -> {path}"
    _create(path)
    return (
        f"no audit signing key was found, so a new one was made at {path}: back it up apart "
        "from the database (checkpoints signed by an earlier key no longer verify)"
    )


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The key, made (or moved from the data folder) on first use."""
    message = prepare_key(settings)
    if message is not None:
        log.warning(message)
    return _load(key_path(settings))


def existing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The key if there is one (moving it from the data folder if it is there), never made."""
    path = key_path(settings)
    movable = settings.audit_key_file is None and legacy_key_path(settings).exists()
    if not path.exists() and not movable:
        return None
    return signing_key(settings)


def _load(path: Path) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


def _private_folder(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _create(path: Path) -> None:
    """Write a new key as 0600; if another process made one meanwhile, keep theirs."""
    _private_folder(path)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    try:
        os.link(staged, path)  # fails if it exists: never replace a key in use
    except FileExistsError:
        pass
    finally:
        staged.unlink()


def _move(legacy: Path, path: Path) -> None:
    _private_folder(path)
    try:
        shutil.move(legacy, path)
    except FileNotFoundError:  # another process moved it first
        return
    path.chmod(0o600)


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


class KeySigner:
    """Signs checkpoints with the configured key, loaded (or made) on the first one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._key: Ed25519PrivateKey | None = None

    def sign(self, head: AuditRecord, now: datetime) -> Checkpoint:
        if self._key is None:
            self._key = signing_key(self.settings)
        return take(head, self._key, now)
