"""What the regulator reads beyond figures: anonymised samples of decisions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import problems
from safeguarding.adapters.http.services import Samples
from safeguarding.domain.access import Principal
from safeguarding.domain.permissions import Permission
from safeguarding.services.samples import MAX_SAMPLES, DecisionSample

router = APIRouter(prefix="/v1/regulator", tags=["regulator"])


@router.get(
    "/samples",
    response_model=list[DecisionSample],
    responses=problems(422),
    summary="Random decisions, anonymised: no content, accounts under pseudonyms (audited)",
)
def samples(
    samples: Samples,
    n: int = Query(20, ge=1, le=MAX_SAMPLES),
    days: int = Query(90, ge=1, le=3660),
    principal: Principal = Depends(Allow(Permission.READ_SAMPLES)),
) -> list[DecisionSample]:
    return samples.sample(principal, n, days)
