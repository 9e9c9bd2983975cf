"""Liveness, readiness and Prometheus metrics. No key needed; no personal data shown."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from safeguarding.adapters.http.routes.common import container
from safeguarding.operations import schema_revisions

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz", summary="The database (and, distributed, NATS) answers; the schema is current"
)
def readyz(request: Request) -> JSONResponse:
    app = container(request)
    try:
        current, head = schema_revisions(app)
    except Exception as exc:  # any failure to reach the database means not ready
        return JSONResponse(
            {"status": "unavailable", "reason": type(exc).__name__}, status_code=503
        )
    if current != head:
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": f"schema at {current}, code needs {head}; run `safeguarding db upgrade`",
            },
            status_code=503,
        )
    if app.event_stream is not None and not app.event_stream.connected():
        return JSONResponse(
            {"status": "unavailable", "reason": "not connected to the NATS server"},
            status_code=503,
        )
    return JSONResponse(
        {"status": "ready", "schema": current, "outbox_pending": app.review.outbox_pending()}
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
