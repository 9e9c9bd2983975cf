"""Failed logins behind a proxy, against a real `serve` process: each client is counted by the
address its trusted proxy names, so one guesser does not make every caller wait; and a caller
that is not a trusted proxy cannot escape its count by naming another address."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from safeguarding.domain.access import Role
from tests.servers import RunningServer, running_server

pytestmark = pytest.mark.server

LIMIT = 2
# Long enough that no wait runs out during the test.
THROTTLE = {"login_max_failures": str(LIMIT), "login_backoff_seconds": "600"}
GUESSER, PLATFORM = "203.0.113.7", "198.51.100.2"  # documentation addresses


def wrong_secret(key: str) -> str:
    return key[: key.rindex("_") + 1] + "not-the-secret"


def status(server: RunningServer, key: str, forwarded_for: str | None) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return httpx.get(f"{server.base_url}/v1/policy", headers=headers, timeout=10).status_code


def guess_until_refused(server: RunningServer, forwarded_for: str) -> list[int]:
    guess = wrong_secret(server.keys[Role.ADMIN])
    return [status(server, guess, forwarded_for) for _ in range(LIMIT + 1)]


def test_behind_a_trusted_proxy_a_guesser_waits_alone(tmp_path: Path) -> None:
    # The test's requests come from 127.0.0.1, which stands for a proxy on the same host:
    # trusted by default.
    with running_server(tmp_path, settings=THROTTLE) as server:
        assert guess_until_refused(server, GUESSER) == [401] * LIMIT + [429]
        assert status(server, server.keys[Role.PLATFORM], PLATFORM) == 200
        assert status(server, server.keys[Role.MODERATOR], None) == 200  # the proxy itself
        # The guesser stays refused, valid key or not (as any throttled client is).
        assert status(server, server.keys[Role.PLATFORM], GUESSER) == 429


def test_a_caller_that_is_not_a_trusted_proxy_cannot_name_another_client(tmp_path: Path) -> None:
    settings = {**THROTTLE, "forwarded_allow_ips": ""}  # trust no proxy
    with running_server(tmp_path, settings=settings) as server:
        assert guess_until_refused(server, GUESSER) == [401] * LIMIT + [429]
        # Every request was counted against the peer, whatever address it named.
        assert status(server, wrong_secret(server.keys[Role.ADMIN]), "192.0.2.99") == 429
        assert status(server, server.keys[Role.PLATFORM], PLATFORM) == 429


def test_a_listed_proxy_network_is_trusted(tmp_path: Path) -> None:
    settings = {**THROTTLE, "forwarded_allow_ips": "10.0.0.0/8,127.0.0.0/8"}
    with running_server(tmp_path, settings=settings) as server:
        assert guess_until_refused(server, GUESSER) == [401] * LIMIT + [429]
        assert status(server, server.keys[Role.PLATFORM], PLATFORM) == 200
