"""Helpers every router shares: the container, JSON-only bodies, and documented error answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Path, Request

from safeguarding.adapters.http.schemas import ID_PATTERN, Problem
from safeguarding.bootstrap import Container

# Path parameters several routers read: an id (an event's, a key's, a complaint's…), a bank's name.
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
BankNamePath = Annotated[str, Path(min_length=1, max_length=64)]


def container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


def require_json(request: Request) -> None:
    """Refuse a body that is not declared as JSON, with 415 rather than a confusing 422."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise HTTPException(
            415, f"send the body as application/json (got {kind or 'no content type'})"
        )


async def raw_json(request: Request) -> bytes:
    """The body's bytes, once its content type says JSON (415 otherwise), for a route that
    parses them itself, off the event loop (see ``adapters/http/bodies.py``)."""
    require_json(request)
    return await request.body()


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json answers a route can give."""
    described = {
        400: "Malformed request",
        401: "No valid API key",
        403: "Role not allowed",
        404: "Not found",
        409: "Conflict with stored data",
        413: "Body too large",
        415: "Wrong content type",
        422: "Invalid input",
        502: "The receiver (an authority's API) refused or failed; nothing was sent",
        503: "Busy or unavailable; retry after the Retry-After seconds",
    }
    return {
        status: {
            "model": Problem,
            "description": described[status],
            "content": {"application/problem+json": {}},
        }
        for status in (401, 403, *statuses)
    }
