"""The regulator's formal information requests: filed by the regulator, answered by an admin.

An open request that names events lets the regulator read those events' evidence content
through ``/v1/evidence/{event_id}/read``; every step is in the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import IdPath, problems, require_json
from safeguarding.adapters.http.routes.complaints import FileIn, decoded_file, file_response
from safeguarding.adapters.http.schemas import ID_PATTERN
from safeguarding.adapters.http.services import InformationRequests
from safeguarding.domain.access import Principal
from safeguarding.domain.information_requests import InformationRequest
from safeguarding.domain.permissions import Permission

router = APIRouter(prefix="/v1/information-requests", tags=["regulator"])
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
SAMPLED_EVENT = r"^event-[0-9a-f]{12}$"


class RequestIn(BaseModel):
    """A formal information request: the question, its legal basis, a deadline, the events."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=10, max_length=10_000, pattern=TEXT)
    legal_basis: str = Field(min_length=5, max_length=500, pattern=TEXT)
    deadline: AwareDatetime
    event_ids: list[Annotated[str, Field(pattern=ID_PATTERN)]] = Field(
        default_factory=list, max_length=500
    )
    samples: list[Annotated[str, Field(pattern=SAMPLED_EVENT)]] = Field(
        default_factory=list,
        max_length=500,
        description="Sampled decisions, by the event pseudonym a sample showed (event-…).",
    )


class AnswerIn(BaseModel):
    """The service's answer to a request, with any files it sends."""

    model_config = ConfigDict(extra="forbid")

    response: str = Field(min_length=1, max_length=50_000, pattern=TEXT)
    files: list[FileIn] = Field(default_factory=list, max_length=10)


@router.post(
    "",
    response_model=InformationRequest,
    status_code=201,
    responses=problems(415, 422),
    summary="File a formal information request (regulator; audited)",
)
def file_request(
    information_requests: InformationRequests,
    body: RequestIn,
    principal: Principal = Depends(Allow(Permission.FILE_INFORMATION_REQUEST)),
    _json: None = Depends(require_json),
) -> InformationRequest:
    return information_requests.file(
        principal,
        body.question,
        body.legal_basis,
        body.deadline,
        tuple(body.event_ids),
        tuple(body.samples),
    )


@router.get(
    "",
    response_model=list[InformationRequest],
    responses=problems(),
    summary="Every information request, newest first (audited)",
)
def list_requests(
    information_requests: InformationRequests,
    principal: Principal = Depends(Allow(Permission.READ_INFORMATION_REQUESTS)),
) -> list[InformationRequest]:
    return information_requests.list(principal)


@router.get(
    "/{request_id}",
    response_model=InformationRequest,
    responses=problems(404),
    summary="One information request (audited)",
)
def get_request(
    information_requests: InformationRequests,
    request_id: IdPath,
    principal: Principal = Depends(Allow(Permission.READ_INFORMATION_REQUESTS)),
) -> InformationRequest:
    return information_requests.get(request_id, principal)


@router.post(
    "/{request_id}/answer",
    response_model=InformationRequest,
    responses=problems(404, 409, 415, 422),
    summary="Answer a request (admin; closes the regulator's access to its evidence)",
)
def answer_request(
    information_requests: InformationRequests,
    request_id: IdPath,
    body: AnswerIn,
    principal: Principal = Depends(Allow(Permission.ANSWER_INFORMATION_REQUEST)),
    _json: None = Depends(require_json),
) -> InformationRequest:
    files = [decoded_file(f) for f in body.files]
    return information_requests.answer(request_id, body.response, principal, files)


@router.get(
    "/{request_id}/files/{attachment_id}",
    responses=problems(404),
    summary="A file sent with the answer (audited)",
)
def get_file(
    information_requests: InformationRequests,
    request_id: IdPath,
    attachment_id: IdPath,
    principal: Principal = Depends(Allow(Permission.READ_INFORMATION_REQUESTS)),
) -> Response:
    attachment, content = information_requests.file_content(request_id, attachment_id, principal)
    return file_response(attachment, content)
