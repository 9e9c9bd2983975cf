"""The SDK's retries, against real servers.

- 503 with Retry-After: a tiny local proxy answers the first requests 503 (as the server does
  when overloaded) and passes the rest through to a real server. Only the 503 is staged: a
  real overload cannot be made to happen on cue.
- Connection errors: a real server is stopped, and the SDK's call started while nothing
  listens completes once a server is started again on the same port and database.
- Both bounded: a call gives up after ``attempts`` tries, and says why.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from safeguarding.client import (
    Client,
    EventResult,
    RetryPolicy,
    ServiceUnavailable,
    TransportError,
)
from safeguarding.domain.access import Role
from tests import servers
from tests.client.sdk_world import adult_and_child, contact_request
from tests.servers import running_server

pytestmark = pytest.mark.server
OVERLOADED = {
    "type": "urn:safeguarding:problem:overloaded",
    "title": "Overloaded",
    "status": 503,
    "detail": "too many requests in progress; retry after the time in Retry-After",
}
FAST = RetryPolicy(attempts=4, backoff=0.01, max_delay=0.05)


@contextmanager
def overloaded_proxy(upstream: str, refusals: int) -> Iterator[tuple[str, list[int]]]:
    """A proxy to ``upstream`` that first answers ``refusals`` requests with 503; yields its
    URL and the status of every answer it gave."""
    given: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if len(given) < refusals:
                status, headers, raw = 503, {"Retry-After": "0"}, json.dumps(OVERLOADED).encode()
                headers["Content-Type"] = "application/problem+json"
            else:
                passed = httpx.post(upstream + self.path, content=body, headers=dict(self.headers))
                status, headers, raw = passed.status_code, {}, passed.content
                headers["Content-Type"] = passed.headers["Content-Type"]
            given.append(status)
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(raw))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            return

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}", given
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_503_with_retry_after_is_retried_then_bounded(tmp_path: Path) -> None:
    adult, child, profiles = adult_and_child()
    with running_server(tmp_path) as server:
        key = server.keys[Role.PLATFORM]
        with overloaded_proxy(server.base_url, refusals=2) as (url, given):
            with Client(url, key, retry=FAST) as sdk:
                batch = sdk.send_events(profiles)
            assert given == [503, 503, 200]
            assert isinstance(batch, list)
            assert len(batch) == 2
        with overloaded_proxy(server.base_url, refusals=10) as (url, given):
            with Client(url, key, retry=FAST) as sdk, pytest.raises(ServiceUnavailable) as gave:
                sdk.send_event(contact_request(adult, child))
            assert given == [503] * 4
    assert gave.value.slug == "overloaded"
    assert gave.value.retry_after == 0


def test_connection_errors_retried_across_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adult, child, profiles = adult_and_child()
    request = contact_request(adult, child)
    with running_server(tmp_path) as first:
        key, url = first.keys[Role.PLATFORM], first.base_url
        with Client(url, key) as sdk:
            sdk.send_events(profiles)
    # Stopped: a call that may not wait gives up after its tries, naming the failure.
    with Client(url, key, retry=FAST) as sdk, pytest.raises(TransportError, match="ConnectError"):
        sdk.send_event(request)
    answers: list[object] = []
    patient = RetryPolicy(attempts=400, backoff=0.05, max_delay=0.25)

    def send() -> None:
        with Client(url, key, retry=patient) as waiting:
            answers.append(waiting.send_event(request))

    sender = threading.Thread(target=send)
    sender.start()
    monkeypatch.setattr(servers, "free_port", lambda: urlsplit(url).port)
    try:
        with running_server(tmp_path):
            sender.join(timeout=120)
    finally:
        sender.join(timeout=120)
    assert len(answers) == 1
    assert isinstance(answers[0], EventResult)
    assert answers[0].decision.verdict == "block"
