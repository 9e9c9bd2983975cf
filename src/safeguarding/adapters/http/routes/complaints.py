"""Complaints and appeals (filed by the platform for its users) and super-complaints (filed by
designated advocacy bodies), with child-friendly wording for the platform to show."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import IdPath, problems, require_json
from safeguarding.adapters.http.schemas import ID_PATTERN
from safeguarding.adapters.http.services import Complaints, SuperComplaints
from safeguarding.domain.access import Principal
from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.complaints import (
    Attachment,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    SuperComplaint,
    SuperComplaintStatus,
)
from safeguarding.domain.errors import InvalidInput
from safeguarding.domain.permissions import Permission
from safeguarding.services.complaints import ComplaintService, EvidenceFile, NewComplaint

router = APIRouter(prefix="/v1", tags=["complaints and advocacy"])
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


class ComplaintIn(BaseModel):
    """A user's complaint or appeal, sent by the platform."""

    model_config = ConfigDict(extra="forbid")

    kind: ComplaintKind
    account_id: str = Field(pattern=ID_PATTERN)
    reason: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=5000, pattern=TEXT)
    event_id: str | None = Field(default=None, pattern=ID_PATTERN)


class ComplaintDecisionIn(BaseModel):
    """The outcome of a complaint or appeal, and the reason the user will read."""

    model_config = ConfigDict(extra="forbid")

    status: ComplaintStatus
    reason: str = Field(min_length=10, max_length=5000, pattern=TEXT)


class FileIn(BaseModel):
    """One evidence file, base64."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f/\\]+$")
    content_type: str = Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100)
    content_base64: str = Field(min_length=1, max_length=7_000_000)


class SuperComplaintIn(BaseModel):
    """A systemic problem, the harms it concerns, and the evidence for it."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=5, max_length=300, pattern=TEXT)
    description: str = Field(min_length=50, max_length=50_000, pattern=TEXT)
    harms: list[str] = Field(default_factory=list, max_length=20)
    files: list[FileIn] = Field(default_factory=list, max_length=10)


class ResponseIn(BaseModel):
    """An admin's update: under review, or a reasoned response."""

    model_config = ConfigDict(extra="forbid")

    status: SuperComplaintStatus
    response: str = Field(default="", max_length=50_000, pattern=TEXT)


@router.post(
    "/complaints",
    response_model=Complaint,
    status_code=201,
    responses=problems(404, 415, 422),
    summary="File a user's complaint or appeal (platform; audited)",
)
def file_complaint(
    complaints: Complaints,
    body: ComplaintIn,
    principal: Principal = Depends(Allow(Permission.FILE_COMPLAINT)),
    _json: None = Depends(require_json),
) -> Complaint:
    new = NewComplaint(body.kind, body.account_id, body.reason, body.text, body.event_id)
    return complaints.file(new, principal)


@router.get(
    "/complaints/wording",
    responses=problems(422),
    summary="Words about complaining and appealing for the platform to show, by age band",
)
def wording(
    age_band: AgeBand = Query(AgeBand.UNKNOWN),
    _p: Principal = Depends(Allow(Permission.READ_COMPLAINT_WORDING)),
) -> dict[str, str]:
    return ComplaintService.wording(age_band)


@router.get(
    "/complaints",
    response_model=list[Complaint],
    responses=problems(422),
    summary="Complaints and appeals, soonest deadline first (a regulator's read is audited)",
)
def list_complaints(
    complaints: Complaints,
    status: ComplaintStatus | None = None,
    principal: Principal = Depends(Allow(Permission.READ_COMPLAINTS)),
) -> list[Complaint]:
    return complaints.list(principal, status)


@router.get(
    "/complaints/{complaint_id}",
    response_model=Complaint,
    responses=problems(404),
    summary="One complaint or appeal and its outcome",
)
def get_complaint(
    complaints: Complaints,
    complaint_id: IdPath,
    principal: Principal = Depends(Allow(Permission.READ_COMPLAINTS)),
) -> Complaint:
    return complaints.get(complaint_id, principal)


@router.post(
    "/complaints/{complaint_id}/decision",
    response_model=Complaint,
    responses=problems(404, 409, 415, 422),
    summary="Uphold or reject a complaint or appeal (an upheld appeal reverses the decision)",
)
def decide_complaint(
    complaints: Complaints,
    complaint_id: IdPath,
    body: ComplaintDecisionIn,
    principal: Principal = Depends(Allow(Permission.DECIDE_COMPLAINTS)),
    _json: None = Depends(require_json),
) -> Complaint:
    return complaints.decide(complaint_id, body.status, body.reason, principal)


@router.post(
    "/super-complaints",
    response_model=SuperComplaint,
    status_code=201,
    responses=problems(413, 415, 422),
    summary="File a super-complaint with evidence (advocate; audited)",
)
def file_super_complaint(
    super_complaints: SuperComplaints,
    body: SuperComplaintIn,
    principal: Principal = Depends(Allow(Permission.FILE_SUPER_COMPLAINT)),
    _json: None = Depends(require_json),
) -> SuperComplaint:
    files = [decoded_file(f) for f in body.files]
    return super_complaints.file(principal, body.title, body.description, body.harms, files)


def decoded_file(f: FileIn) -> EvidenceFile:
    try:
        content = base64.b64decode(f.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput.about(
            "files.content_base64",
            f"file {f.name!r}: content_base64 is not valid base64; send the file's bytes "
            "base64-encoded (RFC 4648, with padding)",
        ) from None
    return EvidenceFile(f.name, f.content_type, content)


def file_response(attachment: Attachment, content: bytes) -> Response:
    """A stored file as a download that the browser will not render or sniff."""
    disposition = f'attachment; filename="{attachment.attachment_id}"'
    return Response(
        content,
        media_type=attachment.content_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/super-complaints",
    response_model=list[SuperComplaint],
    responses=problems(),
    summary="Super-complaints: an advocate's own; all of them for admins and the regulator",
)
def list_super_complaints(
    super_complaints: SuperComplaints,
    principal: Principal = Depends(Allow(Permission.READ_SUPER_COMPLAINTS)),
) -> list[SuperComplaint]:
    return super_complaints.list(principal)


@router.get(
    "/super-complaints/{super_complaint_id}",
    response_model=SuperComplaint,
    responses=problems(404),
    summary="One super-complaint and its response",
)
def get_super_complaint(
    super_complaints: SuperComplaints,
    super_complaint_id: IdPath,
    principal: Principal = Depends(Allow(Permission.READ_SUPER_COMPLAINTS)),
) -> SuperComplaint:
    return super_complaints.get(super_complaint_id, principal)


@router.get(
    "/super-complaints/{super_complaint_id}/files/{attachment_id}",
    responses=problems(404),
    summary="An evidence file (audited)",
)
def get_super_complaint_file(
    super_complaints: SuperComplaints,
    super_complaint_id: IdPath,
    attachment_id: IdPath,
    principal: Principal = Depends(Allow(Permission.READ_SUPER_COMPLAINTS)),
) -> Response:
    attachment, content = super_complaints.file_content(
        super_complaint_id, attachment_id, principal
    )
    return file_response(attachment, content)


@router.post(
    "/super-complaints/{super_complaint_id}/response",
    response_model=SuperComplaint,
    responses=problems(404, 409, 415, 422),
    summary="Move a super-complaint under review, or answer it with reasons (admin; audited)",
)
def respond_super_complaint(
    super_complaints: SuperComplaints,
    super_complaint_id: IdPath,
    body: ResponseIn,
    principal: Principal = Depends(Allow(Permission.RESPOND_SUPER_COMPLAINT)),
    _json: None = Depends(require_json),
) -> SuperComplaint:
    return super_complaints.respond(super_complaint_id, body.status, body.response, principal)
