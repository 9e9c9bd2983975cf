"""Relationships the platform knows, through the API on SQLite and PostgreSQL (issue 16,
point 3): a family link lowers a grandparent's pick-up conversation from a flag to nothing
held; an adult's own claim to be a child's guardian changes nothing (the grooming is flagged
and reaches the high level as before); a bad value is a 422 problem naming the field, with
nothing stored; and docs/events.md's example is what a platform can send.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.relationships import Relationship
from safeguarding.services.policy import default_policy_source
from tests.api.platform_api import Api, grooming_to
from tests.conftest import auth
from tests.factories import contact_request, message, profile

DOCS = Path(__file__).resolve().parents[2] / "docs"
PICK_UP = [  # a grandparent on a new account arranging a pick-up (no explicit content)
    "hi love its grandma, i'll pick you up from school today",
    "wait by the gate, don't walk home alone",
    "send me a pic of your costume for the play",
]


def accepted(kid: str, adult: str, **facts: Any) -> dict[str, Any]:
    """The child's own acceptance of the adult's request (the one that connects them)."""
    return {**contact_request(kid, adult), "type": "contact_accepted", **facts}


def pick_up(api: Api, gran: str, kid: str, *setup: dict[str, Any]) -> list[dict[str, Any]]:
    api.send([profile(gran, 67, created_days_ago=2), profile(kid, 11), *setup])
    lines = [
        message(gran, kid, t, conversation=f"{kid}-p", minutes=i) for i, t in enumerate(PICK_UP)
    ]
    return api.send(lines)


def kinds(decisions: list[dict[str, Any]]) -> list[list[str]]:
    return [[s["kind"] for s in d["signals"] if s["detector"] == "grooming"] for d in decisions]


def all_kinds(decisions: list[dict[str, Any]]) -> set[str]:
    return {kind for each in kinds(decisions) for kind in each}


def test_a_family_link_lowers_a_pick_up_conversation_from_flag_to_watch(api: Api) -> None:
    plain = pick_up(api, "gran-a", "kid-a", accepted("kid-a", "gran-a"))
    assert "grooming_risk" in all_kinds(plain)
    assert "hold" in [d["verdict"] for d in plain]
    family = pick_up(api, "gran-b", "kid-b", accepted("kid-b", "gran-b", relationship="family"))
    assert all_kinds(family) <= {"grooming_watch"}
    assert [d["verdict"] for d in family] == ["allow"] * len(PICK_UP)
    watched = [s for d in family for s in d["signals"] if s["detector"] == "grooming"]
    assert watched  # still scored, and the moderator can see why it stayed low
    assert {s["evidence"]["details"]["relationship"] for s in watched} == {"family"}
    assert all("the platform knows them as: family" in s["explanation"] for s in watched)


def test_a_guardian_link_both_accounts_state_lowers_it_too(api: Api) -> None:
    both = [
        {**profile("gran-c", 67, minutes=-30), "guardian_of": ["kid-c"]},
        {**profile("kid-c", 11, minutes=-30), "guardians": ["gran-c"]},
        accepted("kid-c", "gran-c"),
    ]
    decisions = pick_up(api, "gran-c", "kid-c", *both)
    assert all_kinds(decisions) <= {"grooming_watch"}
    assert [d["verdict"] for d in decisions] == ["allow"] * len(PICK_UP)


def groom(api: Api, adult: str, kid: str, *claims: dict[str, Any]) -> list[dict[str, Any]]:
    api.send([profile(adult, 35), profile(kid, 12), *claims, accepted(kid, adult)])
    script = [
        {**m, "event_id": f"{adult}-{i}", "conversation_id": f"{adult}-g"}
        for i, m in enumerate(grooming_to(kid, adult))
    ]
    return api.send(script)


def test_an_adults_own_claim_to_be_a_childs_guardian_changes_nothing(api: Api) -> None:
    before = groom(api, "x-adult", "x-kid")
    claims = [
        {**profile("y-adult", 35, minutes=-30), "guardian_of": ["y-kid"]},
        {**contact_request("y-adult", "y-kid", minutes=-20), "relationship": "guardian"},
        # the adult's own acceptance, claiming family: it connects nothing and counts for nothing
        {**contact_request("y-adult", "y-kid", minutes=-10), "type": "contact_accepted",
         "relationship": "family"},
    ]  # fmt: skip
    after = groom(api, "y-adult", "y-kid", *claims)
    assert kinds(after) == kinds(before)
    assert [d["verdict"] for d in after] == [d["verdict"] for d in before]
    assert "grooming_risk_high" in all_kinds(after)
    high = next(d for d in after if "grooming_risk_high" in all_kinds([d]))
    assert "grooming-risk-high" in [r["rule"] for r in high["rules"]]
    assert "restrict_contact_with_children" in [a["name"] for a in high["actions"]]
    (signal,) = [s for s in high["signals"] if s["kind"] == "grooming_risk_high"]
    assert signal["evidence"]["details"]["relationship"] is None


def post_raw(container: Container, key: str, body: dict[str, Any]) -> httpx.Response:
    app = api_app(container)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await http.post("/v1/events", json=body, headers=auth(key))

    return asyncio.run(call())


def api_app(container: Container) -> Any:
    return create_app(container, run_outbox_worker=False)


BAD = [
    ({**contact_request("kid-z", "gran-z"), "type": "contact_accepted", "relationship": "cousin"},
     "relationship"),
    ({**contact_request("kid-z", "gran-z"), "relationship": "best_mate"}, "relationship"),
    ({**contact_request("kid-z", "gran-z"), "type": "contact_accepted",
      "connected_since": "2099-01-01T00:00:00Z"}, "connected_since"),
    ({**profile("gran-z", 67), "guardian_of": ["gran-z"]}, "guardian_of"),
    ({**profile("kid-z", 11), "guardians": ["no spaces allowed"]}, "guardians"),
    ({**profile("gran-z", 67), "guardian_of": "kid-z"}, "guardian_of"),
]  # fmt: skip


@pytest.mark.parametrize(("event", "field"), BAD)
def test_a_bad_relationship_value_is_a_422_naming_the_field_and_stores_nothing(
    container: Container, event: dict[str, Any], field: str
) -> None:
    key = container.keys.create("rel", "platform")[0]
    good = profile("kid-z", 11, minutes=-90)
    answer = post_raw(container, key, {"events": [good, event]})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert [e["index"] for e in problem["errors"]] == [1]
    assert [e["field"].split(".")[0] for e in problem["errors"]] == [field]
    with container.store.read() as uow:
        assert uow.events.find([good["event_id"], event["event_id"]]) == {}
        assert uow.accounts.get(["kid-z", "gran-z"]) == {}
        assert uow.accounts.connection_links_among([("kid-z", "gran-z")]) == {}


def docs_example() -> dict[str, Any]:
    text = (DOCS / "events.md").read_text(encoding="utf-8")
    part = text.split("## Relationships the platform knows", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```json\n(.*?)```", part, flags=re.S)
    return json.loads(block)


def test_the_documented_example_is_accepted_and_kept(api: Api, container: Container) -> None:
    example = docs_example()
    decisions = api.send(example["events"])
    assert [d["verdict"] for d in decisions] == ["allow"] * len(example["events"])
    with container.store.read() as uow:
        (link,) = uow.accounts.connection_links_among([("u-7730", "u-gran")]).values()
        accounts = uow.accounts.get(["u-gran", "u-7730"])
    assert link.relationship is Relationship.FAMILY
    assert link.connected_since is not None
    assert link.connected_since.year == 2025
    assert accounts["u-gran"].guardian_of == ("u-7730",)
    assert accounts["u-7730"].guardians == ("u-gran",)


NEW_SCHOOL_CONNECTION = """
  - name: new-school-connection
    description: A message on a connection from school made less than a week ago.
    mode: shadow
    when:
      event_type: message
      relationship: school
      connected_days_under: 7
    then: [hold_for_review]
"""


def test_policy_reads_the_relationship_and_how_long_the_two_are_connected(
    api: Api, container: Container
) -> None:
    container.policies.replace(default_policy_source() + NEW_SCHOOL_CONNECTION, by="admin:t")
    old = {"connected_since": "2025-01-01T00:00:00Z"}
    api.send([
        profile("s-1", 14), profile("s-2", 14), profile("s-3", 14),
        accepted("s-2", "s-1", relationship="school"),
        accepted("s-3", "s-1", relationship="school", **old),
    ])  # fmt: skip
    recent, older = api.send(
        [message("s-1", "s-2", "see you in maths"), message("s-1", "s-3", "see you in maths")]
    )

    def shadowed(decision: dict[str, Any]) -> list[str]:
        return [r["rule"] for r in decision["shadow"]]

    assert "new-school-connection" in shadowed(recent)
    assert "new-school-connection" not in shadowed(older)
