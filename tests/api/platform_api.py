"""The platform's side of the API tests: ``Api``, its calls in process over ASGI, and a
scenario several tests send (an adult grooming a child, in non-explicit warning signs)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.factories import message

DAY = 24 * 60


class Api:
    """The platform's calls, in process over ASGI: send events, ask what a viewer may see.
    Synchronous, so Hypothesis can drive it: each call runs its own short event loop."""

    def __init__(self, app: Any, key: str) -> None:
        self.app, self.headers = app, auth(key)

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self._call("POST", path, body, headers)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self._call("GET", path, None, headers)

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str] | None
    ) -> Any:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                return await http.request(method, path, json=body, headers=headers or self.headers)

        answer = asyncio.run(call())
        assert answer.status_code == 200, answer.text
        return answer.json()

    def claim_and_decide(
        self, case_id: str, outcome: str, reason_code: str, headers: dict[str, str] | None = None
    ) -> Any:
        """Claim the case, then decide it (each call must answer 200); the decided case."""
        self.post(f"/v1/cases/{case_id}/claim", {}, headers)
        decision = {"outcome": outcome, "reason_code": reason_code}
        return self.post(f"/v1/cases/{case_id}/decision", decision, headers)

    def send(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r["decision"] for r in self.post("/v1/events", {"events": events})["results"]]

    def visible(self, viewer: str, items: list[str]) -> dict[str, bool]:
        found = self.post("/v1/visibility", {"viewer_id": viewer, "items": items})["items"]
        return {i["event_id"]: i["visible"] for i in found}


def api_over(container: Container) -> Iterator[Api]:
    key = container.keys.create("invariant", Role.PLATFORM.value)[0]
    yield Api(create_app(container, run_outbox_worker=False), key)


def grooming_to(friend: str, adult: str) -> list[dict[str, Any]]:
    lines = [
        "hey ur friend said u like drawing",
        "how old r u btw?",
        "ur really mature for ur age",
        "dont tell ur mum we talk ok, she wouldnt get it",
        "lets talk on another app, add me there",
        "we could meet at the park after school, just us",
        "remember dont tell anyone about the park",
    ]
    return [message(adult, friend, t, conversation="g-1", minutes=i) for i, t in enumerate(lines)]
