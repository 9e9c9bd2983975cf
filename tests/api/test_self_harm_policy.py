"""The default policy acts on each self-harm class differently (issue #16 point 6), through ingest.

Support to the writer for ideation, intent and disclosure (intent also opens an urgent case);
removal, review and a case on the writer for encouragement; nothing for recovery and support,
news and education, or idiom. Texts show warning signs in general words only; none describes
a method.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.detectors.self_harm_data import ACTION_EXAMPLES, NO_ACTION_EXAMPLES
from tests.factories import message

pytestmark = pytest.mark.anyio

SUPPORTED = {k: v for k, v in ACTION_EXAMPLES.items() if k != "encouragement"}


async def decide(client: httpx.AsyncClient, keys: dict[Role, str], text: str) -> dict[str, Any]:
    event = message("teen1", "teen2", text)
    response = await client.post("/v1/events", json=event, headers=auth(keys[Role.PLATFORM]))
    assert response.status_code == 200, response.text
    decision: dict[str, Any] = response.json()["decision"]
    return decision


def self_harm_kinds(decision: dict[str, Any]) -> list[str]:
    return [s["kind"] for s in decision["signals"] if s["detector"] == "self_harm"]


def actions(decision: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a.get("params", {}) for a in decision["actions"]}


@pytest.mark.parametrize(("kind", "text"), SUPPORTED.items())
async def test_the_writer_gets_support_for_ideation_intent_and_disclosure(
    client: httpx.AsyncClient, keys: dict[Role, str], kind: str, text: str
) -> None:
    decision = await decide(client, keys, text)
    assert self_harm_kinds(decision) == [kind]
    done = actions(decision)
    assert done["support_message"]["audience"] == "actor"
    assert [s["account_ids"] for s in decision["support"]] == [["teen1"]]
    assert "remove" not in done
    assert decision["verdict"] == "allow"  # the writer is not silenced
    urgent = done["open_case"]["priority"] == 1
    assert urgent == (kind == "intent_or_plan")
    assert ("notify" in done) == (kind == "intent_or_plan")


async def test_encouragement_is_removed_and_reviewed_with_a_case_on_the_writer(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Any
) -> None:
    decision = await decide(client, keys, ACTION_EXAMPLES["encouragement"])
    assert self_harm_kinds(decision) == ["encouragement"]
    done = actions(decision)
    assert {"remove", "open_case", "preserve_evidence"} <= set(done)
    # No support to the writer (other rules may still support the child it was aimed at).
    assert [s for s in decision["support"] if "teen1" in s["account_ids"]] == []
    assert decision["verdict"] == "block"
    container.outbox.run_once()
    with container.store.read() as uow:
        (case,) = uow.cases.of_subject("teen1")
        assert case.queue == "self_harm"


@pytest.mark.parametrize(("kind", "text"), NO_ACTION_EXAMPLES.items())
async def test_recovery_news_and_idiom_get_no_signal_and_no_action(
    client: httpx.AsyncClient, keys: dict[Role, str], kind: str, text: str
) -> None:
    decision = await decide(client, keys, text)
    assert self_harm_kinds(decision) == []
    assert decision["actions"] == []
    assert decision["verdict"] == "allow"
