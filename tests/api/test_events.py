"""POST /v1/events: decisions, idempotency, and the all-or-nothing batch."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.factories import benign_png, media, message, profile, report

pytestmark = pytest.mark.anyio
KNOWN = benign_png("events-known")


@pytest.fixture
def settings(database_url, tmp_path):
    from tests.conftest import make_settings

    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"# test list\n{hashlib.sha256(KNOWN).hexdigest()}\n")
    return make_settings(database_url, tmp_path, sha256_list_path=hashes)


def counts(container: Container) -> tuple:
    with container.store.read() as uow:
        head = uow.audit.head()
        figures = uow.figures.counts()
        return figures.events_by_type, figures.decisions_by_verdict, head.seq if head else 0


async def test_one_event_gets_a_decision_with_policy_version(
    client: httpx.AsyncClient, keys
) -> None:
    response = await client.post("/v1/events", json=message(), headers=auth(keys[Role.PLATFORM]))
    assert response.status_code == 200
    body = response.json()
    assert body["replayed"] is False
    assert body["decision"]["verdict"] == "allow"
    assert body["decision"]["policy_version"] == 1


async def test_known_hash_blocks_and_explains(client, keys, container) -> None:
    response = await client.post(
        "/v1/events", json=media(data=KNOWN), headers=auth(keys[Role.PLATFORM])
    )
    decision = response.json()["decision"]
    assert decision["verdict"] == "block"
    names = [a["name"] for a in decision["actions"]]
    assert {"block", "preserve_evidence", "open_case", "report_to_authority"} <= set(names)
    (signal,) = decision["signals"]
    assert signal["kind"] == "hash_match"
    assert signal["evidence"]["matched_hash"] == hashlib.sha256(KNOWN).hexdigest()
    assert "SHA-256" in signal["explanation"]
    assert decision["rules"][0]["rule"] == "known-abuse-image"
    assert decision["rules"][0]["signal_indexes"] == [0]


async def test_same_event_twice_is_stored_once_with_same_decision(client, keys, container) -> None:
    event = media(data=KNOWN)
    first = (await client.post("/v1/events", json=event, headers=auth(keys[Role.PLATFORM]))).json()
    before = counts(container)
    second = (await client.post("/v1/events", json=event, headers=auth(keys[Role.PLATFORM]))).json()
    assert second["replayed"] is True
    assert second["decision"] == first["decision"]
    assert counts(container) == before
    with container.store.read() as uow:
        assert uow.outbox.pending() == len(
            [a for a in first["decision"]["actions"] if a["name"] not in ("block",)]
        )


async def test_reused_event_id_with_other_content_is_409_and_changes_nothing(
    client, keys, container
):
    event = message(text="first")
    await client.post("/v1/events", json=event, headers=auth(keys[Role.PLATFORM]))
    before = counts(container)
    response = await client.post(
        "/v1/events", json={**event, "text": "second"}, headers=auth(keys[Role.PLATFORM])
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["event_id"] == event["event_id"]
    assert counts(container) == before


async def test_batch_with_an_invalid_event_records_nothing_and_names_each(client, keys, container):
    before = counts(container)
    batch = [message(), {"type": "message", "event_id": "x"}, message(), {"type": "nope"}]
    response = await client.post(
        "/v1/events", json={"events": batch}, headers=auth(keys[Role.PLATFORM])
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["index"] for e in errors} == {1, 3}
    assert any(e["index"] == 3 and "unknown event type 'nope'" in e["message"] for e in errors)
    assert any(e["index"] == 1 and e["field"] == "occurred_at" for e in errors)
    assert counts(container) == before


async def test_batch_decides_in_order_and_duplicates_inside_a_batch_count_once(
    client, keys, container
):
    repeated = message(text="hello")
    batch = [profile("kid", 12), repeated, repeated, report("kid", "adult1")]
    response = await client.post(
        "/v1/events", json={"events": batch}, headers=auth(keys[Role.PLATFORM])
    )
    results = response.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert [r["replayed"] for r in results] == [False, False, True, False]
    assert results[3]["decision"]["signals"][0]["explanation"] == "reported for grooming by a child"
    assert counts(container)[0] == {"profile_update": 1, "message": 1, "user_report": 1}


async def test_batch_over_the_limit_is_413(client, keys, container) -> None:
    batch = [message() for _ in range(container.settings.max_batch_events + 1)]
    response = await client.post(
        "/v1/events", json={"events": batch}, headers=auth(keys[Role.PLATFORM])
    )
    assert response.status_code == 413
    assert response.json()["limit"] == container.settings.max_batch_events


async def test_restricted_account_is_blocked_from_children_after_the_outbox_runs(
    client, keys, container
):
    headers = auth(keys[Role.PLATFORM])
    await client.post(
        "/v1/events", json={"events": [profile("kid", 13), profile("adult1", 30)]}, headers=headers
    )
    blocked = await client.post("/v1/events", json=media(data=KNOWN, to="kid"), headers=headers)
    assert blocked.json()["decision"]["verdict"] == "block"
    container.outbox.run_once()
    later = await client.post("/v1/events", json=message(to="kid"), headers=headers)
    decision = later.json()["decision"]
    assert decision["verdict"] == "block"
    assert decision["rules"][0]["rule"] == "restricted-account-contacting-child"


async def test_shadow_rule_is_recorded_but_not_enforced(client, keys) -> None:
    headers = auth(keys[Role.PLATFORM])
    await client.post(
        "/v1/events",
        json={"events": [profile("kid", 12), profile("fresh", 30, created_days_ago=1)]},
        headers=headers,
    )
    in_a_group = {**message("fresh", "kid"), "conversation_kind": "group"}
    response = await client.post("/v1/events", json=in_a_group, headers=headers)
    decision = response.json()["decision"]
    # The child-safe default blocks it; the shadow rule's case is recorded, never opened.
    assert decision["verdict"] == "block"
    assert {a["name"] for a in decision["actions"]} == {"block", "support_message"}
    (shadow,) = decision["shadow"]
    assert shadow["rule"] == "new-adult-account-first-contact-with-child"
    assert {a["name"] for a in shadow["actions"]} == {"hold_for_review", "open_case"}
    again = {**message("fresh", "kid"), "conversation_kind": "group"}
    second = await client.post("/v1/events", json=again, headers=headers)
    # A refused attempt is no contact made: the next one is still a first contact.
    assert [r["rule"] for r in second.json()["decision"]["shadow"]] == [shadow["rule"]]


async def test_unconnected_adult_cannot_open_a_direct_conversation_with_a_child(client, keys):
    headers = auth(keys[Role.PLATFORM])
    await client.post(
        "/v1/events",
        json={"events": [profile("kid", 12), profile("grown", 35), profile("teen", 15)]},
        headers=headers,
    )
    first = (await client.post("/v1/events", json=message("grown", "kid"), headers=headers)).json()
    assert first["decision"]["verdict"] == "block"
    assert first["decision"]["rules"][0]["rule"] == "adult-contact-with-unconnected-child"
    (support,) = first["decision"]["support"]
    assert support["account_ids"] == ["kid"]
    assert any("0800 1111" in r for r in support["resources"])
    peer = (await client.post("/v1/events", json=message("teen", "kid"), headers=headers)).json()
    assert peer["decision"]["verdict"] == "allow"
    accepted = {
        "type": "contact_accepted",
        "event_id": "acc-1",
        "occurred_at": "2026-03-01T17:00:00Z",
        "actor_id": "kid",
        "target_id": "grown",
    }
    await client.post("/v1/events", json=accepted, headers=headers)
    later = (await client.post("/v1/events", json=message("grown", "kid"), headers=headers)).json()
    assert later["decision"]["verdict"] == "allow"


async def test_an_unconnected_adults_pictures_to_a_child_are_blocked_in_any_conversation(
    client, keys
):
    headers = auth(keys[Role.PLATFORM])
    await client.post(
        "/v1/events", json={"events": [profile("kid", 11), profile("grown", 38)]}, headers=headers
    )
    picture = media("grown", benign_png("first-picture"), to="kid")
    first = (await client.post("/v1/events", json=picture, headers=headers)).json()
    assert first["decision"]["verdict"] == "block"
    assert first["decision"]["rules"][0]["rule"] == "adult-contact-with-unconnected-child"
    in_group = {**media("grown", benign_png("group"), to="kid"), "conversation_kind": "group"}
    shared = (await client.post("/v1/events", json=in_group, headers=headers)).json()
    assert shared["decision"]["verdict"] == "block"
    assert "adult-contact-with-unconnected-child" in [
        r["rule"] for r in shared["decision"]["rules"]
    ]


async def test_unconnected_adult_contact_request_to_a_child_is_blocked(client, keys) -> None:
    headers = auth(keys[Role.PLATFORM])
    await client.post(
        "/v1/events", json={"events": [profile("kid", 14), profile("grown", 40)]}, headers=headers
    )
    request = {
        "type": "contact_request",
        "event_id": "cr-1",
        "occurred_at": "2026-03-01T18:00:00Z",
        "actor_id": "grown",
        "target_id": "kid",
    }
    decision = (await client.post("/v1/events", json=request, headers=headers)).json()["decision"]
    assert decision["verdict"] == "block"
    assert decision["support"][0]["audience"] == "targets"


async def test_stored_decision_can_be_read_back(client, keys) -> None:
    event = message()
    posted = await client.post("/v1/events", json=event, headers=auth(keys[Role.PLATFORM]))
    read = await client.get(
        f"/v1/events/{event['event_id']}/decision", headers=auth(keys[Role.MODERATOR])
    )
    assert read.json()["decision"] == posted.json()["decision"]
    missing = await client.get("/v1/events/nope/decision", headers=auth(keys[Role.MODERATOR]))
    assert missing.status_code == 404


async def test_support_resources_are_configurable(database_url, tmp_path) -> None:
    from safeguarding.bootstrap import build
    from tests.conftest import make_settings
    from tests.factories import event

    custom = {"childline": "Our helpline: call 0000 0000"}
    built = build(make_settings(database_url, tmp_path, support_resources=custom))
    try:
        built.ingest.ingest([event(profile("kid", 12)), event(profile("grown", 35))], source="t")
        (result,) = built.ingest.ingest([event(message("grown", "kid"))], source="t")
    finally:
        built.close()
    (support,) = result.decision.support
    assert support.resources == ("Our helpline: call 0000 0000",)
    assert "block and report" in support.message


async def test_figures_count_cases_by_harm(client, keys, container) -> None:
    headers = auth(keys[Role.PLATFORM])
    await client.post(
        "/v1/events",
        json={
            "events": [
                report("kid", "adult1", "grooming"),
                report("kid", "friend", "self_harm"),
                media(data=KNOWN),
            ]
        },
        headers=headers,
    )
    container.outbox.run_once()
    figures = (await client.get("/v1/figures", headers=auth(keys[Role.REGULATOR]))).json()
    assert figures["cases_by_queue"] == {"grooming": 1, "self_harm": 1, "abuse_imagery": 1}
    assert figures["decisions_by_verdict"] == {"allow": 2, "block": 1}


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"", 422, "empty"),
        (b"%PDF-1.7 not an image", 415, "unsupported_format"),
        (None, 413, "too_many_pixels"),  # a PNG whose header claims 100,000 x 100,000 pixels
        (benign_png("truncated")[:60], 422, "corrupt"),
    ],
)
async def test_hostile_uploads_get_a_problem_naming_the_reason(
    client, keys, container, data: bytes | None, status: int, reason: str
) -> None:
    from tests.detectors.media.fixtures.media import png_bomb

    upload = media(data=png_bomb(100_000, 100_000) if data is None else data)
    response = await client.post("/v1/events", json=upload, headers=auth(keys[Role.PLATFORM]))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["reason"] == reason
    assert body["errors"][0]["field"] == "content_base64"
    with container.store.read() as uow:
        assert uow.figures.counts().events_by_type == {}
