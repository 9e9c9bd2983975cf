"""The complaints part of the unit of work: complaints and appeals, super-complaints, files.

A complaint's text, a super-complaint's title, description and files are sealed with the
content cipher, like an event's payload: what users and advocates send can be as sensitive as
the content itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.adapters.storage.sqlalchemy.sealed import (
    open_file,
    open_super_complaint_text,
    seal_file,
    seal_super_complaint_text,
)
from safeguarding.domain.complaints import Attachment, Complaint, ComplaintStatus, SuperComplaint


class ComplaintRows(Rows):
    """Complaint rows to and from domain objects."""

    def add(self, complaint: Complaint) -> None:
        key_id, sealed = self.cipher.seal(complaint.text.encode(), complaint.complaint_id.encode())
        row = complaint.model_dump(exclude={"text"})
        self.conn.execute(
            t.complaints.insert(),
            [row | {"kind": complaint.kind.value, "status": complaint.status.value}
             | {"key_id": key_id, "sealed_text": sealed}],
        )  # fmt: skip

    def put(self, complaint: Complaint) -> None:
        c = t.complaints.c
        self.conn.execute(
            update(t.complaints)
            .where(c.complaint_id == complaint.complaint_id)
            .values(
                status=complaint.status.value,
                outcome_reason=complaint.outcome_reason,
                decided_by=complaint.decided_by,
                decided_at=complaint.decided_at,
            )
        )

    def get(self, complaint_id: str) -> Complaint | None:
        c = t.complaints.c
        row = self.conn.execute(select(t.complaints).where(c.complaint_id == complaint_id)).first()
        return self._complaint(row) if row else None

    def listed(self, status: ComplaintStatus | None = None, limit: int = 500) -> list[Complaint]:
        c = t.complaints.c
        query = select(t.complaints).order_by(c.deadline, c.complaint_id).limit(limit)
        if status is not None:
            query = query.where(c.status == status.value)
        return [self._complaint(row) for row in self.conn.execute(query)]

    def outcomes(self, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
        """How many complaints and appeals filed in [start, end) stand at each status."""
        c = t.complaints.c
        query = (
            select(c.kind, c.status, func.count())
            .where(c.filed_at >= start, c.filed_at < end)
            .group_by(c.kind, c.status)
        )
        return {(kind, status): int(n) for kind, status, n in self.conn.execute(query)}

    def _complaint(self, row: Any) -> Complaint:
        data = dict(row._mapping)
        key_id, sealed = data.pop("key_id"), data.pop("sealed_text")
        text = self.cipher.open(key_id, sealed, row.complaint_id.encode()).decode()
        return Complaint(**data, text=text)


class SuperComplaintRows(Rows):
    """Super-complaints from advocacy bodies, with their sealed files."""

    def add(self, complaint: SuperComplaint, files: dict[str, bytes]) -> None:
        row = complaint.model_dump(
            mode="json", exclude={"filed_at", "responded_at", "title", "description"}
        )
        row |= {"filed_at": complaint.filed_at, "responded_at": complaint.responded_at}
        row |= seal_super_complaint_text(
            self.cipher, complaint.super_complaint_id, complaint.title, complaint.description
        )
        self.conn.execute(t.super_complaints.insert(), [row])
        parent = {"super_complaint_id": complaint.super_complaint_id}
        sealed_files = [
            seal_file(self.cipher, attachment_id, content) | parent
            for attachment_id, content in files.items()
        ]
        if sealed_files:
            self.conn.execute(t.super_complaint_files.insert(), sealed_files)

    def put(self, complaint: SuperComplaint) -> None:
        s = t.super_complaints.c
        self.conn.execute(
            update(t.super_complaints)
            .where(s.super_complaint_id == complaint.super_complaint_id)
            .values(
                status=complaint.status.value,
                response=complaint.response,
                responded_by=complaint.responded_by,
                responded_at=complaint.responded_at,
            )
        )

    def get(self, super_complaint_id: str) -> SuperComplaint | None:
        s = t.super_complaints.c
        row = self.conn.execute(
            select(t.super_complaints).where(s.super_complaint_id == super_complaint_id)
        ).first()
        return self._super_complaint(row) if row else None

    def listed(self, organisation: str | None = None, limit: int = 500) -> list[SuperComplaint]:
        s = t.super_complaints.c
        query = select(t.super_complaints).order_by(s.filed_at.desc(), s.super_complaint_id)
        if organisation is not None:
            query = query.where(s.organisation == organisation)
        return [self._super_complaint(row) for row in self.conn.execute(query.limit(limit))]

    def file(self, attachment_id: str) -> bytes | None:
        return open_file(self.conn, self.cipher, t.super_complaint_files, attachment_id)

    def outcomes(self, start: datetime, end: datetime) -> dict[str, int]:
        """How many super-complaints filed in [start, end) stand at each status."""
        s = t.super_complaints.c
        query = (
            select(s.status, func.count())
            .where(s.filed_at >= start, s.filed_at < end)
            .group_by(s.status)
        )
        return {status: int(n) for status, n in self.conn.execute(query)}

    def _super_complaint(self, row: Any) -> SuperComplaint:
        data = dict(row._mapping)
        del data["key_id"], data["sealed_text"]
        return _super_complaint(data | open_super_complaint_text(self.cipher, row))


def _super_complaint(data: dict[str, Any]) -> SuperComplaint:
    data["harms"] = tuple(data["harms"])
    data["attachments"] = tuple(Attachment(**a) for a in data["attachments"])
    return SuperComplaint(**data)
