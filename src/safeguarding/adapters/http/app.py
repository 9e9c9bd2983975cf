"""``create_app(container)``: the FastAPI application.

Middleware, outermost first:
1. RequestLog: one structured line and metrics per request (sees refusals too);
2. SecurityHeaders: CSP, nosniff, no Referer, no-store, on every answer (refusals too);
3. AdmissionLimit: 503 + Retry-After past ``max_concurrent_requests`` in flight;
4. BodyLimit: 413 for bodies over ``max_body_bytes`` before anything reads them;
5. SessionMiddleware: signed cookie sessions for the web UI only (Secure behind https).

Every web UI route depends on ``csrf.guard``: a state-changing request that is not from the
service's own pages gets a 403 page and changes nothing. Every API route depends on
``Allow(permission)`` and every web page on ``Page(permission)``, both reading the one table
in ``domain/permissions.py``.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware

from safeguarding import __version__
from safeguarding.adapters import logs
from safeguarding.adapters.http import problems
from safeguarding.adapters.http.middleware import (
    AdmissionLimit,
    BodyLimit,
    Metrics,
    RequestLog,
    SecurityHeaders,
)
from safeguarding.adapters.http.routes import (
    admin,
    banks,
    complaints,
    compliance,
    events,
    evidence,
    feeds,
    health,
    hma,
    hma_config,
    hma_curation,
    hma_matching,
    information_requests,
    policy,
    regulator,
    reports,
    review,
    risk,
    sharing,
    transparency,
    webhooks,
)
from safeguarding.adapters.web import portals as web_portals
from safeguarding.adapters.web import regulator_pages as web_regulator
from safeguarding.adapters.web import review as web_review
from safeguarding.adapters.web import routes as web
from safeguarding.adapters.web import transparency as web_transparency
from safeguarding.adapters.web.csrf import CrossSiteRefused, guard
from safeguarding.bootstrap import Container, attach_stream, build
from safeguarding.services.sessions import SESSION_HOURS
from safeguarding.settings import Settings, load_settings
from safeguarding.wiring import session_secret

DESCRIPTION = """Safeguarding decides on platform events (messages, uploads, contact requests,
reports) and explains each decision. Authenticate with `Authorization: Bearer <API key>`;
each operation lists the roles it admits. Errors are `application/problem+json`."""


def app_from_environment() -> FastAPI:
    """The app of one `serve --workers N` process: settings from the environment, schema ready."""
    settings = load_settings()
    logs.configure(settings.log_level)
    container = build(settings, migrate_schema=False)
    attach_stream(container)
    return create_app(container, close_on_shutdown=True)


def create_app(
    container: Container, *, run_outbox_worker: bool | None = None, close_on_shutdown: bool = False
) -> FastAPI:
    settings = container.settings
    run_worker = settings.outbox_worker if run_outbox_worker is None else run_outbox_worker

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        worker = None
        if run_worker:
            worker = container.outbox.start_thread(stop, settings.outbox_poll_seconds)
        yield
        stop.set()
        if worker is not None:
            worker.join(timeout=10)
        if close_on_shutdown:
            container.close()

    app = FastAPI(
        title="Safeguarding", version=__version__, description=DESCRIPTION, lifespan=lifespan
    )
    app.state.container = container
    app.state.metrics = Metrics(container.state_metrics())
    problems.install(app)
    routers = (events.router, feeds.router, policy.router, admin.router, banks.router)
    routers += (evidence.router, reports.router, review.router, information_requests.router)
    routers += (complaints.router, regulator.router, sharing.router)
    routers += (transparency.router, risk.router, compliance.router)
    routers += (hma.hashing, hma_matching.matching, hma_curation.curation)
    routers += (hma_config.config, hma_matching.status, health.router)
    for router in routers:
        app.include_router(router)
    app.webhooks.include_router(webhooks.webhooks)
    pages = (web.router, web_review.router, web_portals.router, web_regulator.router)
    for router in (*pages, web_transparency.router):
        app.include_router(router, dependencies=[Depends(guard)])
    app.add_exception_handler(CrossSiteRefused, web.cross_site_refused)
    app.add_exception_handler(web.PageRefused, web.page_refused)
    web.mount_static(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie="safeguarding_session",
        max_age=SESSION_HOURS * 3600,
        same_site="strict",
        https_only=secure_cookies(settings),
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(AdmissionLimit, limit=settings.max_concurrent_requests)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLog, metrics=app.state.metrics)
    return app


def secure_cookies(settings: Settings) -> bool:
    """Whether the session cookie is marked Secure: behind https, or when set so."""
    public_url = settings.public_url or ""
    return settings.session_cookie_secure or public_url.startswith("https://")
