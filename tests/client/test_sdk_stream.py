"""The SDK against distributed mode (a real `serve --stream`, a stream worker, NATS and
PostgreSQL): `respond_async` gets 202 and `EventsAccepted`; the decisions are read later."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from safeguarding.client import Client, EventResult, EventsAccepted, NotFound
from safeguarding.domain.access import Role
from tests.client.sdk_world import adult_and_child, contact_request
from tests.cluster import running_cluster

pytestmark = pytest.mark.server


def decided(sdk: Client, event_id: str, seconds: float = 60.0) -> EventResult:
    """The decision once a worker has made it (404 until then)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return sdk.decision(event_id)
        except NotFound:
            if time.monotonic() > deadline:
                pytest.fail(f"no decision for {event_id} within {seconds:.0f} s")
            time.sleep(0.2)


def test_respond_async_is_accepted_and_decided_later(tmp_path: Path, worker_id: str) -> None:
    adult, child, profiles = adult_and_child()
    request = contact_request(adult, child)
    with (
        running_cluster(tmp_path, f"sg_sdk_stream_{worker_id}", workers=1) as cluster,
        Client(cluster.base_url, cluster.keys[Role.PLATFORM]) as sdk,
    ):
        # Profiles in a request of their own, so the 202 below names the request alone (serve
        # decides profiles itself and would answer them at once: docs/operations.md).
        sdk.send_events(profiles, wait=30)
        accepted = sdk.send_events([request], respond_async=True)
        result = decided(sdk, request["event_id"])
        again = sdk.send_event(request, wait=30)
    assert isinstance(accepted, EventsAccepted)
    assert accepted.status == "accepted"
    assert accepted.event_ids == [request["event_id"]]
    assert result.decision.verdict == "block"
    assert isinstance(again, EventResult)
    assert again.replayed
