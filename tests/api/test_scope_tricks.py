"""Scope checks that held when reviewed, kept so they go on holding: an answered request
closes the regulator's reads, and id tricks in a path open no other queue's evidence."""

from __future__ import annotations

import pytest

from safeguarding.services.access import OPERATOR
from tests.api.scope_world import GROOMING_EVENT
from tests.conftest import auth

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("unthrottled")]
REASON = {"reason": "checking the case for a review"}


async def test_an_answered_request_closes_the_regulators_reads(world_http, world) -> None:
    regulator = auth(world.keys["regulator"])
    signals = world.container.evidence.decision(GROOMING_EVENT, OPERATOR).signals
    quoted = {GROOMING_EVENT} | {e for s in signals for e in s.evidence.event_ids}
    filed = await world_http.post(
        "/v1/information-requests",
        json={
            "question": "How was this one message handled?",
            "legal_basis": "Online Safety Act 2023, s.100",
            "deadline": "2030-01-01T00:00:00Z",
            "event_ids": sorted(quoted),  # the package quotes the messages its signals cite
        },
        headers=regulator,
    )
    assert filed.status_code == 201
    evidence = f"/v1/evidence/{GROOMING_EVENT}/read"
    package = f"/v1/reports/default/{GROOMING_EVENT}"
    assert (await world_http.post(evidence, json=REASON, headers=regulator)).status_code == 200
    assert (await world_http.get(package, headers=regulator)).status_code == 200
    answered = await world_http.post(
        f"/v1/information-requests/{filed.json()['request_id']}/answer",
        json={"response": "Here is what happened."},
        headers=auth(world.keys["admin"]),
    )
    assert answered.status_code == 200, answered.text
    assert (await world_http.post(evidence, json=REASON, headers=regulator)).status_code == 403
    assert (await world_http.get(package, headers=regulator)).status_code == 403
    record = await world_http.get(f"/v1/evidence/{GROOMING_EVENT}", headers=regulator)
    assert record.json()["content_sha256"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/v1/evidence/demo%2Dmsg%2D023/read",
        "/v1/evidence/DEMO-MSG-023/read",
        "/v1/evidence/demo-msg-023/read/",
        "/v1/evidence/demo-msg-023%20/read",
        "/v1/evidence/./demo-msg-023/read",
    ],
)
async def test_id_tricks_do_not_open_another_queues_evidence(world_http, world, path) -> None:
    who = auth(world.keys["self_harm moderator"])
    answer = await world_http.post(path, json=REASON, headers=who, follow_redirects=True)
    assert answer.status_code in (403, 404, 405, 422), (path, answer.status_code)
    assert "content_base64" not in answer.text
