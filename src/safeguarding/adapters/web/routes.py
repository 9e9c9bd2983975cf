"""The web UI's pages: log in with an API key, then one landing page per role.

Sessions are signed cookies (SameSite=Strict) holding the key's id and role,
never the key. Each page re-checks that the key is still active.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from safeguarding.adapters.http.problems import status_for
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.errors import SafeguardingError, Unauthenticated
from safeguarding.services.keys import principal_of

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def due(deadline: datetime, now: datetime) -> Markup:
    """How long until a deadline, or how far past it, in words a moderator scans."""
    minutes = int((deadline - now).total_seconds() // 60)
    span = abs(minutes)
    if span < 90:
        words = f"{span} min"
    else:
        words = f"{round(span / 60)} h" if span < 48 * 60 else f"{round(span / 1440)} d"
    if minutes < 0:
        return Markup('<span class="overdue">overdue by {}</span>').format(words)
    return Markup("in {}").format(words)


templates.env.filters["due"] = due
router = APIRouter(prefix="/ui", include_in_schema=False)

REGULATOR_NAV = [
    ("Overview", "/ui/regulator"),
    ("Transparency", "/ui/transparency"),
    ("Risk assessment", "/ui/risk"),
    ("Compliance", "/ui/compliance"),
    ("Policy", "/ui/regulator/policy"),
    ("Samples", "/ui/regulator/samples"),
    ("Information requests", "/ui/regulator/requests"),
    ("Complaints", "/ui/regulator/complaints"),
]
ADVOCATE_NAV = [("Overview", "/ui/advocate"), ("Transparency", "/ui/transparency")]
LANDING = {
    Role.MODERATOR: "/ui/queue",
    Role.ADMIN: "/ui/policy",
    Role.REGULATOR: "/ui/regulator",
    Role.ADVOCATE: "/ui/advocate",
    Role.PLATFORM: "/ui/platform",
}
NAV = {
    Role.MODERATOR: [("Queue", "/ui/queue")],
    Role.ADMIN: [
        ("Policy", "/ui/policy"),
        ("Queue", "/ui/queue"),
        ("Exposures", "/ui/exposures"),
        ("Requests", "/ui/admin/requests"),
    ],
    Role.REGULATOR: REGULATOR_NAV,
    Role.ADVOCATE: ADVOCATE_NAV,
    Role.PLATFORM: [("Overview", "/ui/platform")],
}


def mount_static(app: FastAPI) -> None:
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="static")


def _principal(request: Request) -> Principal | None:
    data = request.session.get("principal")
    if not data:
        return None
    with request.app.state.container.store.read() as uow:
        record = uow.key_get(data["key_id"])
    if record is None or record.revoked_at is not None:
        request.session.clear()
        return None
    return principal_of(record)


def page(
    request: Request, name: str, principal: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    nav = NAV.get(principal.role, []) if principal else []
    return templates.TemplateResponse(
        request, name, {"principal": principal, "nav": nav, **context}, status_code=status
    )


def gate(request: Request, *roles: Role) -> Principal | Response:
    principal = _principal(request)
    if principal is None:
        return RedirectResponse("/ui/login", status_code=303)
    if principal.role not in roles:
        return page(
            request,
            "pages/error.html",
            principal,
            403,
            title="Not for your role",
            detail=f"This page is for: {', '.join(r.value for r in roles)}.",
        )
    return principal


def refused(request: Request, who: Principal, exc: SafeguardingError) -> Response:
    """The error page for a refused action, with the status the API would answer."""
    status = status_for(exc)
    return page(request, "pages/error.html", who, status, title=exc.title, detail=str(exc))


def audited_gate(request: Request, what: str, *roles: Role) -> Principal | Response:
    """``gate``, and a regulator's visit to ``what`` recorded in the audit log."""
    who = gate(request, *roles)
    if isinstance(who, Principal):
        request.app.state.container.access.read(who, f"ui:{what}")
    return who


@router.get("/")
def home(request: Request) -> Response:
    principal = _principal(request)
    return RedirectResponse(LANDING[principal.role] if principal else "/ui/login", status_code=303)


@router.get("/login")
def login_form(request: Request) -> Response:
    return page(request, "pages/login.html", None)


@router.post("/login")
def login(request: Request, api_key: str = Form("")) -> Response:
    try:
        principal = request.app.state.container.keys.verify(api_key.strip())
    except Unauthenticated:
        return page(request, "pages/login.html", None, 401, error="That key is not valid.")
    request.session["principal"] = {"key_id": principal.key_id, "role": principal.role.value}
    return RedirectResponse(LANDING[principal.role], status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/ui/login", status_code=303)


@router.get("/queue")
def queue(request: Request, harm: str | None = None) -> Response:
    who = gate(request, Role.MODERATOR, Role.ADMIN)
    if not isinstance(who, Principal):
        return who
    app = request.app.state.container
    counts = app.review.counts()
    return page(
        request,
        "pages/queue.html",
        who,
        cases=app.review.queue(principal=who, harm=harm),
        counts=counts,
        harms=[q for q in sorted(counts.cases_by_queue) if who.works(q)],
        harm=harm,
        exposures=app.case_views.exposures([who.audit_name]).get(who.audit_name, 0),
        now=app.clock.now(),
    )


@router.get("/queue/rows")
def queue_rows(request: Request, harm: str | None = None) -> Response:
    who = gate(request, Role.MODERATOR, Role.ADMIN)
    if not isinstance(who, Principal):
        return who
    app = request.app.state.container
    cases = app.review.queue(principal=who, harm=harm)
    return page(request, "components/case_rows.html", who, cases=cases, now=app.clock.now())


@router.get("/policy")
def policy(request: Request) -> Response:
    who = gate(request, Role.ADMIN)
    return policy_page(request, who) if isinstance(who, Principal) else who


def policy_page(request: Request, who: Principal) -> Response:
    """The policy in force and its history, for an admin or the regulator."""
    policies = request.app.state.container.policies
    return page(
        request,
        "pages/policy.html",
        who,
        policy=policies.current_readonly(),
        history=policies.history(),
    )


@router.get("/platform")
def platform(request: Request) -> Response:
    who = gate(request, Role.PLATFORM)
    if not isinstance(who, Principal):
        return who
    app = request.app.state.container
    return page(
        request,
        "pages/figures.html",
        who,
        heading="Platform overview",
        intro="What the engine has decided on the events your platform sent.",
        counts=app.review.counts(),
        policy=app.policies.current_readonly(),
    )
