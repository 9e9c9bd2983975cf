"""Complaints and appeals, super-complaints and the regulator's information requests in memory
(``uow.complaints``, ``uow.super_complaints``, ``uow.information_requests``), as the SQL
repositories of ``complaints.py`` and ``information_requests.py`` keep them. Files are kept
by attachment id, apart for each kind: one kind's id never reads another's file."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from safeguarding.adapters.storage.memory.state import Repository
from safeguarding.domain.complaints import Complaint, ComplaintStatus, SuperComplaint
from safeguarding.domain.errors import ConcurrentWrite
from safeguarding.domain.information_requests import InformationRequest, RequestStatus


def _insert(table: dict[str, Any], key: str, value: object) -> None:
    """Add a row under a new key; a key already there is another writer's (as on SQL)."""
    if key in table:
        raise ConcurrentWrite("another writer stored the same record first")
    table[key] = value


def _put_fields(table: dict[str, Any], key: str, record: Any, fields: tuple[str, ...]) -> None:
    """Store ``record``'s ``fields`` on the row under ``key`` (as an UPDATE of those columns
    does); nothing when there is no such row."""
    row = table.get(key)
    if row is not None:
        table[key] = row.model_copy(update={f: getattr(record, f) for f in fields})


class MemoryComplaints(Repository):
    """``ComplaintStore`` in memory."""

    def add(self, complaint: Complaint) -> None:
        _insert(self.s.complaints, complaint.complaint_id, complaint)

    def put(self, complaint: Complaint) -> None:
        fields = ("status", "outcome_reason", "decided_by", "decided_at")
        _put_fields(self.s.complaints, complaint.complaint_id, complaint, fields)

    def get(self, complaint_id: str) -> Complaint | None:
        return self.s.complaints.get(complaint_id)

    def listed(self, status: ComplaintStatus | None = None, limit: int = 500) -> list[Complaint]:
        chosen = [c for c in self.s.complaints.values() if status is None or c.status == status]
        return sorted(chosen, key=lambda c: (c.deadline, c.complaint_id))[:limit]

    def outcomes(self, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
        """How many complaints and appeals filed in [start, end) stand at each status."""
        filed = [c for c in self.s.complaints.values() if start <= c.filed_at < end]
        return dict(Counter((c.kind.value, c.status.value) for c in filed))


class MemorySuperComplaints(Repository):
    """``SuperComplaintStore`` in memory."""

    def add(self, complaint: SuperComplaint, files: dict[str, bytes]) -> None:
        _insert(self.s.super_complaints, complaint.super_complaint_id, complaint)
        for attachment_id, content in files.items():
            _insert(self.s.super_complaint_files, attachment_id, content)

    def put(self, complaint: SuperComplaint) -> None:
        fields = ("status", "response", "responded_by", "responded_at")
        _put_fields(self.s.super_complaints, complaint.super_complaint_id, complaint, fields)

    def get(self, super_complaint_id: str) -> SuperComplaint | None:
        return self.s.super_complaints.get(super_complaint_id)

    def listed(self, organisation: str | None = None, limit: int = 500) -> list[SuperComplaint]:
        chosen = [
            c
            for c in self.s.super_complaints.values()
            if organisation is None or c.organisation == organisation
        ]
        by_id = sorted(chosen, key=lambda c: c.super_complaint_id)
        return sorted(by_id, key=lambda c: c.filed_at, reverse=True)[:limit]

    def file(self, attachment_id: str) -> bytes | None:
        return self.s.super_complaint_files.get(attachment_id)

    def outcomes(self, start: datetime, end: datetime) -> dict[str, int]:
        """How many super-complaints filed in [start, end) stand at each status."""
        filed = [c for c in self.s.super_complaints.values() if start <= c.filed_at < end]
        return dict(Counter(c.status.value for c in filed))


class MemoryInformationRequests(Repository):
    """``InformationRequestStore`` in memory."""

    def add(self, request: InformationRequest) -> None:
        _insert(self.s.information_requests, request.request_id, request)

    def put(self, request: InformationRequest) -> None:
        if request.request_id in self.s.information_requests:
            self.s.information_requests[request.request_id] = request

    def get(self, request_id: str) -> InformationRequest | None:
        return self.s.information_requests.get(request_id)

    def file_add(self, request_id: str, attachment_id: str, content: bytes) -> None:
        _insert(self.s.request_files, attachment_id, content)

    def file(self, attachment_id: str) -> bytes | None:
        return self.s.request_files.get(attachment_id)

    def listed(
        self, status: RequestStatus | None = None, limit: int = 500
    ) -> list[InformationRequest]:
        chosen = [
            r for r in self.s.information_requests.values() if status is None or r.status == status
        ]
        by_id = sorted(chosen, key=lambda r: r.request_id)
        return sorted(by_id, key=lambda r: r.filed_at, reverse=True)[:limit]
