"""POST /v1/visibility and POST /v1/suggestions/filter: what a viewer may be shown."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.bodies import counted
from safeguarding.adapters.http.routes.common import problems, require_json
from safeguarding.adapters.http.schemas import ID_PATTERN
from safeguarding.adapters.http.services import Visibility
from safeguarding.domain.access import Principal
from safeguarding.domain.permissions import Permission

router = APIRouter(prefix="/v1", tags=["feeds"])
MAX_ITEMS = 1000

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
# At most MAX_ITEMS ids, counted before any is validated (413 past it).
ItemIds = Annotated[list[Id], Field(max_length=MAX_ITEMS), counted(MAX_ITEMS, "items")]
CandidateIds = Annotated[list[Id], Field(max_length=MAX_ITEMS), counted(MAX_ITEMS, "candidates")]


class VisibilityIn(BaseModel):
    """A viewer and the items (event ids) a platform is about to show them."""

    model_config = ConfigDict(extra="forbid")

    viewer_id: Id
    items: ItemIds


class ItemOut(BaseModel):
    """Whether the viewer may see one item, why, and the rule behind it (if any)."""

    event_id: str
    visible: bool
    reason: str
    rule: str | None


class VisibilityOut(BaseModel):
    """One answer per item, in the order asked, and the age band the answers used."""

    viewer_id: str
    age_band: str
    items: list[ItemOut]


class SuggestionsIn(BaseModel):
    """A viewer and the accounts a platform means to suggest to them as friends."""

    model_config = ConfigDict(extra="forbid")

    viewer_id: Id
    candidate_ids: CandidateIds


class RemovedOut(BaseModel):
    """A candidate left out, with the reason and the policy rule that leaves them out."""

    account_id: str
    reason: str
    rule: str | None


class SuggestionsOut(BaseModel):
    """The candidates that may be suggested, in the order asked, and those left out."""

    allowed: list[str]
    removed: list[RemovedOut]
    policy_version: int


@router.post(
    "/visibility",
    response_model=VisibilityOut,
    responses=problems(413, 415, 422),
    summary="Which of these items a viewer may see",
)
def post_visibility(
    visibility: Visibility,
    body: VisibilityIn,
    _principal: Principal = Depends(Allow(Permission.SEND_EVENTS)),
    _json: None = Depends(require_json),
) -> VisibilityOut:
    """For each item, whether the viewer may see it, from the decisions on record and the
    viewer's age band. An item the engine has no record of is visible."""
    feed = visibility.check(body.viewer_id, body.items)
    return VisibilityOut(
        viewer_id=feed.viewer_id,
        age_band=feed.age_band.value,
        items=[ItemOut(**item._asdict()) for item in feed.items],
    )


@router.post(
    "/suggestions/filter",
    response_model=SuggestionsOut,
    responses=problems(413, 415, 422),
    summary="Leave out of friend suggestions whom the policy would not let the viewer contact",
)
def post_suggestions_filter(
    visibility: Visibility,
    body: SuggestionsIn,
    _principal: Principal = Depends(Allow(Permission.SEND_EVENTS)),
    _json: None = Depends(require_json),
) -> SuggestionsOut:
    """Each candidate is checked as a contact request from the viewer under the policy in
    force; one that would not be allowed is removed, naming the rule."""
    found = visibility.filter_suggestions(body.viewer_id, body.candidate_ids)
    return SuggestionsOut(
        allowed=found.allowed,
        removed=[RemovedOut(**r.__dict__) for r in found.removed],
        policy_version=found.policy_version,
    )
