"""Feed visibility and friend-suggestion filtering, from the decisions on record and the policy."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.services.visibility import VisibilityService
from tests.conftest import auth
from tests.factories import at, event, message, next_id, profile

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"

# Items are sorted by where they were posted, so the test needs no detector to get each verdict.
FEED_POLICY = """rules:
  - name: test-remove-livestream-chat
    when: {event_type: message, conversation_kind: livestream}
    then: [remove]
  - name: test-hide-group-chat
    when: {event_type: message, conversation_kind: group}
    then: [hide_from_children]
  - name: test-block-uploads
    when: {event_type: media}
    then: [block]
"""
CHILD_SAFE_RULE = """
  - name: adult-contact-request-to-unconnected-child
    tags: [child_safety_default]
    when:
      event_type: contact_request
      actor: {age_band: [adult, unknown]}
      target: {age_band: [under_13, 13_15, 16_17]}
      connected: false
    then:
      - block
      - support_message: {audience: targets, resources: [childline]}
"""
RELAXED_RULE = """
  - name: adult-contact-request-to-unconnected-child
    mode: shadow
    when: {event_type: contact_request, target: {age_band: [under_13]}, connected: false}
    then: [block]
"""
AGES = {"poster": 35, "adult1": 30, "adult2": 41, "child1": 13, "child2": 12, "teen": 16}


def ingest(container: Container, *events: dict[str, Any]) -> None:
    container.ingest.ingest([event(e) for e in events], source="test")


def chat(kind: str, actor: str = "poster") -> dict[str, Any]:
    data = message(actor, text="see everyone at practice", conversation=f"conv-{kind}")
    return {**data, "conversation_kind": kind, "recipient_ids": []}


def post(actor: str = "poster") -> dict[str, Any]:
    return {
        "type": "post",
        "event_id": next_id("post"),
        "occurred_at": at(1),
        "actor_id": actor,
        "text": "our team won today",
    }


def upload(actor: str = "poster") -> dict[str, Any]:
    return {
        "type": "media",
        "event_id": next_id("media"),
        "occurred_at": at(2),
        "actor_id": actor,
        "media_kind": "image",
        "hashes": {"sha256": "ab" * 32},
    }


def accepted(actor: str, target: str) -> dict[str, Any]:
    return {
        "type": "contact_accepted",
        "event_id": next_id("acc"),
        "occurred_at": at(-5),
        "actor_id": actor,
        "target_id": target,
    }


@pytest.fixture
def feed(container: Container) -> dict[str, str]:
    """A feed policy, accounts of known ages, and one item of each verdict; the items by kind."""
    container.policies.replace(FEED_POLICY + CHILD_SAFE_RULE, by="test")
    ingest(container, *(profile(account, age) for account, age in AGES.items()))
    items = {"allowed": post(), "hidden": chat("group"), "removed": chat("livestream")}
    items["blocked"] = upload()
    ingest(container, *items.values())
    return {kind: data["event_id"] for kind, data in items.items()}


async def visibility(
    client: httpx.AsyncClient, key: str, viewer: str, items: list[str]
) -> dict[str, Any]:
    response = await client.post(
        "/v1/visibility", json={"viewer_id": viewer, "items": items}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    return response.json()


def seen(body: dict[str, Any]) -> dict[str, tuple[bool, str | None]]:
    return {item["event_id"]: (item["visible"], item["rule"]) for item in body["items"]}


# -- visibility -------------------------------------------------------------------------------
async def test_an_adult_sees_what_is_hidden_only_from_children(client, keys, feed) -> None:
    body = await visibility(client, keys[Role.PLATFORM], "adult1", list(feed.values()))
    assert body["age_band"] == "adult"
    assert seen(body) == {
        feed["allowed"]: (True, None),
        feed["hidden"]: (True, "test-hide-group-chat"),
        feed["removed"]: (False, "test-remove-livestream-chat"),
        feed["blocked"]: (False, "test-block-uploads"),
    }
    reasons = {item["event_id"]: item["reason"] for item in body["items"]}
    assert "removed" in reasons[feed["removed"]]
    assert "test-remove-livestream-chat" in reasons[feed["removed"]]
    assert "blocked" in reasons[feed["blocked"]]


@pytest.mark.parametrize(("viewer", "band"), [("child2", "under_13"), ("teen", "16_17")])
async def test_a_child_sees_only_what_no_rule_keeps_from_children(
    client, keys, feed, viewer: str, band: str
) -> None:
    body = await visibility(client, keys[Role.PLATFORM], viewer, list(feed.values()))
    assert body["age_band"] == band
    assert [item["visible"] for item in body["items"]] == [True, False, False, False]
    assert body["items"][1]["rule"] == "test-hide-group-chat"


async def test_a_viewer_of_unknown_age_is_treated_as_a_child(client, keys, feed) -> None:
    body = await visibility(client, keys[Role.PLATFORM], "never-seen", list(feed.values()))
    assert body["age_band"] == "unknown"
    assert [item["visible"] for item in body["items"]] == [True, False, False, False]
    assert "unknown" in body["items"][1]["reason"]


async def test_the_author_sees_their_own_items_whatever_the_decision(client, keys, feed) -> None:
    body = await visibility(client, keys[Role.PLATFORM], "poster", list(feed.values()))
    assert all(item["visible"] for item in body["items"])
    assert {item["reason"] for item in body["items"]} == {"the author sees their own item"}


async def test_items_not_on_record_are_visible_and_order_is_kept(client, keys, feed) -> None:
    asked = ["no-such-item", feed["removed"], "no-such-item", feed["allowed"]]
    body = await visibility(client, keys[Role.ADMIN], "child1", asked)
    assert [item["event_id"] for item in body["items"]] == asked
    assert [item["visible"] for item in body["items"]] == [True, False, True, True]
    assert body["items"][0] == {
        "event_id": "no-such-item",
        "visible": True,
        "reason": "not on record",
        "rule": None,
    }


async def test_an_empty_feed_gets_an_empty_answer(client, keys) -> None:
    body = await visibility(client, keys[Role.PLATFORM], "child1", [])
    assert body["items"] == []


# -- the cache --------------------------------------------------------------------------------
class Timer:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def visible(service: VisibilityService, viewer: str, item: str) -> bool:
    (answer,) = service.check(viewer, [item]).items
    return answer.visible


def test_an_item_stored_after_a_miss_counts_once_the_miss_expires(container, feed) -> None:
    timer = Timer()
    checker = VisibilityService(
        container.store, container.policies, container.clock, miss_ttl_seconds=5, timer=timer
    )
    late = upload()
    assert visible(checker, "adult1", late["event_id"])
    ingest(container, late)
    assert visible(checker, "adult1", late["event_id"]), "the miss is still remembered"
    timer.now += 5
    assert not visible(checker, "adult1", late["event_id"])


def test_invalidate_rereads_an_item_at_once(container, feed) -> None:
    checker = VisibilityService(container.store, container.policies, container.clock)
    late = upload()
    assert visible(checker, "adult1", late["event_id"])
    ingest(container, late)
    checker.invalidate([late["event_id"]])
    assert not visible(checker, "adult1", late["event_id"])


def test_cached_answers_expire_after_the_ttl(container, feed, monkeypatch) -> None:
    timer = Timer()
    checker = VisibilityService(
        container.store, container.policies, container.clock, ttl_seconds=60, timer=timer
    )
    assert not visible(checker, "adult1", feed["blocked"])
    reads = []
    original = container.store.read

    def counting_read() -> Any:
        reads.append(1)
        return original()

    monkeypatch.setattr(container.store, "read", counting_read)
    assert not visible(checker, "adult1", feed["blocked"])
    assert reads == [], "a warm check reads nothing from the store"
    timer.now += 61
    assert not visible(checker, "adult1", feed["blocked"])
    assert len(reads) == 1, "an expired entry (item and viewer) is read again, in one read"


def test_the_cache_is_bounded(container, feed) -> None:
    checker = VisibilityService(container.store, container.policies, container.clock, max_items=2)
    checker.check("adult1", list(feed.values()))
    assert checker.cached_items() == 2


def test_a_viewer_whose_age_changes_is_reread_after_the_viewer_ttl(container, feed) -> None:
    timer = Timer()
    checker = VisibilityService(
        container.store, container.policies, container.clock, viewer_ttl_seconds=5, timer=timer
    )
    assert visible(checker, "new-adult", feed["hidden"]) is False  # unknown age: as a child
    ingest(container, profile("new-adult", 19))
    assert visible(checker, "new-adult", feed["hidden"]) is False
    timer.now += 5
    assert visible(checker, "new-adult", feed["hidden"]) is True


# -- suggestions ------------------------------------------------------------------------------
async def suggestions(
    client: httpx.AsyncClient, key: str, viewer: str, candidates: list[str]
) -> dict[str, Any]:
    response = await client.post(
        "/v1/suggestions/filter",
        json={"viewer_id": viewer, "candidate_ids": candidates},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_children_are_left_out_of_an_adults_suggestions_unless_connected(
    client, keys, container, feed
) -> None:
    ingest(container, accepted("child2", "adult1"))
    body = await suggestions(
        client, keys[Role.PLATFORM], "adult1", ["child1", "adult2", "child2", "teen", "nobody"]
    )
    assert body["allowed"] == ["adult2", "child2", "nobody"]
    assert [r["account_id"] for r in body["removed"]] == ["child1", "teen"]
    assert {r["rule"] for r in body["removed"]} == {"adult-contact-request-to-unconnected-child"}
    assert "blocked" in body["removed"][0]["reason"]
    assert body["policy_version"] == 2


async def test_an_unknown_age_viewer_gets_no_children_suggested(client, keys, feed) -> None:
    body = await suggestions(client, keys[Role.PLATFORM], "nobody", ["child1", "adult2"])
    assert body["allowed"] == ["adult2"]
    assert [r["account_id"] for r in body["removed"]] == ["child1"]


async def test_a_child_may_be_suggested_other_children(client, keys, feed) -> None:
    body = await suggestions(client, keys[Role.PLATFORM], "child1", ["child2", "teen", "adult1"])
    assert body == {"allowed": ["child2", "teen", "adult1"], "removed": [], "policy_version": 2}


async def test_relaxing_the_rule_lets_children_through(client, keys, container, feed) -> None:
    container.policies.replace(FEED_POLICY + RELAXED_RULE, by="test", note="relaxed for test")
    body = await suggestions(client, keys[Role.ADMIN], "adult1", ["child1", "child2"])
    assert body == {"allowed": ["child1", "child2"], "removed": [], "policy_version": 3}


# -- roles and bad input ----------------------------------------------------------------------
ROUTES = {
    "/v1/visibility": {"viewer_id": "adult1", "items": ["x"]},
    "/v1/suggestions/filter": {"viewer_id": "adult1", "candidate_ids": ["x"]},
}


@pytest.mark.parametrize("path", list(ROUTES))
@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.PLATFORM, 200), (Role.ADMIN, 200), (Role.MODERATOR, 403), (Role.REGULATOR, 403)],
)
async def test_platform_and_admin_only(client, keys, path: str, role: Role, status: int) -> None:
    response = await client.post(path, json=ROUTES[path], headers=auth(keys[role]))
    assert response.status_code == status
    if status == 403:
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["allowed_roles"] == ["platform", "admin"]


async def test_no_key_is_401(client) -> None:
    response = await client.post("/v1/visibility", json=ROUTES["/v1/visibility"])
    assert response.status_code == 401


BAD = [
    ("/v1/visibility", {"items": ["x"]}, "viewer_id"),
    ("/v1/visibility", {"viewer_id": "bad id!", "items": ["x"]}, "viewer_id"),
    ("/v1/visibility", {"viewer_id": "a", "items": ["ok", ""]}, "items.1"),
    ("/v1/visibility", {"viewer_id": "a", "items": "x"}, "items"),
    ("/v1/visibility", {"viewer_id": "a", "items": [], "extra": 1}, "extra"),
    ("/v1/suggestions/filter", {"viewer_id": "a"}, "candidate_ids"),
    ("/v1/suggestions/filter", {"viewer_id": "a", "candidate_ids": ["x" * 129]}, "candidate_ids.0"),
]


@pytest.mark.parametrize(("path", "body", "field"), BAD)
async def test_bad_input_is_422_naming_the_field(
    client, keys, path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(path, json=body, headers=auth(keys[Role.PLATFORM]))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_a_body_that_is_not_json_is_415(client, keys) -> None:
    response = await client.post(
        "/v1/visibility", content="viewer_id=a", headers=auth(keys[Role.PLATFORM])
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("path", "field"), [("/v1/visibility", "items"), ("/v1/suggestions/filter", "candidate_ids")]
)
async def test_more_than_1000_ids_is_413(client, keys, path: str, field: str) -> None:
    ids = [f"id-{n}" for n in range(1001)]
    headers = auth(keys[Role.PLATFORM])
    response = await client.post(path, json={"viewer_id": "a", field: ids}, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["limit"] == 1000
    within = await client.post(path, json={"viewer_id": "a", field: ids[:1000]}, headers=headers)
    assert within.status_code == 200
