"""The Python SDK for Safeguarding's HTTP API.

``Client`` (sync) and ``AsyncClient`` (async) send events and read decisions, check feed
visibility and friend suggestions, work cases, manage hash banks and complaints. Errors are
typed from the server's problem+json (``NotFound``, ``Conflict``, ``InvalidRequest``, ...);
503 answers and failed connections are retried as ``RetryPolicy`` says. ``verify_webhook``
checks a webhook delivery's signature. This package imports only the standard library, httpx
and pydantic, never the server. See docs/sdk.md.
"""

from safeguarding.client.aio import AsyncClient
from safeguarding.client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    SafeguardingClientError,
    ServiceUnavailable,
    TooManyAttempts,
    TransportError,
    Unauthenticated,
    UnsupportedMediaType,
)
from safeguarding.client.models import (
    Bank,
    BankVersion,
    Case,
    Complaint,
    Decision,
    EventResult,
    EventsAccepted,
    Suggestions,
    Visibility,
)
from safeguarding.client.retry import NO_RETRY, RetryPolicy
from safeguarding.client.sync import Client
from safeguarding.client.webhooks import (
    WebhookVerificationError,
    verify_safeguarding_signature,
    verify_standard_webhook,
    verify_webhook,
)

__all__ = [
    "NO_RETRY",
    "ApiError",
    "AsyncClient",
    "BadRequest",
    "Bank",
    "BankVersion",
    "Case",
    "Client",
    "Complaint",
    "Conflict",
    "Decision",
    "EventResult",
    "EventsAccepted",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "PayloadTooLarge",
    "RetryPolicy",
    "SafeguardingClientError",
    "ServiceUnavailable",
    "Suggestions",
    "TooManyAttempts",
    "TransportError",
    "Unauthenticated",
    "UnsupportedMediaType",
    "Visibility",
    "WebhookVerificationError",
    "verify_safeguarding_signature",
    "verify_standard_webhook",
    "verify_webhook",
]
