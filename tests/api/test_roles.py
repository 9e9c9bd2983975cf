"""Every endpoint declares its permission; every role is tried on every endpoint.

The walk reads the app's own route table, so an API route added without
``Depends(Allow(Permission.X))``, or a web page without ``Depends(Page(Permission.X))``,
fails here, and a role not holding a route's permission (``domain/permissions.py``) is proved
to get 403. Missing, wrong and revoked keys get 401.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant

from safeguarding.adapters.http.app import create_app
from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.web.routes import Page
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.permissions import GRANTS, Permission
from safeguarding.services import keys as key_service
from tests.conftest import auth
from tests.web.session import browser

pytestmark = pytest.mark.anyio

# Open without a key: operations, the API docs, the icon, and the web UI's way in and out.
OPEN_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect"}
    | {"/status", "/status/live", "/favicon.ico"}  # HMA's health checks; the icon
    | {"/ui/", "/ui/login", "/ui/logout", "/ui/static"}  # the UI's landing, login, assets
)
PROBLEM = "application/problem+json"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@pytest.fixture(autouse=True)
def cheap_key_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest: the walk verifies a key per request; it tests roles, not hashing."""
    monkeypatch.setattr(
        key_service, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@dataclass(frozen=True)
class Endpoint:
    """One method on one route, with the permission its ``Allow`` (API) or ``Page`` (web UI)
    declares (None: neither) and the roles holding it."""

    method: str
    path: str
    permission: Permission | None
    web: bool = False

    @property
    def roles(self) -> tuple[Role, ...] | None:
        return self.permission.roles if self.permission is not None else None

    @property
    def url(self) -> str:
        # Any value will do for a path parameter: the auth answer comes before any lookup.
        return re.sub(r"\{[^}]+\}", "x", self.path)

    @property
    def is_open(self) -> bool:
        return self.path in OPEN_PATHS

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def route_table(app: FastAPI) -> list[Any]:
    """Every route with its router prefix applied, whichever way this FastAPI stores them."""
    try:
        # FastAPI 0.16x keeps each included router as one entry of app.routes.
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def find_allow(dependant: Dependant | None) -> Allow | Page | None:
    """The ``Allow`` or ``Page`` among a route's dependencies, at any depth."""
    for dep in dependant.dependencies if dependant is not None else ():
        if isinstance(dep.call, Allow | Page):
            return dep.call
        found = find_allow(dep)
        if found is not None:
            return found
    return None


def endpoints(app: FastAPI) -> list[Endpoint]:
    found = []
    for route in route_table(app):
        gate = find_allow(getattr(route, "dependant", None))
        permission = gate.permission if gate is not None else None
        # A mount (static files) has no methods; it stands for every method on its path.
        for method in sorted(getattr(route, "methods", None) or {"*"}):
            found.append(Endpoint(method, route.path, permission, isinstance(gate, Page)))
    return found


def protected(container: Container) -> list[Endpoint]:
    """The API's keyed endpoints (the web UI's pages are walked by their own test)."""
    app = create_app(container, run_outbox_worker=False)
    table = [e for e in endpoints(app) if e.roles and not e.web]
    # The walk must see the API; an empty walk would prove nothing.
    assert {"POST /v1/events", "PUT /v1/policy", "POST /v1/keys"} <= {str(e) for e in table}
    return table


async def call(
    client: httpx.AsyncClient, endpoint: Endpoint, headers: dict[str, str]
) -> httpx.Response:
    # A minimal body: allowed roles then get a 4xx about the body, never 401 or 403.
    body = {} if endpoint.method in BODY_METHODS else None
    return await client.request(endpoint.method, endpoint.url, headers=headers, json=body)


def failures(results: Iterable[tuple[Endpoint, str | None]]) -> list[str]:
    return [f"{endpoint}: {problem}" for endpoint, problem in results if problem]


async def test_every_api_route_declares_roles_and_only_documented_routes_are_open(
    container: Container,
) -> None:
    table = endpoints(create_app(container, run_outbox_worker=False))
    undeclared = [str(e) for e in table if e.permission is None and not e.is_open]
    empty = [str(e) for e in table if e.roles == ()]
    api_without_roles = [str(e) for e in table if e.path.startswith("/v1/") and not e.roles]
    web_undeclared = [str(e) for e in undeclared if e.startswith(("GET /ui/", "POST /ui/"))]
    assert undeclared == [], "routes declaring no permission that are not documented as open"
    assert empty == [], "a permission no role holds admits nobody; give it its roles"
    assert api_without_roles == []
    assert web_undeclared == [], "web pages must declare Depends(Page(Permission.X))"
    assert len([e for e in table if e.roles and not e.web]) >= 10
    assert len([e for e in table if e.web]) >= 20


async def test_every_permission_has_a_grant_and_a_route(container: Container) -> None:
    """The table is complete (every permission has roles and a scope), and none is dead."""
    assert set(GRANTS) == set(Permission)
    assert all(grant.roles and grant.scope for grant in GRANTS.values())
    used = {e.permission for e in endpoints(create_app(container, run_outbox_worker=False))}
    assert set(Permission) - used == set(), "permissions no route declares"


async def test_the_walk_catches_a_route_added_without_roles(container: Container) -> None:
    app = create_app(container, run_outbox_worker=False)
    nested = Depends(Allow(Permission.MANAGE_KEYS))

    def admin_only(_p: Any = nested) -> None:
        return None

    app.get("/v1/forgotten")(lambda: {})
    app.get("/v1/nested", dependencies=[Depends(admin_only)])(lambda: {})
    table = {str(e): e for e in endpoints(app)}
    assert table["GET /v1/forgotten"].roles is None
    assert not table["GET /v1/forgotten"].is_open
    assert table["GET /v1/nested"].roles == (Role.ADMIN,)


# What a regulator may POST: a read that must carry a reason, and its own formal requests.
REGULATOR_POSTS = {"POST /v1/evidence/{event_id}/read", "POST /v1/information-requests"}


async def test_the_regulator_role_only_reads(container: Container) -> None:
    writes = {
        str(e) for e in protected(container) if Role.REGULATOR in e.roles and e.method != "GET"
    }
    assert writes == REGULATOR_POSTS, "the regulator role reads, and files its own requests"


def role_problem(endpoint: Endpoint, role: Role, response: httpx.Response) -> str | None:
    assert endpoint.roles is not None
    if role in endpoint.roles:
        if response.status_code in (401, 403):
            return f"{role.value} is declared but got {response.status_code}"
        return None
    if response.status_code != 403:
        return f"{role.value} is not declared but got {response.status_code}"
    body = response.json()
    if response.headers["content-type"] != PROBLEM:
        return f"403 as {response.headers['content-type']}"
    if body["role"] != role.value or role.value not in body["detail"]:
        return f"403 does not name the role: {body}"
    if body["allowed_roles"] != [r.value for r in endpoint.roles]:
        return f"403 lists {body['allowed_roles']}, the route declares {endpoint.roles}"
    return None


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_each_role_gets_403_wherever_it_is_not_declared(
    client: httpx.AsyncClient, container: Container, keys: dict[Role, str], role: Role
) -> None:
    results = []
    for endpoint in protected(container):
        response = await call(client, endpoint, auth(keys[role]))
        results.append((endpoint, role_problem(endpoint, role, response)))
    assert failures(results) == []


def unauthenticated_problem(response: httpx.Response) -> str | None:
    if response.status_code != 401:
        return f"got {response.status_code}"
    if response.headers.get("www-authenticate") != "Bearer":
        return "401 without 'WWW-Authenticate: Bearer'"
    if response.headers["content-type"] != PROBLEM:
        return f"401 as {response.headers['content-type']}"
    return None


async def test_no_key_gets_401_with_a_bearer_challenge(
    client: httpx.AsyncClient, container: Container
) -> None:
    results = []
    for endpoint in protected(container):
        response = await call(client, endpoint, {})
        results.append((endpoint, unauthenticated_problem(response)))
    assert failures(results) == []


def _wrong_secret(keys: dict[Role, str]) -> dict[str, str]:
    key = keys[Role.ADMIN]
    return auth(key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB"))


WRONG_CREDENTIALS: dict[str, Callable[[dict[Role, str]], dict[str, str]]] = {
    "unknown-key-id": lambda _: auth("sgk_000000000000_" + "A" * 43),
    "malformed-key": lambda _: auth("not-a-key"),
    "wrong-secret": _wrong_secret,
    "empty-bearer": lambda _: {"Authorization": "Bearer "},
    "basic-scheme": lambda keys: {"Authorization": f"Basic {keys[Role.ADMIN]}"},
    "key-without-scheme": lambda keys: {"Authorization": keys[Role.ADMIN]},
    "unknown-x-api-key": lambda _: {"X-Api-Key": "sgk_ffffffffffff_secret"},
}


@pytest.mark.usefixtures("unthrottled")
@pytest.mark.parametrize("credentials", list(WRONG_CREDENTIALS))
async def test_a_wrong_key_gets_401(
    client: httpx.AsyncClient, container: Container, keys: dict[Role, str], credentials: str
) -> None:
    headers = WRONG_CREDENTIALS[credentials](keys)
    results = []
    for endpoint in protected(container):
        response = await call(client, endpoint, headers)
        results.append((endpoint, unauthenticated_problem(response)))
    assert failures(results) == []


@pytest.mark.usefixtures("unthrottled")
async def test_a_revoked_key_gets_401_everywhere(
    client: httpx.AsyncClient, container: Container
) -> None:
    issued = {
        role: container.keys.create(f"soon-revoked-{role.value}", role.value) for role in Role
    }
    figures = await client.get("/v1/figures", headers=auth(issued[Role.ADMIN][0]))
    assert figures.status_code == 200, "the key worked before it was revoked"
    for _key, record in issued.values():
        container.keys.revoke(record.key_id)
    results = []
    for endpoint in protected(container):
        for role in endpoint.roles or ():
            response = await call(client, endpoint, auth(issued[role][0]))
            results.append((endpoint, unauthenticated_problem(response)))
    assert failures(results) == []


def pages(container: Container) -> list[Endpoint]:
    return [e for e in endpoints(create_app(container, run_outbox_worker=False)) if e.web]


def page_problem(endpoint: Endpoint, role: Role, response: httpx.Response) -> str | None:
    """A role not holding the page's permission gets the 403 page; one holding it does not."""
    assert endpoint.roles is not None
    refused = response.status_code == 403 and "Not for your role" in response.text
    if role in endpoint.roles and refused:
        return f"{role.value} holds {endpoint.permission} but got the 403 page"
    if role not in endpoint.roles and not refused:
        return f"{role.value} lacks {endpoint.permission} but got {response.status_code}"
    return None


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_each_web_page_admits_exactly_the_roles_of_its_permission(
    container: Container, role: Role
) -> None:
    """The web UI reads the same table as the API: a page refuses every role not holding its
    permission with the 403 page, and shows itself (or its own answer) to those that do."""
    key = container.keys.create(f"web-walk-{role.value}", role.value)[0]
    results = []
    async with browser(create_app(container, run_outbox_worker=False), key) as client:
        for endpoint in pages(container):
            response = await client.request(endpoint.method, endpoint.url)
            results.append((endpoint, page_problem(endpoint, role, response)))
    assert failures(results) == []


async def test_every_web_page_sends_a_visitor_without_a_session_to_log_in(
    container: Container,
) -> None:
    transport = httpx.ASGITransport(app=create_app(container, run_outbox_worker=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        results = []
        for endpoint in pages(container):
            response = await client.request(endpoint.method, endpoint.url)
            moved = response.status_code == 303 and response.headers["location"] == "/ui/login"
            # A post without a session has no CSRF token: the CSRF check refuses it first.
            csrf = endpoint.method == "POST" and response.status_code == 403
            results.append((endpoint, None if moved or csrf else f"got {response.status_code}"))
    assert failures(results) == []
