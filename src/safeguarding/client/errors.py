"""Typed errors of the Python SDK, built from the server's problem+json answers.

Every error answer from the server is an RFC 9457 problem (``type``, ``title``, ``status``,
``detail``, ``instance``, and for invalid input ``errors``). ``problem_error`` turns one into
the ``ApiError`` subclass for its status, so a caller can catch ``NotFound`` or ``Conflict``
and still read every field the server sent.
"""

from __future__ import annotations

from typing import Any

import httpx

PROBLEM_PREFIX = "urn:safeguarding:problem:"


class SafeguardingClientError(Exception):
    """Anything the SDK raises."""


class TransportError(SafeguardingClientError):
    """The server could not be reached (or stopped answering), after every retry allowed."""


class ApiError(SafeguardingClientError):
    """An error answer from the server, with the fields of its problem document."""

    def __init__(self, status: int, problem: dict[str, Any], retry_after: float | None) -> None:
        self.status = status
        self.problem = problem
        self.type: str = str(problem.get("type", "about:blank"))
        self.title: str = str(problem.get("title", ""))
        self.detail: str = str(problem.get("detail", ""))
        self.instance: str | None = problem.get("instance")
        errors = problem.get("errors")
        self.errors: list[dict[str, Any]] = errors if isinstance(errors, list) else []
        self.retry_after = retry_after
        super().__init__(f"{status} {self.title}: {self.detail}" if self.detail else str(status))

    @property
    def slug(self) -> str:
        """The problem kind without its URN prefix, e.g. ``event-id-reused``."""
        return self.type.removeprefix(PROBLEM_PREFIX)


class BadRequest(ApiError):
    """400: the body is not JSON, or not UTF-8."""


class Unauthenticated(ApiError):
    """401: no key, or a wrong or revoked one."""


class Forbidden(ApiError):
    """403: the key's role (or queues) may not do this."""


class NotFound(ApiError):
    """404: the named thing does not exist."""


class Conflict(ApiError):
    """409: the request contradicts what is stored (e.g. an event id reused)."""


class PayloadTooLarge(ApiError):
    """413: a body, batch or list over its limit."""


class UnsupportedMediaType(ApiError):
    """415: the wrong Content-Type, or a file format the engine does not read."""


class InvalidRequest(ApiError):
    """422: well-formed but invalid input; ``errors`` lists each problem."""


class TooManyAttempts(ApiError):
    """429: too many failed keys; wait ``retry_after`` seconds."""


class ServiceUnavailable(ApiError):
    """503: overloaded, busy or shutting down, still so after every retry allowed."""


BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: InvalidRequest,
    429: TooManyAttempts,
    503: ServiceUnavailable,
}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The answer's ``Retry-After`` in seconds (only the delay-seconds form, which the server
    sends); None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def problem_error(response: httpx.Response) -> ApiError:
    """The typed error for an error answer; a body that is not a problem keeps its text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"title": response.reason_phrase, "detail": response.text[:500]}
    kind = BY_STATUS.get(response.status_code, ApiError)
    return kind(response.status_code, body, retry_after_seconds(response))
