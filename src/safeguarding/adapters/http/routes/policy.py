"""The policy in force, its history, checks, and (admin only) changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import problems
from safeguarding.adapters.http.schemas import PolicyCheckOut, PolicyOut
from safeguarding.adapters.http.services import Policies
from safeguarding.domain.access import Principal
from safeguarding.domain.audit_actions import AuditSubject, Listing
from safeguarding.domain.permissions import Permission
from safeguarding.domain.policy import PolicyVersion
from safeguarding.services.auditor import Read

router = APIRouter(prefix="/v1/policy", tags=["policy"])
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string", "description": "Policy YAML"}}
        },
    }
}
MAX_POLICY_BYTES = 1024 * 1024
NOTE_PATTERN = r"^[^\x00-\x1f\x7f]*$"  # any text without control characters


def policy_out(policy: PolicyVersion) -> PolicyOut:
    return PolicyOut(
        version=policy.version,
        sha256=policy.sha256,
        created_at=policy.created_at,
        created_by=policy.created_by,
        note=policy.note,
        source=policy.source,
        rules=[r.model_dump(mode="json") for r in policy.document.rules],
    )


async def yaml_body(request: Request) -> str:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in YAML_TYPES:
        raise HTTPException(
            415, f"send the policy as application/yaml (got {kind or 'no content type'})"
        )
    raw = await request.body()
    if len(raw) > MAX_POLICY_BYTES:
        raise HTTPException(413, f"a policy may be at most {MAX_POLICY_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "the policy is not UTF-8 text") from None


@router.get("", response_model=PolicyOut, responses=problems(), summary="The policy in force")
def get_policy(
    policies: Policies,
    principal: Principal = Depends(Allow(Permission.READ_POLICY)),
) -> PolicyOut:
    return policy_out(policies.current_readonly(Read(principal, AuditSubject.of(Listing.POLICY))))


@router.get(
    "/history",
    response_model=list[PolicyOut],
    responses=problems(),
    summary="Every policy version, newest first",
)
def get_history(
    policies: Policies,
    principal: Principal = Depends(Allow(Permission.READ_POLICY_HISTORY)),
) -> list[PolicyOut]:
    read = Read(principal, AuditSubject.of(Listing.POLICY_HISTORY))
    return [policy_out(p) for p in policies.history(read)]


@router.put(
    "",
    response_model=PolicyOut,
    responses=problems(400, 413, 415, 422),
    openapi_extra=YAML_BODY,
    summary="Replace the policy (admin; audited)",
)
def put_policy(
    policies: Policies,
    note: Annotated[str, Query(max_length=500, pattern=NOTE_PATTERN)] = "",
    principal: Principal = Depends(Allow(Permission.CHANGE_POLICY)),
    source: str = Depends(yaml_body),
) -> PolicyOut:
    """Validate and store a new policy version. Invalid YAML changes nothing (422, every error)."""
    return policy_out(policies.replace(source, by=principal.audit_name, note=note))


@router.post(
    "/check",
    response_model=PolicyCheckOut,
    responses=problems(400, 413, 415, 422),
    openapi_extra=YAML_BODY,
    summary="Validate a policy without storing it",
)
def check_policy(
    policies: Policies,
    _p: Principal = Depends(Allow(Permission.CHANGE_POLICY)),
    source: str = Depends(yaml_body),
) -> PolicyCheckOut:
    checked = policies.check(source)
    return PolicyCheckOut(
        valid=True,
        sha256=checked.sha256,
        rules=len(checked.document.rules),
        warnings=[w.as_field_error().as_dict() for w in checked.warnings],
    )
