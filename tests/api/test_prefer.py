"""The `Prefer` header of POST /v1/events in distributed mode (RFC 7240)."""

from __future__ import annotations

import pytest

from safeguarding.adapters.http.routes.events import preferred_wait


@pytest.mark.parametrize(
    ("prefer", "expected"),
    [
        ("", (5.0, "")),
        ("respond-async", (0.0, "respond-async")),
        ("Respond-Async, wait=3", (0.0, "respond-async")),
        ("wait=2", (2.0, "wait=2")),
        ("wait=0.5", (0.5, "wait=0.5")),
        ("wait=120", (5.0, "wait=120")),  # never longer than configured
        ("handling=lenient, wait = 1", (1.0, "wait=1")),
        ("wait=soon", (5.0, "")),
        ("wait=-1", (5.0, "")),
        ("return=minimal", (5.0, "")),
    ],
)
def test_prefer_sets_the_wait(prefer: str, expected: tuple[float, str]) -> None:
    assert preferred_wait(prefer, 5.0) == expected
