"""``create_app(container)``: the FastAPI application.

Middleware, outermost first:
1. RequestLog: one structured line and metrics per request (sees refusals too);
2. BodyLimit: 413 for bodies over ``max_body_bytes`` before anything reads them;
3. SessionMiddleware: signed cookie sessions for the web UI only.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from safeguarding import __version__
from safeguarding.adapters import logs
from safeguarding.adapters.http import problems
from safeguarding.adapters.http.middleware import AdmissionLimit, BodyLimit, Metrics, RequestLog
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
    information_requests,
    policy,
    regulator,
    reports,
    review,
    risk,
    transparency,
)
from safeguarding.adapters.web import portals as web_portals
from safeguarding.adapters.web import regulator_pages as web_regulator
from safeguarding.adapters.web import review as web_review
from safeguarding.adapters.web import routes as web
from safeguarding.adapters.web import transparency as web_transparency
from safeguarding.bootstrap import Container, attach_stream, build, session_secret
from safeguarding.settings import load_settings

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
    app.state.metrics = Metrics()
    problems.install(app)
    routers = (events.router, feeds.router, policy.router, admin.router, banks.router)
    routers += (evidence.router, reports.router, review.router, information_requests.router)
    routers += (complaints.router, regulator.router)
    routers += (transparency.router, web_transparency.router)
    routers += (risk.router, compliance.router)
    routers += (hma.hashing, hma.matching, health.router)
    for router in (
        *routers,
        web.router,
        web_review.router,
        web_portals.router,
        web_regulator.router,
    ):
        app.include_router(router)
    web.mount_static(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie="safeguarding_session",
        max_age=8 * 3600,
        same_site="strict",
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(AdmissionLimit, limit=settings.max_concurrent_requests)
    app.add_middleware(RequestLog, metrics=app.state.metrics)
    return app
