"""``GET /v1/transparency``: a period's transparency report as JSON.

For admins, regulators and advocates; a regulator's every read is recorded in the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import problems
from safeguarding.adapters.http.services import Transparency
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject
from safeguarding.domain.permissions import Permission
from safeguarding.domain.transparency import Period, TransparencyReport
from safeguarding.services.auditor import Read

router = APIRouter(prefix="/v1/transparency", tags=["transparency"])


@router.get(
    "",
    response_model=TransparencyReport,
    responses=problems(422),
    summary="A period's transparency report, with last year's figures (regulator: audited)",
)
def transparency_report(
    transparency: Transparency,
    first: str = Query(..., alias="from", description="First day, YYYY-MM-DD (UTC)."),
    last: str = Query(..., alias="to", description="Last day, included, YYYY-MM-DD (UTC)."),
    principal: Principal = Depends(Allow(Permission.READ_TRANSPARENCY)),
) -> TransparencyReport:
    period = Period.parse(first, last)
    read = Read(principal, AuditSubject.transparency_of("api", period))
    return transparency.report(period, read)
