"""The regulator's formal information requests, and their sealed attachments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.adapters.storage.sqlalchemy.rows import Rows
from safeguarding.adapters.storage.sqlalchemy.sealed import open_file, seal_file
from safeguarding.domain.complaints import Attachment
from safeguarding.domain.information_requests import InformationRequest, RequestStatus


class InformationRequestRows(Rows):
    """Information request rows to and from ``InformationRequest``."""

    def add(self, request: InformationRequest) -> None:
        self.conn.execute(t.information_requests.insert(), [_request_row(request)])

    def put(self, request: InformationRequest) -> None:
        r = t.information_requests.c
        row = _request_row(request)
        self.conn.execute(
            update(t.information_requests)
            .where(r.request_id == request.request_id)
            .values({k: v for k, v in row.items() if k != "request_id"})
        )

    def get(self, request_id: str) -> InformationRequest | None:
        r = t.information_requests.c
        row = self.conn.execute(
            select(t.information_requests).where(r.request_id == request_id)
        ).first()
        return _request(row) if row else None

    def file_add(self, request_id: str, attachment_id: str, content: bytes) -> None:
        row = seal_file(self.cipher, attachment_id, content) | {"request_id": request_id}
        self.conn.execute(t.information_request_files.insert(), [row])

    def file(self, attachment_id: str) -> bytes | None:
        return open_file(self.conn, self.cipher, t.information_request_files, attachment_id)

    def listed(
        self, status: RequestStatus | None = None, limit: int = 500
    ) -> list[InformationRequest]:
        r = t.information_requests.c
        query = select(t.information_requests).order_by(r.filed_at.desc(), r.request_id)
        if status is not None:
            query = query.where(r.status == status.value)
        return [_request(row) for row in self.conn.execute(query.limit(limit))]


def _request_row(request: InformationRequest) -> dict[str, Any]:
    return {
        **request.model_dump(),
        "status": request.status.value,
        "event_ids": list(request.event_ids),
        "attachments": [a.model_dump() for a in request.attachments],
    }


def _request(row: Any) -> InformationRequest:
    data = dict(row._mapping)
    data["event_ids"] = tuple(data["event_ids"])
    data["attachments"] = tuple(Attachment(**a) for a in data["attachments"] or ())
    return InformationRequest(**data)
