"""The compliance checklist: the regulator's measures, met or not, and the penalty exposure."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import problems
from safeguarding.adapters.http.services import Compliance
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject, Listing
from safeguarding.domain.compliance import Checklist
from safeguarding.domain.permissions import Permission
from safeguarding.services.auditor import Read

router = APIRouter(prefix="/v1/compliance", tags=["regulator"])


@router.get(
    "",
    response_model=Checklist,
    responses=problems(),
    summary="Each measure met or not from live figures, the senior manager, the penalty",
)
def get_checklist(
    compliance: Compliance,
    principal: Principal = Depends(Allow(Permission.READ_COMPLIANCE)),
) -> Checklist:
    return compliance.checklist(Read(principal, AuditSubject.of(Listing.COMPLIANCE)))
