"""Preserved evidence: a content-addressed, encrypted copy of what a decision kept, with retention.

Evidence is kept by the SHA-256 of its content (the bytes of an upload, the UTF-8 of a
message), so the same image preserved from many events is stored once. Each preserved event
has its own record: when and by which rule it was kept, until when (a year by default),
whether a legal hold stops it expiring, and when it was purged. Reading content needs a
role and a reason; every read, hold and purge is in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EvidenceRecord(BaseModel):
    """What is known about one event's preserved evidence (never its content)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    content_sha256: str | None  # None: the event carried no content to copy
    content_kind: str | None = None  # "media" | "text"
    size: int | None = None
    hashes: dict[str, str] = Field(default_factory=dict)
    preserved_at: datetime
    preserved_by: str
    retain_until: datetime
    legal_hold: bool = False
    hold_reason: str | None = None
    purged_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return not self.legal_hold and self.purged_at is None and self.retain_until <= now


class EvidenceContent(BaseModel):
    """A record with the content it points to, for someone with a reason to read it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record: EvidenceRecord
    content: bytes
