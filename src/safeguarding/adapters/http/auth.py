"""API keys to roles. Each route declares the permission it needs with
``Depends(Allow(Permission.X))``; the roles holding it are in ``domain/permissions.py``.

The ``Allow`` objects stay on the routes, so a test can walk every route and
check each role against what it declares. ``Allow`` is a plain (sync) callable, so
FastAPI runs it, and the Argon2 check inside, in its thread pool, off the event loop;
failed keys are throttled per client address and key id (``KeyService.authenticate``).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.openapi.models import HTTPBase as HTTPSchemeModel
from fastapi.security.base import SecurityBase

from safeguarding.adapters.http.services import Keys
from safeguarding.domain.access import Principal
from safeguarding.domain.errors import AccessDenied, Unauthenticated
from safeguarding.domain.permissions import Permission
from safeguarding.services.keys import KeyService

# The OpenAPI security scheme every keyed operation declares, so generated clients send the key.
BEARER = HTTPSchemeModel(
    scheme="bearer",
    description="An API key made with `safeguarding keys create`, sent as "
    "`Authorization: Bearer <key>` (or, for older clients, `X-API-Key: <key>`).",
)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("use the header 'Authorization: Bearer <key>'")
        return token.strip()
    return request.headers.get("x-api-key")


def client_address(request: Request) -> str:
    """The client's address: the peer's, or the one X-Forwarded-For names when the peer is
    a proxy listed in ``forwarded_allow_ips`` (uvicorn's proxy headers, set by `serve`)."""
    return request.client.host if request.client else "unknown"


def authenticate(request: Request, key: str | None, keys: KeyService) -> Principal:
    """The caller an API key stands for (the API's bearer key, the web UI's login form)."""
    return keys.authenticate(key, client_address(request))


class Allow(SecurityBase):
    """A dependency that authenticates the caller and admits only the roles holding
    ``permission``.

    Being a ``SecurityBase``, it puts the bearer scheme in the OpenAPI ``securitySchemes`` and
    in the ``security`` of each operation that depends on it (and of no other)."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        self.roles = permission.roles
        self.model = BEARER
        self.scheme_name = "bearerAuth"

    def __call__(self, request: Request, keys: Keys) -> Principal:
        principal = authenticate(request, bearer_token(request), keys)
        if not self.permission.admits(principal):
            allowed = tuple(r.value for r in self.roles)
            raise AccessDenied(
                f"the {principal.role.value} role may not do this; allowed: {', '.join(allowed)}",
                principal.role.value,
                allowed,
            )
        request.state.principal = principal
        return principal
