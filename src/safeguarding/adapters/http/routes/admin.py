"""API keys, settings, cases and figures."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import IdPath, problems, require_json
from safeguarding.adapters.http.schemas import (
    CaseOut,
    Figures,
    KeyCreate,
    KeyCreated,
    KeyOut,
)
from safeguarding.adapters.http.services import Config, Keys, Policies, Review
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject, Listing
from safeguarding.domain.permissions import Permission
from safeguarding.ports.store import ApiKeyRecord
from safeguarding.services.auditor import Read

router = APIRouter(prefix="/v1", tags=["administration"])


def key_out(record: ApiKeyRecord) -> KeyOut:
    return KeyOut(
        key_id=record.key_id,
        name=record.name,
        role=record.role,
        created_at=record.created_at,
        revoked_at=record.revoked_at,
        queues=list(record.queues) if record.queues is not None else None,
        organisation=record.organisation,
    )


@router.post(
    "/keys",
    response_model=KeyCreated,
    status_code=201,
    responses=problems(415, 422),
    summary="Create an API key (admin; audited)",
)
def create_key(
    keys: Keys,
    body: KeyCreate,
    principal: Principal = Depends(Allow(Permission.MANAGE_KEYS)),
    _json: None = Depends(require_json),
) -> KeyCreated:
    key, record = keys.create(
        body.name,
        body.role.value,
        by=principal.audit_name,
        queues=body.queues,
        organisation=body.organisation,
    )
    return KeyCreated(**key_out(record).model_dump(), key=key)


@router.get("/keys", response_model=list[KeyOut], responses=problems(), summary="List API keys")
def list_keys(keys: Keys, _p: Principal = Depends(Allow(Permission.MANAGE_KEYS))) -> list[KeyOut]:
    return [key_out(r) for r in keys.list()]


@router.delete(
    "/keys/{key_id}",
    status_code=204,
    responses=problems(404),
    summary="Revoke an API key (admin; audited)",
)
def revoke_key(
    keys: Keys,
    key_id: IdPath,
    principal: Principal = Depends(Allow(Permission.MANAGE_KEYS)),
) -> Response:
    keys.revoke(key_id, by=principal.audit_name)
    return Response(status_code=204)


@router.get("/settings", responses=problems(), summary="Settings in force, secrets masked")
def get_settings(
    config: Config, _p: Principal = Depends(Allow(Permission.READ_SETTINGS))
) -> dict[str, object]:
    return config.masked()


@router.get(
    "/cases",
    response_model=list[CaseOut],
    responses=problems(422),
    summary="Open cases, most urgent first (a moderator sees the queues they work)",
)
def list_cases(
    review: Review,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(Allow(Permission.REVIEW_CASES)),
) -> list[CaseOut]:
    return [CaseOut(**c.model_dump(exclude={"assignee"})) for c in review.queue(limit, principal)]


@router.get(
    "/figures",
    response_model=Figures,
    responses=problems(),
    summary="Running figures (regulator reads are audited)",
)
def figures(
    policies: Policies,
    review: Review,
    principal: Principal = Depends(Allow(Permission.READ_FIGURES)),
) -> Figures:
    counts = review.counts(Read(principal, AuditSubject.of(Listing.FIGURES)))
    return Figures(**counts.__dict__, policy_version=policies.current_readonly().version)
