"""ASGI middleware: admission limit, body size limit, security headers, logging and metrics.

Order (outermost first): logging and metrics see every request, including the ones the
admission and body limits refuse.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Importing it turns off the `_created` series of every counter and histogram.
from safeguarding.adapters.metrics import StateCollector

log = logging.getLogger("safeguarding.http")


class Metrics:
    """The Prometheus metrics of one app (its own registry, so apps in one process don't clash)."""

    def __init__(self, state: StateCollector | None = None) -> None:
        self.registry = CollectorRegistry()
        if state is not None:
            self.registry.register(state)
        self.requests = Counter(
            "safeguarding_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "safeguarding_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
        )
        self.events = Counter(
            "safeguarding_events", "Events ingested, by type", ["type"], registry=self.registry
        )
        self.decisions = Counter(
            "safeguarding_decisions",
            "Decisions made, by verdict",
            ["verdict"],
            registry=self.registry,
        )
        self.decision_seconds = Histogram(
            "safeguarding_decision_seconds",
            "Time to decide and record one ingest request",
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            await self._refuse(scope, send, 400, "the Content-Length header is not a number")
            return
        if declared is not None and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        if declared is None:
            # A chunked body: read it to the limit before the app starts, since an error raised
            # while the app parses it would come out as a 400 or 500, not this 413.
            buffered = await _read_within(receive, self.limit)
            if buffered is None:
                await self._refuse(scope, send)
                return
            receive = _replay(buffered, receive)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(scope, send)

    async def _refuse(
        self, scope: Scope, send: Send, status: int = 413, detail: str | None = None
    ) -> None:
        problem = {
            "type": "urn:safeguarding:problem:" + ("too-large" if status == 413 else "bad-request"),
            "title": "Too large" if status == 413 else "Bad request",
            "status": status,
            "detail": detail
            or f"the request body is over the limit of {self.limit} bytes "
            "(setting SAFEGUARDING_MAX_BODY_BYTES); send smaller batches",
            "instance": scope.get("path", ""),
        }
        if status == 413:
            problem["limit"] = self.limit
        await send_problem(send, problem, [(b"connection", b"close")])


async def send_problem(
    send: Send, problem: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    """Answer with a problem+json body from middleware, before the app has run."""
    body = json.dumps(problem).encode()
    head = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": problem["status"], "headers": head})
    await send({"type": "http.response.body", "body": body})


class AdmissionLimit:
    """Past ``limit`` requests in flight, answer 503 with Retry-After at once.

    Under more load than it can take, a server that queues every request grows its memory
    and makes every caller time out; one that refuses the excess early keeps serving the rest
    at full speed and tells clients when to come back. Health and metrics are never refused,
    so an orchestrator can still see a busy server is alive.
    """

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp, limit: int, retry_after_seconds: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = retry_after_seconds
        self.in_flight = 0  # one event loop: no lock needed between check and increment

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "") in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await self._refuse(scope, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _refuse(self, scope: Scope, send: Send) -> None:
        problem = {
            "type": "urn:safeguarding:problem:overloaded",
            "title": "Overloaded",
            "status": 503,
            "detail": f"{self.limit} requests are already in progress (setting "
            "SAFEGUARDING_MAX_CONCURRENT_REQUESTS); retry after the time in Retry-After",
            "instance": scope.get("path", ""),
        }
        await send_problem(send, problem, [(b"retry-after", str(self.retry_after).encode())])


class _TooLarge(Exception):
    pass


async def _read_within(receive: Receive, limit: int) -> list[Message] | None:
    """The request's messages up to the end of its body, or None once it passes ``limit``."""
    messages: list[Message] = []
    seen = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        seen += len(message.get("body", b""))
        if seen > limit:
            return None
        if not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives the buffered messages first, then the server's own."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


# The web UI's pages: only their own scripts, styles and images (previews are data: URIs).
UI_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# API answers are data, never pages: nothing may load or run from them.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The interactive API docs load Swagger UI from a CDN and start it with an inline script.
DOCS_POLICY = "frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """Headers on every response: a Content-Security-Policy, no framing, no MIME sniffing,
    no Referer, and ``Cache-Control: no-store`` on everything but the UI's static assets
    (pages, evidence and API answers may hold content no cache should keep)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = security_headers(scope.get("path", ""))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in added}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = [*kept, *added]
            await send(message)

        await self.app(scope, receive, sending)


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    """The security headers for a response to ``path``."""
    if path.startswith(DOCS_PATHS):
        policy = DOCS_POLICY
    else:
        policy = UI_POLICY if path.startswith("/ui") else API_POLICY
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
    ]
    if not path.startswith("/ui/static/"):
        headers.append((b"cache-control", b"no-store"))
    return headers


class RequestLog:
    """One structured log line and metrics per request; never bodies, keys or content."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        request_id = uuid.uuid4().hex[:16]

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._record(scope, status, time.perf_counter() - started, request_id)

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        route = _route_template(scope)
        self.metrics.requests.labels(scope["method"], route, str(status)).inc()
        self.metrics.request_seconds.labels(route).observe(seconds)
        log.info(
            "request",
            extra={
                "method": scope["method"],
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "request_id": request_id,
            },
        )


def _route_template(scope: dict[str, Any]) -> str:
    """The matched route's template (/v1/cases/{case_id}), never the raw path with ids in it."""
    route = scope.get("route")
    return getattr(route, "path", None) or "(unmatched)"
