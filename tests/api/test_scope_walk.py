"""The scope walk: every operation on a case, report, complaint, evidence or super-complaint,
over the API and the web UI, tried with a key of the right role but the wrong scope.

The role walk (test_roles.py) proves each route admits only its roles. This one proves that a
right role is not enough: a moderator of another queue, another advocacy body's advocate, the
regulator without an open information request naming the event, and a key made again under a
name that once had the scope are refused with a 403 that names the queue, body or request they
lack (problem+json over the API; never the CSRF or role check's 403); a revoked key gets 401,
its web session a redirect to the login. Nothing in the store changes, the audit log included.
Lists answer, but without the thing. The walk reads the app's own route table, so a new route
touching these things that nobody listed here fails it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.domain.access import Role
from tests.api.scope_world import World, snapshot
from tests.api.test_roles import cheap_key_hashing, route_table  # noqa: F401
from tests.conftest import auth
from tests.web.session import CSRF_REFUSAL, browser, ui_client

# The walk tries revoked keys again and again: the login throttle would soon answer 429.
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("unthrottled")]
PROBLEM = "application/problem+json"
SCOPED = ("/cases", "/reports", "/complaints", "/evidence", "/super-complaints", "/queue")
SCOPED += ("/advocate",)
REASON = {"reason": "checking the case for a review"}
UPHOLD = {"status": "upheld", "reason": "The photo is the appellant's own holiday picture."}

MODERATORS = ("self_harm moderator", "alex again, self_harm")
NOT_GROOMING = (*MODERATORS, "abuse moderator")
OTHER_BODIES = ("advocate B", "voice again, other body")


@dataclass(frozen=True)
class Attempt:
    """One operation on one scoped thing, and who of the right role may not do it.

    ``url`` names the world's ids in braces. ``hidden`` marks a list: the wrong callers get
    an answer, and it must not show these ids. ``revoked`` is a key of the right role and
    scope, revoked since.
    """

    url: str
    wrong: tuple[str, ...]
    revoked: str | None = None
    body: dict[str, Any] | None = None
    hidden: tuple[str, ...] = ()


API: dict[str, Attempt] = {
    "POST /v1/cases/{case_id}/claim": Attempt(
        "/v1/cases/{open_grooming_case}/claim", NOT_GROOMING, "revoked grooming moderator"
    ),
    "POST /v1/cases/{case_id}/release": Attempt(
        "/v1/cases/{open_grooming_case}/release", NOT_GROOMING, "revoked grooming moderator"
    ),
    "POST /v1/cases/{case_id}/decision": Attempt(
        "/v1/cases/{open_grooming_case}/decision",
        NOT_GROOMING,
        "revoked grooming moderator",
        {"outcome": "dismiss", "reason_code": "false_positive"},
    ),
    "GET /v1/cases": Attempt("/v1/cases", MODERATORS, hidden=("{open_grooming_case}",)),
    "GET /v1/reports": Attempt("/v1/reports", MODERATORS, hidden=("{grooming_event}",)),
    "GET /v1/reports/{authority}/{event_id}": Attempt(
        "/v1/reports/default/{grooming_event}",
        (*NOT_GROOMING, "regulator"),
        "revoked grooming moderator",
    ),
    "POST /v1/reports/{authority}/{event_id}/confirm": Attempt(
        "/v1/reports/default/{grooming_event}/confirm", NOT_GROOMING, "revoked grooming moderator"
    ),
    "POST /v1/reports/{authority}/{event_id}/submit": Attempt(
        "/v1/reports/default/{grooming_event}/submit", NOT_GROOMING, "revoked grooming moderator"
    ),
    "GET /v1/complaints": Attempt("/v1/complaints", MODERATORS, hidden=("{appeal}", "{complaint}")),
    "GET /v1/complaints/{complaint_id}": Attempt(
        "/v1/complaints/{appeal}", (*MODERATORS, "grooming moderator"), "revoked grooming moderator"
    ),
    "POST /v1/complaints/{complaint_id}/decision": Attempt(
        "/v1/complaints/{appeal}/decision",
        (*MODERATORS, "grooming moderator"),
        "revoked grooming moderator",
        UPHOLD,
    ),
    "GET /v1/evidence/{event_id}": Attempt(
        "/v1/evidence/{grooming_event}", NOT_GROOMING, "revoked grooming moderator"
    ),
    "POST /v1/evidence/{event_id}/read": Attempt(
        "/v1/evidence/{grooming_event}/read",
        (*NOT_GROOMING, "regulator"),
        "revoked grooming moderator",
        REASON,
    ),
    "PUT /v1/evidence/{event_id}/hold": Attempt(
        "/v1/evidence/{grooming_event}/hold", (), "revoked admin", REASON
    ),
    "DELETE /v1/evidence/{event_id}/hold": Attempt(
        "/v1/evidence/{grooming_event}/hold", (), "revoked admin"
    ),
    "GET /v1/super-complaints": Attempt(
        "/v1/super-complaints", OTHER_BODIES, hidden=("{super_complaint}",)
    ),
    "GET /v1/super-complaints/{super_complaint_id}": Attempt(
        "/v1/super-complaints/{super_complaint}", OTHER_BODIES, "revoked advocate A"
    ),
    "GET /v1/super-complaints/{super_complaint_id}/files/{attachment_id}": Attempt(
        "/v1/super-complaints/{super_complaint}/files/{attachment}",
        OTHER_BODIES,
        "revoked advocate A",
    ),
    "POST /v1/super-complaints/{super_complaint_id}/response": Attempt(
        "/v1/super-complaints/{super_complaint}/response",
        (),
        "revoked admin",
        {"status": "under_review", "response": ""},
    ),
}

WEB: dict[str, Attempt] = {
    "GET /ui/cases/{case_id}": Attempt("/ui/cases/{grooming_case}", NOT_GROOMING, "moderator"),
    "POST /ui/cases/{case_id}/claim": Attempt(
        "/ui/cases/{open_grooming_case}/claim", NOT_GROOMING, "moderator"
    ),
    "POST /ui/cases/{case_id}/release": Attempt(
        "/ui/cases/{open_grooming_case}/release", NOT_GROOMING, "moderator"
    ),
    "POST /ui/cases/{case_id}/decision": Attempt(
        "/ui/cases/{open_grooming_case}/decision",
        NOT_GROOMING,
        "moderator",
        {"outcome": "dismiss", "reason_code": "false_positive"},
    ),
    "POST /ui/cases/{case_id}/reveal/{event_id}": Attempt(
        "/ui/cases/{abuse_case}/reveal/{known_image}",
        ("self_harm moderator", "grooming moderator"),
        "moderator",
    ),
    "POST /ui/cases/{case_id}/reports/{authority}/{event_id}/confirm": Attempt(
        "/ui/cases/{grooming_case}/reports/default/{grooming_event}/confirm",
        NOT_GROOMING,
        "moderator",
    ),
    "GET /ui/queue": Attempt("/ui/queue", MODERATORS, hidden=("{open_grooming_case}",)),
    "GET /ui/queue/rows": Attempt(
        "/ui/queue/rows?harm=grooming", MODERATORS, hidden=("{open_grooming_case}",)
    ),
    "GET /ui/advocate": Attempt("/ui/advocate", OTHER_BODIES, hidden=("Strangers reach",)),
    "POST /ui/admin/super-complaints/{super_complaint_id}/response": Attempt(
        "/ui/admin/super-complaints/{super_complaint}/response",
        (),
        "admin",
        {"status": "under_review", "response": ""},
    ),
}

# Touching these things, but with no one to refuse by scope, and why.
UNSCOPED = {
    "POST /v1/complaints": "the platform files for its own users; there is no queue yet",
    "GET /v1/complaints/wording": "fixed words for the platform to show; no one's data",
    "POST /v1/super-complaints": "an advocate files for its own body",
    "POST /ui/advocate/super-complaints": "an advocate files for its own body",
    "GET /ui/regulator/complaints": "the regulator oversees every complaint (its reads audited)",
}


@pytest.fixture
def app(world: World) -> Any:
    return create_app(world.container, run_outbox_worker=False)


def scoped_routes(app: Any) -> set[str]:
    found = set()
    for route in route_table(app):
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD" and any(word in route.path for word in SCOPED):
                found.add(f"{method} {route.path}")
    return found


def filled(text: str, world: World) -> str:
    return text.format(**world.ids)


# The scope rule's own words (services/access.py, review.py, complaints.py): a 403 that says
# none of them came from some other check (the role gate, CSRF) and proves nothing here.
SCOPE_RULE = re.compile(
    r"which \S+ does not work|not in a queue \S+ works|filed by another body"
    r"|only under an open formal information request"
)
WEB_REFUSAL = re.compile(r"<h1>(.*?)</h1>\s*<p>(.*?)</p>", re.S)


def problem(response: httpx.Response, api: bool, job: Attempt, world: World, label: str) -> str:
    """What is wrong with the answer to a wrong caller; empty when it was properly refused."""
    if job.hidden:
        if response.status_code != 200:
            return f"a list answered {response.status_code}"
        shown = [filled(h, world) for h in job.hidden if filled(h, world) in response.text]
        return f"the list shows {shown}" if shown else ""
    if label == job.revoked:
        return revocation_problem(response, api)
    return scope_problem(response, api)


def revocation_problem(response: httpx.Response, api: bool) -> str:
    """A revoked key of the right scope: 401 over the API; its web session has ended."""
    if api:
        if response.status_code != 401:
            return f"a revoked key got {response.status_code}"
        kind = response.headers["content-type"]
        return "" if kind == PROBLEM else f"refused as {kind}"
    if response.status_code != 303:
        return f"a revoked key's session got {response.status_code}"
    to = response.headers["location"]
    return "" if to == "/ui/login" else f"a revoked key's session was sent to {to}"


def scope_problem(response: httpx.Response, api: bool) -> str:
    """The wrong scope: a 403 that names the queue, body or request the caller lacks."""
    if response.status_code != 403:
        return f"answered {response.status_code}"
    if api:
        kind = response.headers["content-type"]
        said = response.json()["detail"] if kind == PROBLEM else f"(refused as {kind})"
    else:
        found = WEB_REFUSAL.search(response.text)
        said = html.unescape(" ".join(found.groups())) if found else response.text
        if CSRF_REFUSAL in said:
            return f"refused by the CSRF check, not by scope: {said}"
    return "" if SCOPE_RULE.search(said) else f"403 not by the scope rule: {said}"


async def attempt(
    http: httpx.AsyncClient, world: World, route: str, job: Attempt, headers: dict[str, str]
) -> httpx.Response:
    method = route.split()[0]
    url = filled(job.url, world)
    if not url.startswith("/ui/"):
        return await http.request(method, url, headers=headers, json=job.body)
    return await http.request(method, url, headers=headers, data=job.body)


def test_the_walk_lists_every_route_that_touches_a_scoped_thing(app: Any) -> None:
    listed = set(API) | set(WEB) | set(UNSCOPED)
    assert scoped_routes(app) - listed == set(), "routes nobody put in the scope walk"
    assert listed - scoped_routes(app) == set(), "the walk lists routes the app no longer has"


Caller = Callable[[str, Attempt, str], Awaitable[httpx.Response]]


def changed(before: dict[str, list[str]], after: dict[str, list[str]], listing: bool) -> bool:
    """Whether the store changed; a list a wrong caller may read (of what is theirs, which may
    be nothing) adds the record of that read to the audit log, and only that."""
    if not listing:
        return after != before
    new = [r for r in after["audit_log"] if r not in before["audit_log"]]
    reads = all(".read'" in r for r in new)
    return {**after, "audit_log": []} != {**before, "audit_log": []} or not reads


async def walk(world: World, jobs: dict[str, Attempt], call: Caller, api: bool) -> list[str]:
    """Every wrong caller on every route: what was not refused, or changed the store."""
    failures = []
    for route, job in jobs.items():
        for label in (*job.wrong, *([job.revoked] if job.revoked else [])):
            before = snapshot(world.container)
            found = problem(await call(route, job, label), api, job, world, label)
            if changed(before, snapshot(world.container), listing=bool(job.hidden)):
                found += " and changed the store"
            if found:
                failures.append(f"{route} as {label}: {found}")
    return failures


async def test_over_the_api_the_wrong_scope_is_refused_and_changes_nothing(app, world) -> None:
    async with ui_client(app) as http:

        async def call(route: str, job: Attempt, label: str) -> httpx.Response:
            return await attempt(http, world, route, job, auth(world.keys[label]))

        assert await walk(world, API, call, api=True) == []


async def web_sessions(app: Any, world: World, stack: Any) -> dict[str, httpx.AsyncClient]:
    """A logged-in browser per wrong caller, and per role one whose key was revoked since."""
    labels = {label for job in WEB.values() for label in job.wrong}
    browsers = {
        label: await stack.enter_async_context(browser(app, world.keys[label])) for label in labels
    }
    app_keys = world.container.keys
    for role, queues in ((Role.MODERATOR, ["grooming"]), (Role.ADMIN, None)):
        made, record = app_keys.create(f"revoked-{role.value}", role.value, queues=queues)
        browsers[role.value] = await stack.enter_async_context(browser(app, made))
        app_keys.revoke(record.key_id)
    return browsers


async def test_in_the_web_ui_the_wrong_scope_is_refused_and_changes_nothing(app, world) -> None:
    async with AsyncExitStack() as stack:
        # Every login happens here, before the walk: its session row and "session.start" audit
        # record are what logging in rightly changes. The walk's snapshots are all taken after
        # it, so every table (web_sessions and audit_log included) must stay as it is.
        browsers = await web_sessions(app, world, stack)

        async def call(route: str, job: Attempt, label: str) -> httpx.Response:
            return await attempt(browsers[label], world, route, job, {})

        assert await walk(world, WEB, call, api=False) == []


async def test_the_right_scope_gets_through_the_same_doors(app, world) -> None:
    """The refusals above are about scope: the same requests in scope are answered."""
    groomer = world.keys["grooming moderator"]
    async with ui_client(app) as http:
        for route in ("GET /v1/reports/{authority}/{event_id}", "GET /v1/evidence/{event_id}"):
            job = API[route]
            response = await attempt(http, world, route, job, auth(groomer))
            assert response.status_code == 200, route
        listed = await http.get("/v1/cases", headers=auth(groomer))
        assert world.ids["open_grooming_case"] in listed.text
    async with browser(app, groomer) as groomer_ui:
        page = await groomer_ui.get(filled(WEB["GET /ui/cases/{case_id}"].url, world))
        assert page.status_code == 200
        released = await groomer_ui.post(filled(WEB["POST /ui/cases/{case_id}/release"].url, world))
        assert released.status_code == 303
        assert released.headers["location"].startswith("/ui/cases/")
    async with browser(app, world.keys["advocate A"]) as advocate:
        assert "Strangers reach" in (await advocate.get("/ui/advocate")).text
