"""Preserved evidence, authority reports and retention in memory (``uow.evidence``,
``uow.reports``, ``uow.retention``), as the SQL repositories of ``evidence.py``,
``events.py`` and ``retention.py`` keep them.

Evidence is content-addressed: media by its SHA-256, text by a keyed digest under this store's
own key (a SHA-256 of a message would confirm a guess at it), so the same content preserved
from many events is kept once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from datetime import datetime

from safeguarding.adapters.storage.evidence_content import content_of, hashes_of
from safeguarding.adapters.storage.memory.state import Repository, StoredRow
from safeguarding.domain.cases import CaseStatus
from safeguarding.domain.complaints import ComplaintStatus
from safeguarding.domain.events import Event
from safeguarding.domain.evidence import EvidenceRecord
from safeguarding.domain.redaction import content_free
from safeguarding.domain.reports import ReportRecord, ReportStatus

UNDECIDED = frozenset({CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED})
TEXT_ADDRESS_KEY_ID = "memory"


class MemoryEvidence(Repository):
    """``EvidenceStore`` in memory."""

    def preserve(self, event_id: str, at: datetime, until: datetime, by: str) -> bool:
        """Keep the event's content (once per content) and its record; False if kept already."""
        if event_id in self.s.evidence:
            return False
        row = self.s.events.get(event_id)
        content, kind = content_of(row.event) if row else (None, None)
        address = self._address(content, kind) if content is not None else None
        if content is not None and address is not None:
            self.s.evidence_content.setdefault(address, content)
        self.s.evidence[event_id] = EvidenceRecord(
            event_id=event_id,
            content_sha256=address,
            content_kind=kind,
            size=len(content) if content is not None else None,
            hashes=hashes_of(row.event) if row else {},
            preserved_at=at,
            preserved_by=by,
            retain_until=until,
        )
        return True

    def _address(self, content: bytes, kind: str | None) -> str:
        if kind == "text":
            digest = hmac.new(self.s.digest_key, content, hashlib.sha256).hexdigest()
            return f"{TEXT_ADDRESS_KEY_ID}:{digest}"
        return hashlib.sha256(content).hexdigest()

    def get(self, event_id: str) -> EvidenceRecord | None:
        return self.s.evidence.get(event_id)

    def content(self, sha256: str) -> bytes | None:
        return self.s.evidence_content.get(sha256)

    def expired(self, now: datetime, limit: int) -> list[EvidenceRecord]:
        due = [r for r in self.s.evidence.values() if r.expired(now)]
        return sorted(due, key=lambda r: (r.retain_until, r.event_id))[:limit]

    def purge(self, event_id: str, at: datetime) -> bool:
        """Mark the record purged; drop the content once no unpurged record points to it."""
        record = self.s.evidence.get(event_id)
        if record is None or record.purged_at is not None:
            return False
        self.s.evidence[event_id] = record.model_copy(update={"purged_at": at})
        address = record.content_sha256
        still = any(
            r.content_sha256 == address and r.purged_at is None for r in self.s.evidence.values()
        )
        if address is not None and not still:
            self.s.evidence_content.pop(address, None)
        return True

    def hold(self, event_id: str, reason: str | None) -> bool:
        """Set (a reason) or lift (None) a legal hold; False when there is no such record."""
        record = self.s.evidence.get(event_id)
        if record is None or record.purged_at is not None:
            return False
        held = {"legal_hold": reason is not None, "hold_reason": reason}
        self.s.evidence[event_id] = record.model_copy(update=held)
        return True


class MemoryReports(Repository):
    """``ReportStore`` in memory."""

    def draft(self, event_id: str, authority: str, at: datetime) -> bool:
        if (event_id, authority) in self.s.reports:
            return False
        self.s.reports[event_id, authority] = ReportRecord(
            event_id=event_id,
            authority=authority,
            status=ReportStatus.AWAITING_CONFIRMATION,
            created_at=at,
        )
        return True

    def recent(self, limit: int = 500) -> list[ReportRecord]:
        by_event = sorted(self.s.reports.values(), key=lambda r: r.event_id)
        return sorted(by_event, key=lambda r: r.created_at, reverse=True)[:limit]

    def get(self, event_id: str, authority: str) -> ReportRecord | None:
        return self.s.reports.get((event_id, authority))

    def put(self, report: ReportRecord) -> None:
        key = (report.event_id, report.authority)
        if key in self.s.reports:
            self.s.reports[key] = report

    def for_events(self, event_ids: Collection[str]) -> list[ReportRecord]:
        wanted = set(event_ids)
        found = [r for r in self.s.reports.values() if r.event_id in wanted]
        return sorted(found, key=lambda r: (r.created_at, r.event_id, r.authority))


class MemoryRetention(Repository):
    """``RetentionStore`` in memory."""

    def past_retention(self, cutoffs: Mapping[str, datetime], limit: int) -> list[str]:
        """Events whose content is past its type's cutoff, not yet removed, and kept by
        nothing: no unpurged evidence, no undecided case, no open complaint or appeal."""
        kept = self._kept()
        return [
            row.event.event_id
            for row in self.s.events.values()
            if row.content_removed_at is None
            and row.event.type in cutoffs
            and row.received_at < cutoffs[row.event.type]
            and row.event.event_id not in kept
        ][:limit]

    def _kept(self) -> set[str]:
        evidence = {e for e, r in self.s.evidence.items() if r.purged_at is None}
        cased = {
            e for r in self.s.cases.values() if r.case.status in UNDECIDED for e in r.case.event_ids
        }
        complained = {
            c.event_id
            for c in self.s.complaints.values()
            if c.status is ComplaintStatus.OPEN and c.event_id is not None
        }
        return evidence | cased | complained

    def remove_content(self, tombstone: Event, at: datetime) -> None:
        """Replace the event with its tombstone, keep its decision without what it quoted of
        the content, and drop the report package made from it (its status and dates stay)."""
        row = self.s.events.get(tombstone.event_id)
        if row is not None:
            row.event, row.content_removed_at = tombstone, at
            row.decision = content_free(row.decision)
        for key, report in self.s.reports.items():
            if key[0] == tombstone.event_id:
                self.s.reports[key] = report.model_copy(update={"package": None})

    def content_removed_at(self, event_id: str) -> datetime | None:
        row: StoredRow | None = self.s.events.get(event_id)
        return row.content_removed_at if row else None
