"""API keys to roles. Each route declares the roles it admits with ``Depends(Allow(...))``.

The ``Allow`` objects stay on the routes, so a test can walk every route and
check each role against what it declares.
"""

from __future__ import annotations

from fastapi import Request

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.errors import AccessDenied, Unauthenticated

ALL_ROLES = tuple(Role)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("use the header 'Authorization: Bearer <key>'")
        return token.strip()
    return request.headers.get("x-api-key")


class Allow:
    """A dependency that authenticates the caller and admits only the given roles."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    def __call__(self, request: Request) -> Principal:
        principal = request.app.state.container.keys.verify(bearer_token(request))
        if principal.role not in self.roles:
            allowed = tuple(r.value for r in self.roles)
            raise AccessDenied(
                f"the {principal.role.value} role may not do this; allowed: {', '.join(allowed)}",
                principal.role.value,
                allowed,
            )
        request.state.principal = principal
        return principal
