"""POST /v1/events: one event or a batch in, a decision for each out."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response

from safeguarding.adapters.http.auth import Allow
from safeguarding.adapters.http.bodies import documented, parsed_json, validated
from safeguarding.adapters.http.routes.common import IdPath, problems, raw_json
from safeguarding.adapters.http.schemas import (
    EVENTS_BODY,
    EventBatch,
    EventResult,
    EventResults,
    EventsAccepted,
    batch_length,
)
from safeguarding.adapters.http.services import Config, Evidence, Ingest, Streamed
from safeguarding.domain.access import Principal
from safeguarding.domain.errors import TooLarge
from safeguarding.domain.permissions import Permission
from safeguarding.services.ingest import IngestResult
from safeguarding.services.streamed import StreamedIngest
from safeguarding.settings import Settings

router = APIRouter(prefix="/v1", tags=["events"])


@router.post(
    "/events",
    response_model=EventResult | EventResults,
    responses={
        202: {
            "model": EventsAccepted,
            "description": "Distributed mode: queued, and not all decided within the wait",
        },
        **problems(400, 409, 413, 415, 422, 503),
    },
    summary="Send one event or a batch; get each one's decision",
    openapi_extra=documented(EVENTS_BODY),
)
def post_events(
    config: Config,
    ingest: Ingest,
    streamed: Streamed,
    request: Request,
    principal: Principal = Depends(Allow(Permission.SEND_EVENTS)),
    raw: bytes = Depends(raw_json),
    prefer: Annotated[
        str | None,
        Header(description="RFC 7240: `respond-async`, or `wait=N` seconds (distributed mode)"),
    ] = None,
) -> Response:
    """Decide and record events. Idempotent on ``event_id``: a repeat gets the stored decision.

    A batch is all or nothing: when any event is invalid, the answer is 422 listing the
    invalid events by index (the first 100, and how many in all), and nothing is recorded.
    A batch over `SAFEGUARDING_MAX_BATCH_EVENTS` is refused with 413 before any event in it
    is validated.

    In distributed mode (`serve --stream`) the events are queued for the workers and the answer
    waits for their decisions, up to `SAFEGUARDING_DECISION_WAIT_SECONDS`. `Prefer:
    respond-async` answers 202 as soon as the events are durably queued; `Prefer: wait=N` waits
    at most N seconds. Events not decided in time are listed as `pending` in a 202.
    """
    body = _parsed(raw, config.max_batch_events)
    events = body.events if isinstance(body, EventBatch) else [body]
    if streamed is not None:
        batch = isinstance(body, EventBatch)
        return _queued(request, streamed, events, batch, principal.audit_name, prefer or "", config)
    started = time.perf_counter()
    results = ingest.ingest(events, source=principal.audit_name)
    _observe(request, events, results, time.perf_counter() - started)
    return Response(_answer(isinstance(body, EventBatch), results), media_type="application/json")


def _parsed(raw: bytes, limit: int) -> Any:
    """The body as one event or a batch, counted before validated. This runs in the route's
    worker thread (a sync route), so parsing a big body never holds up the event loop."""
    data = parsed_json(raw)
    count = batch_length(data)
    if count > limit:
        raise TooLarge(f"a batch may hold at most {limit} events, got {count}", limit)
    return validated(EVENTS_BODY, data)


def _answer(batch: bool, results: list[IngestResult]) -> str:
    if batch:
        return EventResults(results=[_result(r) for r in results]).model_dump_json()
    return _result(results[0]).model_dump_json()


@router.get(
    "/events/{event_id}/decision",
    response_model=EventResult,
    responses=problems(404),
    summary="The stored decision for an event (a regulator's read is audited)",
)
def get_decision(
    evidence: Evidence,
    event_id: IdPath,
    principal: Principal = Depends(Allow(Permission.READ_DECISION)),
) -> EventResult:
    decision = evidence.decision(event_id, principal)
    return EventResult(index=0, event_id=event_id, replayed=True, decision=decision)


def _queued(
    request: Request,
    streamed: StreamedIngest,
    events: list,
    batch: bool,
    source: str,
    prefer: str,
    config: Settings,
) -> Response:
    """Distributed mode: queue the events, and answer with the decisions made in time."""
    started = time.perf_counter()
    wait, applied = preferred_wait(prefer, config.decision_wait_seconds)
    submitted = streamed.submit(events, source=source, wait_seconds=wait)
    decided = [r for r in submitted.results if r is not None]
    _observe(request, [events[r.index] for r in decided], decided, time.perf_counter() - started)
    headers = {"Preference-Applied": applied} if applied else {}
    if submitted.complete:
        return Response(
            _answer(batch, decided),
            media_type="application/json",
            headers=headers,
        )
    accepted = EventsAccepted(
        event_ids=list(submitted.event_ids),
        pending=submitted.pending,
        decided=[_result(r) for r in decided],
    )
    return Response(
        accepted.model_dump_json(),
        status_code=202,
        media_type="application/json",
        headers={**headers, "Retry-After": "1"},
    )


def preferred_wait(prefer: str, longest: float) -> tuple[float, str]:
    """The wait a request asks for with RFC 7240 `Prefer` (never more than ``longest``), and the
    preference applied, for the `Preference-Applied` header."""
    for token in (t.strip().lower() for t in prefer.split(",")):
        if token == "respond-async":
            return 0.0, "respond-async"
        name, _, value = token.partition("=")
        if name.strip() == "wait":
            try:
                asked = float(value.strip())
            except ValueError:
                continue
            if asked >= 0:
                return min(asked, longest), f"wait={value.strip()}"
    return longest, ""


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
