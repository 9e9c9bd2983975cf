"""Request bodies that are counted before they are validated, and big ones parsed off the loop.

FastAPI parses and validates a declared body on the event loop, before the route runs. That
is fine for small bodies, but a batch of up to ``max_body_bytes`` would stop every other
request while it is parsed; and a list validated item by item before anything counts it lets
a two-megabyte body of a million entries cost seconds and a hundred megabytes of errors.

So a list in a request model carries ``counted(limit)``: its length is checked before any
item is validated, and past the limit the answer is 413 naming the limit. A route taking
large bodies (``POST /v1/events``) reads the bytes itself (``routes.common.raw_json``), and
parses and validates them in its worker thread (``parsed_json``, ``validated``); ``documented``
keeps its request body in the OpenAPI document.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator, TypeAdapter, ValidationError

from safeguarding.domain.errors import TooLarge

_T = TypeVar("_T")
COMPONENTS = "#/components/schemas/{model}"


def counted(limit: int, what: str) -> BeforeValidator:
    """Refuse a list longer than ``limit`` (413) before any of its items is validated."""

    def check(value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) > limit:
            raise TooLarge(f"a request may hold at most {limit} {what}, got {len(value)}", limit)
        return value

    return BeforeValidator(check)


def parsed_json(raw: bytes) -> Any:
    """The JSON value of a body; empty or malformed bodies are problems, as FastAPI gives them."""
    if not raw:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
        )
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _malformed(exc.msg, exc.pos) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        # Not UTF-8, or nested deeper than the parser goes.
        raise _malformed(type(exc).__name__, 0) from None


def _malformed(reason: str, position: int) -> RequestValidationError:
    error = {"type": "json_invalid", "loc": ("body", position), "msg": "JSON decode error"}
    return RequestValidationError([{**error, "input": {}, "ctx": {"error": reason}}])


def validated(adapter: TypeAdapter[_T], data: Any) -> _T:
    """``data`` as the body's model; errors are located under ``body`` as FastAPI's are."""
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        found = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in found]
        ) from None


def documented(adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON request body of the adapter's type.

    Its models are referred to under components; ``hoist_definitions`` moves them there.
    """
    schema = adapter.json_schema(ref_template=COMPONENTS)
    schema.setdefault("title", "Body")
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}


def hoist_definitions(document: dict[str, Any]) -> None:
    """Move the ``$defs`` of ``documented`` bodies into the document's components."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for item in document.get("paths", {}).values():
        for operation in (o for o in item.values() if isinstance(o, dict)):
            content = (operation.get("requestBody") or {}).get("content", {})
            for media in content.values():
                for name, definition in media.get("schema", {}).pop("$defs", {}).items():
                    schemas.setdefault(name, definition)
