"""Preserved evidence: its record, its content (with a reason, audited), and legal holds."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import IdPath, problems, require_json
from safeguarding.adapters.http.services import Evidence
from safeguarding.domain.access import Principal
from safeguarding.domain.evidence import EvidenceRecord
from safeguarding.domain.permissions import Permission

router = APIRouter(prefix="/v1/evidence", tags=["evidence"])


class ReasonIn(BaseModel):
    """Why the caller needs this: it goes into the audit log."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=10, max_length=2000, pattern=r"^[^\x00-\x1f\x7f]*$")


class EvidenceOut(BaseModel):
    """What is known about one event's preserved evidence."""

    event_id: str
    content_sha256: str | None
    content_kind: str | None
    size: int | None
    hashes: dict[str, str]
    preserved_at: datetime
    preserved_by: str
    retain_until: datetime
    legal_hold: bool
    hold_reason: str | None
    purged_at: datetime | None


class EvidenceContentOut(EvidenceOut):
    """The record with its content, base64."""

    content_base64: str


def record_out(record: EvidenceRecord) -> dict[str, Any]:
    return record.model_dump()


@router.get(
    "/{event_id}",
    response_model=EvidenceOut,
    responses=problems(404, 422),
    summary=(
        "An evidence record; its content hashes (content_sha256, hashes) only to those who "
        "may read the content, else null and empty"
    ),
)
def get_record(
    evidence: Evidence,
    event_id: IdPath,
    principal: Principal = Depends(Allow(Permission.READ_EVIDENCE)),
) -> dict[str, Any]:
    return record_out(evidence.record(event_id, principal))


@router.post(
    "/{event_id}/read",
    response_model=EvidenceContentOut,
    responses=problems(403, 404, 415, 422),
    summary=(
        "Read preserved content, giving a reason (audited): an admin; a moderator of the "
        "case's queue; a regulator under an open information request naming the event"
    ),
    dependencies=[Depends(require_json)],
)
def read_content(
    evidence: Evidence,
    event_id: IdPath,
    body: ReasonIn,
    principal: Principal = Depends(Allow(Permission.READ_EVIDENCE)),
) -> dict[str, Any]:
    found = evidence.read(event_id, principal, body.reason)
    encoded = base64.b64encode(found.content).decode()
    return {**record_out(found.record), "content_base64": encoded}


@router.put(
    "/{event_id}/hold",
    response_model=EvidenceOut,
    responses=problems(404, 415, 422),
    summary="Put evidence on legal hold (it does not expire)",
    dependencies=[Depends(require_json)],
)
def put_hold(
    evidence: Evidence,
    event_id: IdPath,
    body: ReasonIn,
    principal: Principal = Depends(Allow(Permission.HOLD_EVIDENCE)),
) -> dict[str, Any]:
    held = evidence.hold(event_id, body.reason, principal.audit_name)
    return record_out(held)


@router.delete(
    "/{event_id}/hold",
    response_model=EvidenceOut,
    responses=problems(404),
    summary="Lift a legal hold (retention applies again)",
)
def delete_hold(
    evidence: Evidence,
    event_id: IdPath,
    principal: Principal = Depends(Allow(Permission.HOLD_EVIDENCE)),
) -> dict[str, Any]:
    return record_out(evidence.hold(event_id, None, principal.audit_name))
