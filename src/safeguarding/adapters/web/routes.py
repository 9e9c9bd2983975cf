"""The web UI's pages: log in with an API key, then one landing page per role.

A login starts a session kept in the store (``WebSessions``); the signed cookie
(SameSite=Strict, Secure behind https) holds only its random id and the CSRF token
(``csrf.py``), never the key. Each page looks the session up, so logout and key
revocation end it in every process. Failed logins are throttled like the API's.

Each page declares the permission it needs with ``Depends(Page(Permission.X))``: the roles
holding it come from ``domain/permissions.py``, the same table the API's ``Allow`` reads.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from safeguarding.adapters.http.auth import authenticate
from safeguarding.adapters.http.problems import status_for
from safeguarding.adapters.http.services import (
    CaseViews,
    Keys,
    Now,
    Policies,
    Review,
    Sessions,
)
from safeguarding.adapters.web.csrf import CrossSiteRefused, csrf_token, renew_token
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.errors import SafeguardingError, TooManyAttempts, Unauthenticated
from safeguarding.domain.permissions import Permission
from safeguarding.services.auditor import Read
from safeguarding.services.policy import PolicyService
from safeguarding.services.sessions import WebSessions

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


def noun(word: str, count: int, many: str | None = None) -> str:
    """``word`` as ``count`` of it needs: "1 case", "2 cases" (``many`` when not just +s)."""
    return word if count == 1 else many or f"{word}s"


templates.env.filters["due"] = due
templates.env.filters["noun"] = noun
# Root-relative, so no asset URL is built from the request's Host header.
templates.env.globals["static_url"] = lambda path: f"/ui/static/{path}"
router = APIRouter(prefix="/ui", include_in_schema=False)
ERROR_PAGE = "pages/error.html"

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
    # Browsers ask for /favicon.ico whatever the page says; answer rather than 404.
    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)


def favicon() -> FileResponse:
    return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon")


def _principal(request: Request, sessions: WebSessions) -> Principal | None:
    session_id = request.session.get("sid")
    principal = sessions.principal(session_id)
    if principal is None and session_id is not None:
        del request.session["sid"]
    return principal


def page(
    request: Request, name: str, principal: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    nav = NAV.get(principal.role, []) if principal else []
    context = {"principal": principal, "nav": nav, "csrf": csrf_token(request), **context}
    return templates.TemplateResponse(request, name, context, status_code=status)


def cross_site_refused(request: Request, exc: Exception) -> Response:
    """The 403 page for a UI request that failed the CSRF checks; nothing was done."""
    assert isinstance(exc, CrossSiteRefused)
    title = "Refused: not sent from this service's own page"
    return page(request, "pages/error.html", None, 403, title=title, detail=exc.reason)


class PageRefused(Exception):
    """A page's gate said no: ``response`` is the login redirect or the 403 page."""

    def __init__(self, response: Response) -> None:
        super().__init__("page refused")
        self.response = response


def page_refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    return exc.response


class Page:
    """The web UI's gate, a dependency: the session's caller when its role holds
    ``permission``, else the login page (no session) or a 403 page. With ``audit``, a
    regulator's visit is recorded in the audit log as ``ui:<audit>``."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        self.roles = permission.roles

    def __call__(self, request: Request, sessions: Sessions) -> Principal:
        principal = _principal(request, sessions)
        if principal is None:
            raise PageRefused(RedirectResponse("/ui/login", status_code=303))
        if not self.permission.admits(principal):
            detail = f"This page is for: {', '.join(r.value for r in self.roles)}."
            title = "Not for your role"
            raise PageRefused(page(request, ERROR_PAGE, principal, 403, title=title, detail=detail))
        return principal


def refused(request: Request, who: Principal, exc: SafeguardingError) -> Response:
    """The error page for a refused action, with the status the API would answer."""
    status = status_for(exc)
    return page(request, "pages/error.html", who, status, title=exc.title, detail=str(exc))


@router.get("/")
def home(sessions: Sessions, request: Request) -> Response:
    principal = _principal(request, sessions)
    return RedirectResponse(LANDING[principal.role] if principal else "/ui/login", status_code=303)


@router.get("/login")
def login_form(request: Request) -> Response:
    return page(request, "pages/login.html", None)


@router.post("/login")
def login(keys: Keys, sessions: Sessions, request: Request, api_key: str = Form("")) -> Response:
    try:
        principal = authenticate(request, api_key.strip(), keys)
    except TooManyAttempts as exc:
        wait = exc.retry_after_seconds
        error = f"Too many failed tries. Wait {wait} seconds, then try again."
        refused_page = page(request, "pages/login.html", None, 429, error=error)
        refused_page.headers["Retry-After"] = str(wait)
        return refused_page
    except Unauthenticated:
        return page(request, "pages/login.html", None, 401, error="That key is not valid.")
    sessions.end(request.session.get("sid"), None)
    request.session.clear()
    request.session["sid"] = sessions.start(principal)
    renew_token(request)
    return RedirectResponse(LANDING[principal.role], status_code=303)


@router.post("/logout")
def logout(sessions: Sessions, request: Request) -> Response:
    session_id = request.session.get("sid")
    sessions.end(session_id, sessions.principal(session_id))
    request.session.clear()
    return RedirectResponse("/ui/login", status_code=303)


@router.get("/queue")
def queue(
    case_views: CaseViews,
    clock: Now,
    review: Review,
    request: Request,
    harm: str | None = None,
    who: Principal = Depends(Page(Permission.REVIEW_CASES)),
) -> Response:
    counts = review.counts()
    return page(
        request,
        "pages/queue.html",
        who,
        cases=review.queue(principal=who, harm=harm),
        counts=counts,
        harms=[q for q in sorted(counts.cases_by_queue) if who.works(q)],
        harm=harm,
        exposures=case_views.exposures([who.audit_name]).get(who.audit_name, 0),
        now=clock.now(),
    )


@router.get("/queue/rows")
def queue_rows(
    clock: Now,
    review: Review,
    request: Request,
    harm: str | None = None,
    who: Principal = Depends(Page(Permission.REVIEW_CASES)),
) -> Response:
    cases = review.queue(principal=who, harm=harm)
    return page(request, "components/case_rows.html", who, cases=cases, now=clock.now())


@router.get("/policy")
def policy(
    policies: Policies, request: Request, who: Principal = Depends(Page(Permission.CHANGE_POLICY))
) -> Response:
    return policy_page(request, who, policies)


def policy_page(
    request: Request, who: Principal, policies: PolicyService, read: Read | None = None
) -> Response:
    """The policy in force and its history, for an admin or the regulator."""
    return page(
        request,
        "pages/policy.html",
        who,
        policy=policies.current_readonly(read),
        history=policies.history(),
    )


@router.get("/platform")
def platform(
    policies: Policies,
    review: Review,
    request: Request,
    who: Principal = Depends(Page(Permission.VIEW_PLATFORM_OVERVIEW)),
) -> Response:
    return page(
        request,
        "pages/figures.html",
        who,
        heading="Platform overview",
        intro="What the engine has decided on the events your platform sent.",
        counts=review.counts(),
        policy=policies.current_readonly(),
    )
