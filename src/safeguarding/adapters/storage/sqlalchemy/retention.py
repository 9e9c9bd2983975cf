"""The retention part of the unit of work: finding content past its retention, and replacing
it with a tombstone in every table that holds it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, exists, or_, select, update

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.adapters.storage.sqlalchemy.schema import EncodedJson
from safeguarding.domain.cases import CaseStatus
from safeguarding.domain.complaints import ComplaintStatus
from safeguarding.domain.decisions import Decision
from safeguarding.domain.events import Event
from safeguarding.domain.redaction import content_free

UNDECIDED = (CaseStatus.OPEN.value, CaseStatus.IN_REVIEW.value, CaseStatus.ESCALATED.value)


class RetentionRows(Rows):
    """Retention queries and tombstones."""

    def past_retention(self, cutoffs: Mapping[str, datetime], limit: int) -> list[str]:
        """Events whose content is past its type's cutoff, not yet removed, and kept by
        nothing: no unpurged evidence (a legal hold keeps evidence unpurged), no undecided
        case, no open complaint or appeal about it."""
        e = t.events.c
        query = (
            select(e.event_id)
            .where(
                e.content_removed_at.is_(None),
                or_(*(and_(e.type == kind, e.received_at < cut) for kind, cut in cutoffs.items())),
                ~exists().where(
                    t.evidence.c.event_id == e.event_id, t.evidence.c.purged_at.is_(None)
                ),
                ~exists().where(
                    t.case_events.c.event_id == e.event_id,
                    t.cases.c.case_id == t.case_events.c.case_id,
                    t.cases.c.status.in_(UNDECIDED),
                ),
                ~exists().where(
                    t.complaints.c.event_id == e.event_id,
                    t.complaints.c.status == ComplaintStatus.OPEN.value,
                ),
            )
            .order_by(e.seq)
            .limit(limit)
        )
        return list(self.conn.execute(query).scalars())

    def remove_content(self, tombstone: Event, at: datetime) -> None:
        """Replace the event's sealed payload with its tombstone, keep its decision without
        what it quoted of the content (``domain/redaction.py``), and drop the report package
        made from it (its status and dates stay)."""
        key_id, sealed = self.cipher.seal(
            tombstone.model_dump_json().encode(), tombstone.event_id.encode()
        )
        this = t.events.c.event_id == tombstone.event_id
        values: dict[str, object] = {"key_id": key_id, "payload": sealed, "content_removed_at": at}
        if (row := self.conn.execute(select(t.events.c.decision).where(this)).first()) is not None:
            kept = content_free(Decision.model_validate(row.decision))
            values["decision"] = EncodedJson(kept.model_dump_json())
        self.conn.execute(update(t.events).where(this).values(**values))
        self.conn.execute(
            update(t.authority_reports)
            .where(t.authority_reports.c.event_id == tombstone.event_id)
            .values(key_id=None, sealed_package=None)
        )

    def content_removed_at(self, event_id: str) -> datetime | None:
        row = self.conn.execute(
            select(t.events.c.content_removed_at).where(t.events.c.event_id == event_id)
        ).first()
        return row.content_removed_at if row else None
