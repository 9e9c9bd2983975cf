"""The attacks of issue 14 that depend on *which* case, queue, request or body, replayed
through the server: each was answered before, and must now be refused or told the truth.

1. A self_harm moderator upheld an appeal against a known-abuse image, which then showed to a
   child with the reason "a moderator dismissed the case about it".
2. The same key read, confirmed and sent a grooming report (its transcript) unaudited.
3. The regulator read report packages with no information request.
14. A new advocate key with another body's key name read that body's super-complaint.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from safeguarding.adapters.http.app import create_app
from safeguarding.adapters.storage.crypto import cipher_from_file
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.domain.cases import Outcome
from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.services.access import OPERATOR
from tests.api.scope_world import GROOMING_EVENT, KNOWN_IMAGE, World, case_of, decide
from tests.conftest import auth
from tests.factories import contact_request
from tests.web.session import browser

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"
UPHOLD = {"status": "upheld", "reason": "The photo is the appellant's own holiday picture."}
GROOMING_PACKAGE = f"/v1/reports/default/{GROOMING_EVENT}"


def as_(world: World, label: str) -> dict[str, str]:
    return auth(world.keys[label])


def audit(world: World, action: str) -> list[tuple[str, str, dict]]:
    with world.container.store.read() as uow:
        return [(r.actor, r.subject, r.details) for r in uow.audit.records() if r.action == action]


async def seen_by_a_child(world_http: httpx.AsyncClient, world: World) -> dict:
    ask = {"viewer_id": "leo", "items": [KNOWN_IMAGE]}
    answer = await world_http.post("/v1/visibility", json=ask, headers=as_(world, "platform"))
    (item,) = answer.json()["items"]
    return item


def refused(response: httpx.Response, status: int = 403) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM


# -- 1 ----------------------------------------------------------------------------------------
async def test_an_appeal_is_decided_only_within_the_queue_of_its_harm(world_http, world) -> None:
    url = f"/v1/complaints/{world.ids['appeal']}/decision"
    attempt = await world_http.post(url, json=UPHOLD, headers=as_(world, "self_harm moderator"))
    assert refused(attempt), attempt.text
    assert "abuse_imagery" in attempt.json()["detail"]
    assert (await seen_by_a_child(world_http, world))["visible"] is False
    listed = await world_http.get("/v1/complaints", headers=as_(world, "self_harm moderator"))
    assert listed.json() == [], "nor does it see appeals about other queues"
    read = await world_http.get(
        f"/v1/complaints/{world.ids['appeal']}", headers=as_(world, "self_harm moderator")
    )
    assert refused(read)


async def test_a_hash_match_is_never_reinstated_while_its_case_is_open(world_http, world) -> None:
    url = f"/v1/complaints/{world.ids['appeal']}/decision"
    for who in ("abuse moderator", "admin"):
        attempt = await world_http.post(url, json=UPHOLD, headers=as_(world, who))
        assert refused(attempt, 409), (who, attempt.text)
        assert "known-abuse hash" in attempt.json()["detail"]
    seen = await seen_by_a_child(world_http, world)
    assert (seen["visible"], seen["rule"]) == (False, "known-abuse-image")


async def test_reinstating_a_hash_match_takes_an_admin_and_a_reason_both_audited(
    world_http, world
) -> None:
    app = world.container
    decide(app, case_of(app, KNOWN_IMAGE), world.principals["abuse moderator"], Outcome.CONFIRM,
           "known_abuse_image")  # fmt: skip
    url = f"/v1/complaints/{world.ids['appeal']}/decision"
    moderator = await world_http.post(url, json=UPHOLD, headers=as_(world, "abuse moderator"))
    assert refused(moderator)
    assert "only an admin" in moderator.json()["detail"]
    # Leo accepts Dan first: an appeal never shows a child an unconnected adult's upload
    # (services/reinstatement.py; tests/api/test_protection_invariants.py).
    accepted = {**contact_request("leo", "dan"), "type": "contact_accepted"}
    app.ingest.ingest([EVENT_ADAPTER.validate_python(accepted)], source="test")
    upheld = await world_http.post(url, json=UPHOLD, headers=as_(world, "admin"))
    assert upheld.status_code == 200, upheld.text
    seen = await seen_by_a_child(world_http, world)
    assert seen["visible"] is True
    assert (
        seen["reason"]
        == f"reinstated: appeal {world.ids['appeal']} against its decision was upheld"
    )
    ((actor, subject, details),) = audit(world, "complaint.decide")
    assert (actor, subject) == ("admin:ali", world.ids["appeal"])
    assert details["reason"] == UPHOLD["reason"]
    assert details["hash_match_reinstated_by_admin"] is True


# -- 2 ----------------------------------------------------------------------------------------
async def test_a_report_is_read_confirmed_and_sent_only_within_its_queue(world_http, world) -> None:
    other = as_(world, "self_harm moderator")
    before = (await world_http.get("/v1/reports", headers=as_(world, "admin"))).json()
    assert refused(await world_http.get(GROOMING_PACKAGE, headers=other))
    assert refused(await world_http.post(f"{GROOMING_PACKAGE}/submit", headers=other))
    image = f"/v1/reports/default/{KNOWN_IMAGE}"
    assert refused(await world_http.post(f"{image}/confirm", headers=other))
    assert (await world_http.get("/v1/reports", headers=other)).json() == []
    assert (await world_http.get("/v1/reports", headers=as_(world, "admin"))).json() == before
    assert audit(world, "report.read") == []


async def test_a_report_is_confirmed_only_after_its_case_is_confirmed(world_http, world) -> None:
    image = f"/v1/reports/default/{KNOWN_IMAGE}/confirm"
    early = await world_http.post(image, headers=as_(world, "abuse moderator"))
    assert refused(early, 409)
    assert "as confirmed before its report" in early.json()["detail"]
    app = world.container
    decide(app, case_of(app, KNOWN_IMAGE), world.principals["abuse moderator"], Outcome.CONFIRM,
           "known_abuse_image")  # fmt: skip
    confirmed = await world_http.post(image, headers=as_(world, "abuse moderator"))
    assert confirmed.json()["status"] == "confirmed"


async def test_the_web_ui_confirms_a_report_under_the_same_rule(world) -> None:
    app = create_app(world.container, run_outbox_worker=False)

    async def confirm_in_ui(label: str) -> httpx.Response:
        async with browser(app, world.keys[label]) as ui:  # a session with its CSRF token
            url = f"/ui/cases/{world.ids['abuse_case']}/reports/default/{KNOWN_IMAGE}/confirm"
            return await ui.post(url)

    other_queue = await confirm_in_ui("self_harm moderator")
    assert other_queue.status_code == 403
    assert "is not in a queue cy works" in html.unescape(other_queue.text)  # scope, not CSRF
    too_early = await confirm_in_ui("abuse moderator")
    assert too_early.status_code == 409  # its case is open
    assert "as confirmed before its report" in too_early.text
    with world.container.store.read() as uow:
        record = uow.reports.get(KNOWN_IMAGE, "default")
    assert record is not None
    assert record.status.value == "awaiting_confirmation"


async def test_every_read_of_a_package_is_audited_with_who_and_why(world_http, world) -> None:
    read = await world_http.get(GROOMING_PACKAGE, headers=as_(world, "grooming moderator"))
    assert read.status_code == 200
    assert read.json()["chat_transcript"]
    ((actor, subject, details),) = audit(world, "report.read")
    assert (actor, subject) == ("moderator:alex", GROOMING_EVENT)
    assert details == {"authority": "default", "queue": "grooming"}


# -- 3 ----------------------------------------------------------------------------------------
def quoted_by(world: World, event_id: str) -> list[str]:
    """The event and every message its package quotes: a request must name them all."""
    signals = world.container.evidence.decision(event_id, OPERATOR).signals
    return sorted({event_id} | {e for s in signals for e in s.evidence.event_ids})


async def test_the_regulator_sees_report_metadata_and_content_only_under_a_request(
    world_http, world
) -> None:
    regulator = as_(world, "regulator")
    listed = (await world_http.get("/v1/reports", headers=regulator)).json()
    assert listed
    assert all("package" not in r for r in listed)
    confirmed = next(r for r in listed if r["event_id"] == GROOMING_EVENT)
    assert confirmed["status"] == "confirmed"
    assert confirmed["counts"]["messages"] >= 1
    assert confirmed["counts"]["accounts"] >= 1
    assert "how old" not in str(listed)
    assert refused(await world_http.get(GROOMING_PACKAGE, headers=regulator))
    filed = await world_http.post(
        "/v1/information-requests",
        json={
            "question": "Show us how this grooming report was made.",
            "legal_basis": "Online Safety Act s.100",
            "deadline": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
            "event_ids": quoted_by(world, GROOMING_EVENT),
        },
        headers=regulator,
    )
    assert filed.status_code == 201
    package = await world_http.get(GROOMING_PACKAGE, headers=regulator)
    assert package.status_code == 200
    assert package.json()["chat_transcript"]
    ((actor, _, details),) = audit(world, "report.read")
    assert (actor, details["information_request"]) == (
        "regulator:ofcom",
        filed.json()["request_id"],
    )


# -- 14 ---------------------------------------------------------------------------------------
async def test_a_super_complaint_belongs_to_its_body_not_to_a_key_name(world_http, world) -> None:
    url = f"/v1/super-complaints/{world.ids['super_complaint']}"
    same_name = as_(world, "voice again, other body")
    assert refused(await world_http.get(url, headers=same_name))
    assert refused(
        await world_http.get(f"{url}/files/{world.ids['attachment']}", headers=same_name)
    )
    assert (await world_http.get("/v1/super-complaints", headers=same_name)).json() == []
    colleague, _ = world.container.keys.create("voice-rotated", "advocate", organisation="body-a")
    assert (await world_http.get(url, headers=auth(colleague))).status_code == 200


async def test_advocate_keys_name_their_body_over_the_admin_api(world_http, world) -> None:
    made = await world_http.post(
        "/v1/keys",
        json={"name": "helpline", "role": "advocate", "organisation": "body-a"},
        headers=as_(world, "admin"),
    )
    assert made.status_code == 201
    assert made.json()["organisation"] == "body-a"
    url = f"/v1/super-complaints/{world.ids['super_complaint']}"
    assert (await world_http.get(url, headers=auth(made.json()["key"]))).status_code == 200
    wrong = await world_http.post(
        "/v1/keys",
        json={"name": "m", "role": "moderator", "organisation": "body-a"},
        headers=as_(world, "admin"),
    )
    assert wrong.status_code == 422


def test_existing_advocate_rows_migrate_to_their_body(tmp_path: Path) -> None:
    """Before 0011 a super-complaint belonged to ``advocate:<key name>``: that name becomes the
    organisation of the key and of what it filed, so each body keeps reading its own."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0010")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO api_keys (key_id, name, role, secret_hash, created_at) VALUES "
                "('k1', 'voice', 'advocate', 'h', :at), ('k2', 'ali', 'admin', 'h', :at)"
            ),
            {"at": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO super_complaints (super_complaint_id, filed_by, filed_at, title, "
                "description, harms, attachments, status) VALUES "
                "('scp1', 'advocate:voice', :at, 't', 'd', '[]', '[]', 'received')"
            ),
            {"at": now},
        )
    # Later migrations (0012) seal what was stored in clear: they need the key ring.
    migrate.upgrade(engine, cipher=cipher_from_file(tmp_path / "keys", create=True))
    with engine.connect() as conn:
        keys = dict(conn.execute(sa.text("SELECT key_id, organisation FROM api_keys")).all())
        (body,) = conn.execute(sa.text("SELECT organisation FROM super_complaints")).scalars()
    assert keys == {"k1": "voice", "k2": None}
    assert body == "voice"
