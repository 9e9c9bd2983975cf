"""The compliance checklist: the regulator's measures, met or not, and the penalty exposure."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import container, problems
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.compliance import Checklist

router = APIRouter(prefix="/v1/compliance", tags=["regulator"])


@router.get(
    "",
    response_model=Checklist,
    responses=problems(),
    summary="Each measure met or not from live figures, the senior manager, the penalty",
)
def get_checklist(
    request: Request, principal: Principal = Depends(Allow(Role.ADMIN, Role.REGULATOR))
) -> Checklist:
    container(request).access.read(principal, "compliance")
    return container(request).compliance.checklist()
