"""The children's risk assessment: the latest, its history, a new one, the dated document.

Admins and the regulator read it (a regulator's reads are audited); admins assess.
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import problems
from safeguarding.adapters.http.services import Risk
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject, Listing
from safeguarding.domain.errors import NotFound
from safeguarding.domain.permissions import Permission
from safeguarding.domain.risk import RiskAssessment
from safeguarding.services.auditor import Read
from safeguarding.services.risk import RiskStatus, document_name, markdown

router = APIRouter(prefix="/v1/risk-assessment", tags=["regulator"])


class RiskAssessmentOut(BaseModel):
    """The latest assessment, and whether a policy change has made it due for review."""

    review_due: bool
    current_policy_version: int
    assessment: RiskAssessment


class ExportFormat(StrEnum):
    """The dated document as Markdown, or the assessment as JSON."""

    MARKDOWN = "markdown"
    JSON = "json"


def _out(status: RiskStatus) -> RiskAssessmentOut:
    if status.assessment is None:
        raise NotFound("no risk assessment yet; an admin makes one with POST /v1/risk-assessment")
    return RiskAssessmentOut(
        review_due=status.review_due,
        current_policy_version=status.current_policy_version,
        assessment=status.assessment,
    )


@router.get(
    "",
    response_model=RiskAssessmentOut,
    responses=problems(404),
    summary="The latest risk assessment, and whether it is due for review",
)
def get_latest(
    risk: Risk,
    principal: Principal = Depends(Allow(Permission.READ_RISK_ASSESSMENT)),
) -> RiskAssessmentOut:
    return _out(risk.status(Read(principal, AuditSubject.of(Listing.RISK_ASSESSMENT))))


@router.get(
    "/history",
    response_model=list[RiskAssessment],
    responses=problems(422),
    summary="Every risk assessment, newest first",
)
def get_history(
    risk: Risk,
    limit: int = Query(100, ge=1, le=500, description="How many, newest first."),
    principal: Principal = Depends(Allow(Permission.READ_RISK_ASSESSMENT)),
) -> list[RiskAssessment]:
    return risk.history(limit, Read(principal, AuditSubject.of(Listing.RISK_ASSESSMENT_HISTORY)))


@router.post(
    "",
    response_model=RiskAssessmentOut,
    status_code=201,
    responses=problems(),
    summary="Assess every feature now, against the policy in force (admin; audited)",
)
def assess_now(
    risk: Risk, principal: Principal = Depends(Allow(Permission.ASSESS_RISK))
) -> RiskAssessmentOut:
    risk.assess(principal.audit_name)
    return _out(risk.status())


@router.get(
    "/export",
    responses={
        200: {"content": {"text/markdown": {}}, "description": "The dated document"},
        **problems(404, 422),
    },
    summary="The latest assessment as a dated document to download",
)
def export(
    risk: Risk,
    fmt: ExportFormat = Query(ExportFormat.MARKDOWN, alias="format"),
    principal: Principal = Depends(Allow(Permission.READ_RISK_ASSESSMENT)),
) -> Response:
    out = _out(risk.status(Read(principal, AuditSubject.of(Listing.RISK_ASSESSMENT_EXPORT))))
    if fmt is ExportFormat.MARKDOWN:
        body = markdown(out.assessment, out.current_policy_version)
        media_type = "text/markdown; charset=utf-8"
    else:
        body = out.model_dump_json(indent=2)
        media_type = "application/json"
    name = document_name(out.assessment, "md" if fmt is ExportFormat.MARKDOWN else "json")
    disposition = f'attachment; filename="{name}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
