"""When the SDK sends a call again, and how long it waits first.

- A **503** answer is retried, for every call, when it carries ``Retry-After``: the server
  answers 503 at once, before doing anything (overloaded, database busy, shutting down), and
  says with ``Retry-After`` when retrying will help.
- A **connection that could not be made** (``ConnectError``, ``ConnectTimeout``) is retried
  for every call: nothing was sent.
- Any **other transport failure** (a timeout or a dropped connection after the request went
  out) is retried only for idempotent calls, since the server may have acted on it. Events
  are idempotent by ``event_id``: a repeat gets the stored decision.

Waits grow exponentially with full jitter, never beyond ``max_delay``; a ``Retry-After`` is
honoured as given (capped at ``max_delay``). ``attempts`` bounds the tries in all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import httpx

from safeguarding.client.calls import Call
from safeguarding.client.errors import retry_after_seconds

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries a call gets in all, and the waits between them (seconds)."""

    attempts: int = 4
    backoff: float = 0.5
    max_delay: float = 30.0

    def backoff_delay(self, attempt: int) -> float:
        """Full jitter over an exponential ceiling: retries of many clients spread out."""
        return random.uniform(0, min(self.max_delay, self.backoff * 2**attempt))

    def after_response(self, attempt: int, response: httpx.Response) -> float | None:
        """The wait before the next try after this answer, or None to stop here."""
        if response.status_code != 503 or attempt + 1 >= self.attempts:
            return None
        retry_after = retry_after_seconds(response)
        if retry_after is None:
            return None
        return min(retry_after, self.max_delay)

    def after_error(self, call: Call[Any], attempt: int, error: Exception) -> float | None:
        """The wait before the next try after a transport failure, or None to give up."""
        if attempt + 1 >= self.attempts or not isinstance(error, httpx.TransportError):
            return None
        if isinstance(error, NOT_SENT) or call.idempotent:
            return self.backoff_delay(attempt)
        return None


NO_RETRY = RetryPolicy(attempts=1)
