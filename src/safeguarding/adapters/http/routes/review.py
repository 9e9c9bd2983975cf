"""Working a case: claim it, release it, decide it with an outcome and a reason code."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import problems, require_json
from safeguarding.adapters.http.services import Now, Review
from safeguarding.domain.access import Principal
from safeguarding.domain.cases import Case, CaseDecision, Outcome
from safeguarding.domain.permissions import Permission

router = APIRouter(prefix="/v1/cases", tags=["review"])
REVIEWERS = Allow(Permission.REVIEW_CASES)


class DecisionIn(BaseModel):
    """A moderator's decision: outcome, a reason code that fits it, and an optional note."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$")
    note: str = Field(default="", max_length=2000, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")


@router.post(
    "/{case_id}/claim", response_model=Case, responses=problems(404, 409), summary="Claim a case"
)
def claim(review: Review, case_id: str, principal: Principal = Depends(REVIEWERS)) -> Case:
    return review.claim(case_id, principal)


@router.post(
    "/{case_id}/release",
    response_model=Case,
    responses=problems(404, 409),
    summary="Give a claimed case back to the queue",
)
def release(review: Review, case_id: str, principal: Principal = Depends(REVIEWERS)) -> Case:
    return review.release(case_id, principal)


@router.post(
    "/{case_id}/decision",
    response_model=Case,
    responses=problems(404, 409, 415, 422),
    summary="Decide a claimed case: confirm, dismiss or escalate, with a reason code",
    dependencies=[Depends(require_json)],
)
def decide(
    clock: Now,
    review: Review,
    case_id: str,
    body: DecisionIn,
    principal: Principal = Depends(REVIEWERS),
) -> Case:
    decision = CaseDecision(
        case_id=case_id,
        outcome=body.outcome,
        reason_code=body.reason_code,
        note=body.note,
        by=principal.audit_name,
        at=clock.now(),
    )
    return review.decide(decision, principal)
