"""Every error becomes ``application/problem+json`` (RFC 9457), from one table.

Domain errors carry fields, not status codes; this table gives each class its
status. Validation errors name the field (and the index, in a batch).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from safeguarding.adapters.http.bodies import hoist_definitions
from safeguarding.adapters.http.schemas import Problem
from safeguarding.domain import errors
from safeguarding.domain.events import EVENT_TYPES

log = logging.getLogger("safeguarding.http")
PROBLEM = "application/problem+json"
# A 422 lists at most this many errors, and says how many there were in all: a body with a
# million bad items must not get a hundred megabytes of answer.
MAX_LISTED_ERRORS = 100
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

STATUS: list[tuple[type[errors.SafeguardingError], int]] = [
    (errors.Unauthenticated, 401),
    (errors.AccessDenied, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.TooLarge, 413),
    (errors.TooManyAttempts, 429),
    (errors.InvalidInput, 422),
    (errors.StoreClosed, 503),
    (errors.StoreBusy, 503),
    (errors.UpstreamRefused, 502),
]


# A refused upload's status follows its reason: too big is 413, a format not allowed 415.
MEDIA_STATUS = {
    "too_large": 413,
    "too_many_pixels": 413,
    "too_long": 413,
    "unsupported_format": 415,
}


# Hasher-Matcher-Actioner's routes: its clients read an error's ``message`` and expect 400
# for a missing parameter or a body of the wrong kind, so those answers carry both shapes.
HMA_PREFIXES = ("/h/", "/m/", "/c/")
HMA_AS_BAD_REQUEST = frozenset({415, 422})


def is_hma(request: Request) -> bool:
    return request.url.path.startswith(HMA_PREFIXES)


def status_for(exc: errors.SafeguardingError) -> int:
    if isinstance(exc, errors.MediaRefused):
        return MEDIA_STATUS.get(exc.reason, 422)
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    slug = title.lower().replace(" ", "-")
    if is_hma(request):
        status = 400 if status in HMA_AS_BAD_REQUEST and not extra.get("reason") else status
        extra = {**extra, "message": detail}
    body = {
        "type": f"urn:safeguarding:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.SafeguardingError)
    retry = getattr(exc, "retry_after_seconds", None)
    headers = {"Retry-After": str(retry)} if retry is not None else None
    extra = exc.extra()
    if isinstance(extra.get("errors"), list):
        extra.update(listed(extra["errors"]))
    return problem(status_for(exc), exc.title, exc.detail, request, headers, **extra)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in found):
        ctx = found[0].get("ctx") or {}
        return problem(
            400,
            "Malformed JSON",
            f"the body is not valid JSON: {ctx.get('error', 'parse error')}",
            request,
        )
    described = [describe(e) for e in found[:MAX_LISTED_ERRORS]]
    summary = _summary(described, len(found), writes=request.method not in SAFE_METHODS)
    return problem(422, "Invalid request", summary, request, **listed(described, len(found)))


def listed(errors: list[Any], total: int | None = None) -> dict[str, Any]:
    """The first ``MAX_LISTED_ERRORS`` errors, and how many there are in all."""
    total = len(errors) if total is None else total
    return {"errors": errors[:MAX_LISTED_ERRORS], "error_count": total}


def describe(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error as {field, index?, message}: where, in words a caller can act on."""
    loc = [p for p in error.get("loc", ()) if p != "body" and not _is_union_tag(p)]
    if error.get("type") in ("union_tag_not_found", "union_tag_invalid"):
        loc.append("type")  # the field at fault is the tag itself
    out: dict[str, Any] = {}
    if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
        out["index"] = loc[1]
        loc = loc[2:]
    out["field"] = ".".join(str(p) for p in loc) or "(body)"
    out["message"] = _message(error)
    return out


def _is_union_tag(part: Any) -> bool:
    return part in {"event", "batch"} or part in EVENT_TYPES


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if kind == "union_tag_invalid":
        return f"unknown event type {ctx.get('tag')!r}; expected one of: {', '.join(EVENT_TYPES)}"
    if kind == "union_tag_not_found":
        return "field 'type' is required (the event type)"
    if kind == "missing":
        where = error.get("loc", ("body",))[0]
        return f"{where} parameter required" if where in ("query", "header") else "field required"
    if kind == "extra_forbidden":
        return "unknown field"
    return str(error.get("msg", "invalid"))


def _summary(described: list[dict[str, Any]], total: int, *, writes: bool) -> str:
    first = described[0] if described else {"field": "(body)", "message": "invalid"}
    where = f"event {first['index']}: " if "index" in first else ""
    more = f" (and {total - 1} more)" if total > 1 else ""
    # A read records nothing either way; saying so would suggest it might have.
    outcome = "; nothing was recorded" if writes else ""
    return f"{where}{first['field']}: {first['message']}{more}{outcome}"


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {
        400: "Bad request",
        404: "Not found",
        405: "Method not allowed",
        413: "Too large",
        415: "Unsupported media type",
    }
    return problem(
        exc.status_code, titles.get(exc.status_code, "HTTP error"), str(exc.detail), request
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The route's template, not the path: a path carries ids, and logs carry none.
    route = getattr(request.scope.get("route"), "path", None) or "(unmatched)"
    log.exception("unhandled error", extra={"route": route})
    return problem(500, "Internal error", "the server failed; the error is logged", request)


def document_problems(app: FastAPI) -> None:
    """Make the published OpenAPI say what the service answers: every error is problem+json.

    FastAPI documents its own validation error (422) as ``application/json`` with its own
    shape on every route with parameters; this service answers every error, that one
    included, as ``application/problem+json``. Clients generated from the document, and
    schema fuzzers, then expect what they get.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        problem = {"$ref": "#/components/schemas/Problem"}
        for operation in _operations(document):
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {"application/problem+json": {"schema": problem}}
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", Problem.model_json_schema())
        hoist_definitions(document)
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return [
        operation
        for item in document.get("paths", {}).values()
        for method, operation in item.items()
        if method in methods
    ]


def install(app: FastAPI) -> None:
    document_problems(app)
    app.add_exception_handler(errors.SafeguardingError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
