"""The evidence part of the unit of work: content-addressed sealed copies and their records.

Media is addressed by its SHA-256, text by a keyed digest (see ``_address``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from safeguarding.adapters.storage.crypto import EVIDENCE_TEXT
from safeguarding.adapters.storage.evidence_content import content_of, hashes_of
from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.events import read_event
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.domain.evidence import EvidenceRecord


class EvidenceRows(Rows):
    """Evidence rows to and from domain objects."""

    def preserve(self, event_id: str, at: datetime, until: datetime, by: str) -> bool:
        """Keep a sealed copy of the event's content (once per content) and its record."""
        if self.get(event_id) is not None:
            return False
        event = read_event(self.conn, self.cipher, event_id)
        content, kind = content_of(event) if event is not None else (None, None)
        digest = self._address(content, kind) if content is not None else None
        if content is not None and digest is not None:
            self._store_content(digest, content, at)
        self.conn.execute(
            t.evidence.insert().values(
                event_id=event_id,
                preserved_at=at,
                retain_until=until,
                preserved_by=by,
                legal_hold=False,
                content_sha256=digest,
                content_kind=kind,
                size=len(content) if content is not None else None,
                hashes=hashes_of(event) if event is not None else {},
            )
        )
        return True

    def _address(self, content: bytes, kind: str | None) -> str:
        """Media by its SHA-256 (the hash lists' common name for it); text by a keyed digest,
        since a SHA-256 of a message would confirm a guess at it."""
        if kind == "text":
            return self.cipher.keyed_digest(content, EVIDENCE_TEXT)
        return hashlib.sha256(content).hexdigest()

    def _store_content(self, digest: str, content: bytes, at: datetime) -> None:
        found = self.conn.execute(
            select(t.evidence_content.c.sha256).where(t.evidence_content.c.sha256 == digest)
        ).first()
        if found is None:
            key_id, sealed = self.cipher.seal(content, digest.encode())
            self.conn.execute(
                t.evidence_content.insert().values(
                    sha256=digest, key_id=key_id, sealed=sealed, size=len(content), stored_at=at
                )
            )

    def get(self, event_id: str) -> EvidenceRecord | None:
        row = self.conn.execute(select(t.evidence).where(t.evidence.c.event_id == event_id)).first()
        return _record(row) if row else None

    def content(self, sha256: str) -> bytes | None:
        row = self.conn.execute(
            select(t.evidence_content).where(t.evidence_content.c.sha256 == sha256)
        ).first()
        return self.cipher.open(row.key_id, row.sealed, sha256.encode()) if row else None

    def expired(self, now: datetime, limit: int) -> list[EvidenceRecord]:
        e = t.evidence.c
        rows = self.conn.execute(
            select(t.evidence)
            .where(e.retain_until <= now, e.legal_hold.is_(False), e.purged_at.is_(None))
            .order_by(e.retain_until, e.event_id)
            .limit(limit)
        )
        return [_record(row) for row in rows]

    def purge(self, event_id: str, at: datetime) -> bool:
        """Mark the record purged; drop the content once no unpurged record points to it."""
        record = self.get(event_id)
        if record is None or record.purged_at is not None:
            return False
        e = t.evidence.c
        self.conn.execute(update(t.evidence).where(e.event_id == event_id).values(purged_at=at))
        if record.content_sha256 is not None:
            still = self.conn.execute(
                select(func.count())
                .select_from(t.evidence)
                .where(e.content_sha256 == record.content_sha256, e.purged_at.is_(None))
            ).scalar()
            if not still:
                self.conn.execute(
                    t.evidence_content.delete().where(
                        t.evidence_content.c.sha256 == record.content_sha256
                    )
                )
        return True

    def hold(self, event_id: str, reason: str | None) -> bool:
        """Set (a reason) or lift (None) a legal hold; False when there is no such record."""
        e = t.evidence.c
        done = self.conn.execute(
            update(t.evidence)
            .where(e.event_id == event_id, e.purged_at.is_(None))
            .values(legal_hold=reason is not None, hold_reason=reason)
        )
        return bool(done.rowcount)


def _record(row: Any) -> EvidenceRecord:
    data = row._asdict()
    data["hashes"] = data.get("hashes") or {}
    return EvidenceRecord.model_validate(data)
