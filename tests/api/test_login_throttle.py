"""Guessing keys over HTTP: after a few failures a client, or a key id, must wait, longer each
time; the waiting is a 429 with Retry-After, decided before any Argon2 work; other clients
and a key's holder carry on, even through a burst of concurrent guesses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.web.session import csrf_of

pytestmark = pytest.mark.anyio
LIMIT = 5  # the default of login_max_failures
Client = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


class FakeMonotonic:
    """The throttle's clock, moved by the test instead of by sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(container: Container) -> FakeMonotonic:
    fake = FakeMonotonic()
    throttle = getattr(container.keys, "throttle", None)  # absent before throttling existed
    if throttle is not None:
        throttle.monotonic = fake
    return fake


@pytest.fixture
def client_at(container: Container) -> Client:
    app = create_app(container, run_outbox_worker=False)

    @asynccontextmanager
    async def at(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client

    return at


def wrong_secret(key: str) -> str:
    return key[: key.rindex("_") + 1] + "not-the-secret"


async def statuses(client: httpx.AsyncClient, key: str, times: int) -> list[int]:
    return [(await client.get("/v1/policy", headers=auth(key))).status_code for _ in range(times)]


async def test_after_k_failures_a_client_waits_longer_each_time(
    client_at: Client, keys, clock: FakeMonotonic
) -> None:
    guess = wrong_secret(keys[Role.ADMIN])
    async with client_at("10.0.0.1") as attacker:
        assert await statuses(attacker, guess, LIMIT) == [401] * LIMIT
        refused = await attacker.get("/v1/policy", headers=auth(guess))
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["title"] == "Too many attempts"
        # the wait holds even for a valid key from the blocked client
        assert await statuses(attacker, keys[Role.PLATFORM], 1) == [429]
        waits = []
        for _ in range(3):
            clock.now += float(refused.headers["retry-after"])
            assert await statuses(attacker, guess, 1) == [401]  # one try after each wait
            refused = await attacker.get("/v1/policy", headers=auth(guess))
            assert refused.status_code == 429
            waits.append(int(refused.headers["retry-after"]))
        assert waits == [2, 4, 8]
    async with client_at("10.0.0.2") as other:
        assert await statuses(other, keys[Role.PLATFORM], 1) == [200]


async def test_a_key_id_is_throttled_across_clients_but_its_holder_is_not_locked_out(
    client_at: Client, keys, clock: FakeMonotonic
) -> None:
    holder_key = keys[Role.PLATFORM]
    async with client_at("10.0.1.1") as holder:
        assert await statuses(holder, holder_key, 1) == [200]  # the holder used it lately
    guess = wrong_secret(holder_key)
    fresh_key = wrong_secret(keys[Role.ADMIN])
    found = []
    for n in range(LIMIT + 1):
        async with client_at(f"10.0.2.{n}") as attacker:  # a new address for every guess
            found += await statuses(attacker, fresh_key, 1)
    assert found == [401] * LIMIT + [429]  # the admin key's id is now waiting
    for n in range(LIMIT + 1):
        async with client_at(f"10.0.3.{n}") as attacker:
            await statuses(attacker, guess, 1)
    async with client_at("10.0.1.1") as holder:
        assert await statuses(holder, holder_key, 1) == [200]


async def test_a_burst_of_concurrent_guesses_does_not_stop_a_valid_request(
    client_at: Client, keys, clock: FakeMonotonic
) -> None:
    guess = wrong_secret(keys[Role.ADMIN])
    async with client_at("10.0.4.1") as attacker, client_at("10.0.4.2") as platform:
        # distinct guesses: the same guess repeated would share one verification anyway
        burst = [attacker.get("/v1/policy", headers=auth(f"{guess}{i}")) for i in range(60)]
        valid = platform.get("/v1/policy", headers=auth(keys[Role.PLATFORM]))
        *guessed, answered = await asyncio.gather(*burst, valid)
    assert answered.status_code == 200
    codes = [g.status_code for g in guessed]
    assert set(codes) <= {401, 429}
    assert codes.count(401) <= LIMIT  # the rest were refused before reaching Argon2


async def test_a_backend_sending_many_requests_at_once_with_its_valid_key_is_never_throttled(
    client_at: Client, container: Container, keys, clock: FakeMonotonic
) -> None:
    """A platform's backend sends requests concurrently from one address with one key: the
    first use of the key is verified once (the others wait for it), and cached uses are
    not tries in flight, so none of them is refused however many arrive together."""
    verified: list[str] = []
    verify_stored = container.keys._verify_stored

    def counting(presented: str) -> object:
        verified.append(presented)
        return verify_stored(presented)

    container.keys._verify_stored = counting  # type: ignore[method-assign]
    container.keys.cache_seconds = 30  # as served (the tests' settings turn the cache off)
    async with client_at("10.0.6.1") as backend:
        for _ in range(2):  # the first wave verifies the key; the second finds it cached
            wave = [backend.get("/v1/policy", headers=auth(keys[Role.PLATFORM])) for _ in range(30)]
            codes = [r.status_code for r in await asyncio.gather(*wave)]
            assert codes == [200] * 30
    assert len(verified) == 1


async def test_the_login_page_says_to_wait(client_at: Client, keys, clock: FakeMonotonic) -> None:
    async with client_at("10.0.5.1") as browser:
        token = csrf_of(await browser.get("/ui/login"))
        tries = []
        for _ in range(LIMIT + 1):
            data = {"api_key": wrong_secret(keys[Role.ADMIN]), "csrf_token": token}
            tries.append(await browser.post("/ui/login", data=data))
    assert [t.status_code for t in tries] == [401] * LIMIT + [429]
    assert "Too many failed tries. Wait 1 seconds" in tries[-1].text
    assert tries[-1].headers["retry-after"] == "1"
