"""The audit log's records: append-only and hash-chained.

Each record commits to the one before it (``prev_hash``), so editing,
deleting or reordering a stored record breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

GENESIS_HASH = "0" * 64


class AuditEntry(BaseModel):
    """What happened, before it has a place in the chain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any] = {}

    def chained(self, seq: int, prev_hash: str) -> AuditRecord:
        digest = record_hash(seq, self, prev_hash)
        return AuditRecord.model_construct(
            seq=seq,
            prev_hash=prev_hash,
            hash=digest,
            at=self.at,
            actor=self.actor,
            action=self.action,
            subject=self.subject,
            details=self.details,
        )


class AuditRecord(AuditEntry):
    """An entry in its place: sequence number, previous record's hash, its own hash."""

    seq: int
    prev_hash: str
    hash: str

    def entry(self) -> AuditEntry:
        return AuditEntry(
            at=self.at,
            actor=self.actor,
            action=self.action,
            subject=self.subject,
            details=self.details,
        )


def record_hash(seq: int, entry: AuditEntry, prev_hash: str) -> str:
    payload = {
        "seq": seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
        "prev": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ChainBreak(BaseModel):
    """Where a chain stops verifying, and why."""

    model_config = ConfigDict(frozen=True)

    seq: int
    reason: str


def first_break(records: Iterable[AuditRecord]) -> ChainBreak | None:
    """Walk the chain in order and name the first record that does not verify."""
    expected_prev, expected_seq = GENESIS_HASH, 1
    for record in records:
        if record.seq != expected_seq:
            return ChainBreak(seq=record.seq, reason=f"expected record {expected_seq} here")
        if record.prev_hash != expected_prev:
            return ChainBreak(seq=record.seq, reason="does not follow the record before it")
        if record_hash(record.seq, record.entry(), record.prev_hash) != record.hash:
            return ChainBreak(seq=record.seq, reason="content does not match its hash")
        expected_prev, expected_seq = record.hash, expected_seq + 1
    return None


class Checkpoint(BaseModel):
    """The chain's head at a moment, signed, for a third party to keep.

    A plain chain catches edits, deletions and reordering, but not someone with database
    access who rewrites a record and recomputes every hash after it. A checkpoint held
    outside the database catches that: the rewritten chain no longer has the hash the
    checkpoint recorded at its sequence number.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    hash: str
    taken_at: datetime
    public_key: str  # hex, Ed25519: whoever holds the file can check the signature
    signature: str = ""  # hex, over ``payload()``

    def payload(self) -> bytes:
        fields = {"seq": self.seq, "hash": self.hash, "taken_at": self.taken_at.isoformat()}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_break(records: Iterable[AuditRecord], checkpoint: Checkpoint) -> ChainBreak | None:
    """Whether the chain still holds, at the checkpoint's sequence number, the hash it recorded."""
    for record in records:
        if record.seq == checkpoint.seq:
            if record.hash != checkpoint.hash:
                taken = checkpoint.taken_at.strftime("%Y-%m-%d %H:%M")
                return ChainBreak(
                    seq=record.seq,
                    reason=f"differs from the checkpoint taken at {taken} UTC: "
                    "the chain was rewritten",
                )
            return None
    return ChainBreak(seq=checkpoint.seq, reason="is missing, but a checkpoint recorded it")
