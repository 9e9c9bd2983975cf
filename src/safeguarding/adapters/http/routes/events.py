"""POST /v1/events: one event or a batch in, a decision for each out."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.routes.common import container, problems, require_json
from safeguarding.adapters.http.schemas import (
    ID_PATTERN,
    EventBatch,
    EventResult,
    EventResults,
    EventsBody,
)
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.errors import NotFound, TooLarge
from safeguarding.services.ingest import IngestResult

router = APIRouter(prefix="/v1", tags=["events"])


@router.post(
    "/events",
    response_model=EventResult | EventResults,
    responses=problems(400, 409, 413, 415, 422),
    summary="Send one event or a batch; get each one's decision",
)
def post_events(
    request: Request,
    body: EventsBody,
    principal: Principal = Depends(Allow(Role.PLATFORM, Role.ADMIN)),
    _json: None = Depends(require_json),
) -> Response:
    """Decide and record events. Idempotent on ``event_id``: a repeat gets the stored decision.

    A batch is all or nothing: when any event is invalid, the answer is 422 listing every
    invalid event by index, and nothing is recorded.
    """
    app = container(request)
    events = body.events if isinstance(body, EventBatch) else [body]
    if len(events) > app.settings.max_batch_events:
        raise TooLarge(
            f"a batch may hold at most {app.settings.max_batch_events} events, got {len(events)}",
            app.settings.max_batch_events,
        )
    started = time.perf_counter()
    results = app.ingest.ingest(events, source=principal.audit_name)
    _observe(request, events, results, time.perf_counter() - started)
    if isinstance(body, EventBatch):
        payload = EventResults(results=[_result(r) for r in results]).model_dump_json()
    else:
        payload = _result(results[0]).model_dump_json()
    return Response(payload, media_type="application/json")


@router.get(
    "/events/{event_id}/decision",
    response_model=EventResult,
    responses=problems(404),
    summary="The stored decision for an event (a regulator's read is audited)",
)
def get_decision(
    event_id: Annotated[str, Path(pattern=ID_PATTERN)],
    request: Request,
    principal: Principal = Depends(
        Allow(Role.PLATFORM, Role.MODERATOR, Role.ADMIN, Role.REGULATOR)
    ),
) -> EventResult:
    container(request).access.read(principal, f"decision:{event_id}")
    with container(request).store.read() as uow:
        found = uow.events_find([event_id]).get(event_id)
    if found is None:
        raise NotFound(f"no event with event_id '{event_id}' is stored")
    return EventResult(index=0, event_id=event_id, replayed=True, decision=found.decision)


def _result(result: IngestResult) -> EventResult:
    return EventResult(
        index=result.index,
        event_id=result.event_id,
        replayed=result.replayed,
        decision=result.decision,
    )


def _observe(request: Request, events: list, results: list[IngestResult], seconds: float) -> None:
    metrics = request.app.state.metrics
    metrics.decision_seconds.observe(seconds)
    for event, result in zip(events, results, strict=True):
        if not result.replayed:
            metrics.events.labels(event.type).inc()
            metrics.decisions.labels(result.decision.verdict.value).inc()
