"""Working cases over HTTP: claim, decide with a reason code, and the decision's effects."""

from __future__ import annotations

import pytest

from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.services.test_reporting import run_seed_case

pytestmark = pytest.mark.anyio


async def grooming_case(client, keys, container) -> str:
    run_seed_case(container)
    (case,) = (await client.get("/v1/cases", headers=auth(keys[Role.MODERATOR]))).json()
    assert (case["queue"], case["subject_account_id"]) == ("grooming", "ryan")
    return case["case_id"]


async def test_a_dismissal_lifts_the_restriction_and_is_audited(client, keys, container) -> None:
    case_id = await grooming_case(client, keys, container)
    moderator = auth(keys[Role.MODERATOR])
    with container.store.read() as uow:
        assert uow.accounts.restrictions_of(["ryan"]) == {"ryan"}
    unclaimed = await client.post(
        f"/v1/cases/{case_id}/decision",
        json={"outcome": "dismiss", "reason_code": "false_positive"},
        headers=moderator,
    )
    assert unclaimed.status_code == 409
    claimed = await client.post(f"/v1/cases/{case_id}/claim", headers=moderator)
    assert claimed.json()["status"] == "in_review"
    wrong = await client.post(
        f"/v1/cases/{case_id}/decision",
        json={"outcome": "dismiss", "reason_code": "grooming_confirmed"},
        headers=moderator,
    )
    assert wrong.status_code == 422
    assert "false_positive" in wrong.json()["detail"]
    other = await client.post(
        f"/v1/cases/{case_id}/decision",
        json={"outcome": "dismiss", "reason_code": "false_positive"},
        headers=auth(keys[Role.ADMIN]),
    )
    assert other.status_code == 409  # claimed by someone else
    done = await client.post(
        f"/v1/cases/{case_id}/decision",
        json={"outcome": "dismiss", "reason_code": "false_positive", "note": "a cousin"},
        headers=moderator,
    )
    assert done.json()["status"] == "dismissed"
    with container.store.read() as uow:
        assert uow.accounts.restrictions_of(["ryan"]) == set()
        (record,) = [r for r in uow.audit.records() if r.action == "case.decide"]
    assert record.details == {
        "outcome": "dismiss",
        "reason_code": "false_positive",
        "note": "a cousin",
        "restrictions_lifted": 1,
        # the seed conversation's messages from the flag on were held for the case
        "content_reinstated": 15,
        "review_holds_released": 15,
    }
    assert record.actor.startswith("moderator:")


async def test_an_escalation_goes_back_to_the_queue_at_priority_one(
    client, keys, container
) -> None:
    case_id = await grooming_case(client, keys, container)
    moderator = auth(keys[Role.MODERATOR])
    await client.post(f"/v1/cases/{case_id}/claim", headers=moderator)
    escalated = await client.post(
        f"/v1/cases/{case_id}/decision",
        json={"outcome": "escalate", "reason_code": "imminent_risk"},
        headers=moderator,
    )
    body = escalated.json()
    assert (body["status"], body["priority"], body["assignee"]) == ("escalated", 1, None)
    with container.store.read() as uow:
        assert uow.accounts.restrictions_of(["ryan"]) == {"ryan"}  # kept while it is escalated
    refused = await client.post(f"/v1/cases/{case_id}/claim", headers=auth(keys[Role.PLATFORM]))
    assert refused.status_code == 403
