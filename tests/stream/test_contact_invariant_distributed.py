"""The child-safe invariant in distributed mode: the adversary of tests/adversary.py against
`serve --stream` and one stream worker, real processes over the test nats-server and
PostgreSQL. Events go one per request and are answered synchronously, so their order is the
order sent (a batch's conversations may be decided by different workers in any order).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from tests.adversary import play_script, scripts
from tests.cluster import Cluster, post, running_cluster

pytestmark = pytest.mark.xdist_group("stream")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Cluster]:
    workdir: Path = tmp_path_factory.mktemp("invariant-cluster")
    settings = {"decision_wait_seconds": "30", "outbox_poll_seconds": "0.1"}
    with running_cluster(
        workdir, f"sg_invariant_{worker_id}", workers=1, settings=settings
    ) as made:
        yield made


class ClusterApi:
    """The platform's calls to the cluster's `serve --stream`, one event per request."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def send(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        decisions = []
        for event in events:
            answer = post(self.http, [event])
            assert answer.status_code == 200, answer.text
            decisions.append(answer.json()["results"][0]["decision"])
        return decisions

    def visible(self, viewer: str, items: list[str]) -> dict[str, bool]:
        body = {"viewer_id": viewer, "items": items}
        answer = self.http.post("/v1/visibility", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return {i["event_id"]: i["visible"] for i in answer.json()["items"]}


@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=scripts)
def test_nothing_from_an_unconnected_or_restricted_adult_reaches_a_child(
    cluster: Cluster, script
) -> None:
    with httpx.Client(base_url=cluster.base_url, headers=cluster.auth()) as http:
        api = ClusterApi(http)
        play_script(api.send, api.visible, script, [1])
