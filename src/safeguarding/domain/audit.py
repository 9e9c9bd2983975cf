"""The audit log's records: append-only and hash-chained.

Each record commits to the one before it (``prev_hash``), so editing,
deleting or reordering a stored record breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from safeguarding.domain.audit_actions import AuditAction

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
    checkpoint recorded at its sequence number. It also catches the newest records being
    deleted, up to its own record: a chain that ends before ``seq`` was cut short.
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


CHECKPOINT_ACTION = AuditAction.CHECKPOINT.value  # the record each automatic checkpoint signs


def checkpoint_breaks(
    records: Sequence[AuditRecord], checkpoints: Iterable[Checkpoint]
) -> list[ChainBreak]:
    """Where the chain no longer matches the checkpoints: each rewritten record, then a
    cut-off tail (named once, for the newest checkpoint past the chain's end).

    Records are in chain order. A chain that ends before a checkpoint's record lost its
    newest records; the break names the missing range.
    """
    hashes = {record.seq: record.hash for record in records}
    last = records[-1].seq if records else 0
    ordered = sorted(checkpoints, key=lambda c: c.seq)
    breaks = [
        ChainBreak(
            seq=checkpoint.seq,
            reason=f"differs from the checkpoint taken at {_when(checkpoint)} UTC: "
            "the chain was rewritten",
        )
        for checkpoint in ordered
        if checkpoint.seq <= last and hashes.get(checkpoint.seq) != checkpoint.hash
    ]
    if ordered and ordered[-1].seq > last:
        newest = ordered[-1]
        ends = f"the chain ends at record {last}" if last else "the audit log is empty"
        breaks.append(
            ChainBreak(
                seq=last + 1,
                reason=f"{_missing_range(last + 1, newest.seq)} missing: {ends}, but the "
                f"checkpoint taken at {_when(newest)} UTC recorded record {newest.seq}",
            )
        )
    return breaks


def _when(checkpoint: Checkpoint) -> str:
    return checkpoint.taken_at.strftime("%Y-%m-%d %H:%M")


def _missing_range(first: int, last: int) -> str:
    return f"record {first} is" if first == last else f"records {first}-{last} are"


def checkpoint_due(
    head_seq: int,
    last_seq: int,
    since: datetime | None,
    now: datetime,
    every_records: int,
    every_seconds: float,
) -> str | None:
    """Why a new checkpoint is due, or None: ``every_records`` records have followed the last
    one (or the chain's start), or ``every_seconds`` have passed since ``since`` and the chain
    grew. Zero turns a trigger off."""
    grown = head_seq - last_seq
    if grown <= 0:
        return None
    if every_records and grown >= every_records:
        return f"{grown} records since the last checkpoint"
    if every_seconds and since is not None and (now - since).total_seconds() >= every_seconds:
        return f"{every_seconds / 60:g} minutes since the last checkpoint"
    return None
