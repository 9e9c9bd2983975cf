"""Smoke test of a real ``safeguarding serve`` process over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from safeguarding.domain.access import Role
from tests.conftest import fresh_postgres
from tests.factories import message
from tests.servers import (  # noqa: F401
    RunningServer,
    live_server,
    running_server,
    server_database_url,
)

pytestmark = pytest.mark.server

# Distinctive texts and account ids, so their absence from the logs means something.
SENDER, RECIPIENT = "acct-quokka-7c31", "acct-narwhal-9e42"
TEXTS = [
    "ultramarine-pelican homework at 4?",
    "bring the tangerine-zeppelin notebook",
    "see you at the marzipan-observatory",
]


@pytest.fixture(scope="module")
def http(live_server: RunningServer) -> Iterator[httpx.Client]:  # noqa: F811
    with httpx.Client(base_url=live_server.base_url, timeout=10.0) as client:
        yield client


@pytest.fixture(scope="module")
def batch() -> dict[str, Any]:
    return {
        "events": [
            message(SENDER, RECIPIENT, text, conversation="conv-smoke", minutes=i)
            for i, text in enumerate(TEXTS)
        ]
    }


@pytest.fixture(scope="module")
def ingested(
    http: httpx.Client,
    live_server: RunningServer,  # noqa: F811
    batch: dict[str, Any],
) -> tuple[httpx.Response, httpx.Response]:
    """The batch sent twice: the first answer and the replay."""
    headers = live_server.auth(Role.PLATFORM)
    first = http.post("/v1/events", json=batch, headers=headers)
    again = http.post("/v1/events", json=batch, headers=headers)
    return first, again


def test_healthz(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_schema_revision(http: httpx.Client) -> None:
    response = http.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert re.fullmatch(r"\d{4}", body["schema"])


def test_batch_gets_a_decision_per_event(ingested, batch) -> None:
    first, _ = ingested
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [r["event_id"] for r in results] == [e["event_id"] for e in batch["events"]]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert all(r["replayed"] is False for r in results)
    assert all(r["decision"]["policy_version"] == 1 for r in results)
    assert all(r["decision"]["verdict"] in {"allow", "hold", "block"} for r in results)


def test_the_same_batch_again_is_replayed(ingested) -> None:
    first, again = ingested
    assert again.status_code == 200, again.text
    replayed = again.json()["results"]
    assert all(r["replayed"] is True for r in replayed)
    assert [r["decision"] for r in replayed] == [r["decision"] for r in first.json()["results"]]


def _metric(text: str, name: str) -> dict[str, float]:
    """Samples of one metric family: the label string (or '') to its value."""
    pattern = re.compile(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", re.MULTILINE)
    return {labels or "": float(value) for labels, value in pattern.findall(text)}


def test_metrics_count_events_decisions_and_latency(http, ingested) -> None:
    first, _ = ingested
    response = http.get("/metrics")
    assert response.status_code == 200
    text = response.text
    # The replay decides nothing new, so every counter reflects the first batch only.
    assert _metric(text, "safeguarding_events_total") == {'{type="message"}': 3.0}
    verdicts = Counter(r["decision"]["verdict"] for r in first.json()["results"])
    assert _metric(text, "safeguarding_decisions_total") == {
        f'{{verdict="{v}"}}': float(n) for v, n in verdicts.items()
    }
    # Both requests were timed, replay included.
    assert _metric(text, "safeguarding_decision_seconds_count") == {"": 2.0}
    buckets = _metric(text, "safeguarding_decision_seconds_bucket")
    assert buckets['{le="+Inf"}'] == 2.0
    assert len(buckets) > 5


def test_no_key_is_a_401_problem(http: httpx.Client, batch) -> None:
    response = http.post("/v1/events", json=batch)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == 401
    assert body["instance"] == "/v1/events"


def test_docs_and_openapi_load(http: httpx.Client) -> None:
    docs = http.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    spec = http.get("/openapi.json")
    assert spec.status_code == 200
    assert "/v1/events" in spec.json()["paths"]


def test_logs_are_json_without_content_or_account_ids(
    live_server: RunningServer,  # noqa: F811
    ingested,
) -> None:
    records = live_server.log_records()
    routes = {r.get("route") for r in records}
    assert "/v1/events" in routes  # the log does record the requests themselves
    raw = live_server.stderr()
    for secret in [*TEXTS, SENDER, RECIPIENT, *live_server.keys.values()]:
        assert secret not in raw


def test_several_worker_processes_share_one_postgres(tmp_path, postgres_base_url) -> None:
    """`serve --workers 2` on PostgreSQL: concurrent requests land in either process, each once."""
    if postgres_base_url is None:
        pytest.skip("needs PostgreSQL (several processes are for PostgreSQL, not SQLite)")
    url = fresh_postgres(postgres_base_url)
    events = [
        message(f"adult{i % 3}", f"kid{i % 5}", f"hello {i}", event_id=f"mw-{i}") for i in range(40)
    ]
    with running_server(tmp_path, database_url=url, settings={"workers": "2"}) as server:
        headers = server.auth(Role.PLATFORM)

        def send(event: dict[str, Any]) -> dict[str, Any]:
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                answer = client.post("/v1/events", json=event, headers=headers)
                assert answer.status_code == 200, answer.text
                return answer.json()

        with ThreadPoolExecutor(max_workers=8) as pool:
            first = list(pool.map(send, events))
            again = list(pool.map(send, events))
    assert [r["replayed"] for r in first] == [False] * 40
    assert [r["replayed"] for r in again] == [True] * 40
    assert [r["decision"] for r in again] == [r["decision"] for r in first]
