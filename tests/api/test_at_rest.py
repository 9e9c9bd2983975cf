"""Content at rest, as someone who copies the database sees it.

A confirmed report's package and a super-complaint's title and description are sealed; event
fingerprints and text-evidence addresses are keyed, so they confirm no guessed message; the
migration does the same to what an older version stored, and replays still match.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from alembic import command
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url

from safeguarding.adapters.http.app import create_app
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Role
from safeguarding.domain.events import event_fingerprint
from tests.conftest import TEST_KEY, auth
from tests.detectors.test_grooming import _seed_events
from tests.factories import event
from tests.reviewing import claim_and_decide_over_http
from tests.services.test_reporting import run_seed_case

pytestmark = pytest.mark.anyio

TITLE = "Canary-title-7f3a: reports about one school go unanswered"
DESCRIPTION = "Canary-description-91bd: children we support say their reports sit for weeks."
SUPER = {"title": TITLE, "description": DESCRIPTION, "harms": ["grooming"], "files": []}
NEW_KEY = "new:" + base64.b64encode(b"n" * 32).decode()


async def confirmed_report(client: httpx.AsyncClient, keys: dict[Role, str], container) -> str:
    """The seed grooming case decided as confirmed and its report confirmed; the event id."""
    event_id = run_seed_case(container)
    moderator = auth(keys[Role.MODERATOR])
    (case,) = (await client.get("/v1/cases", headers=moderator)).json()
    await claim_and_decide_over_http(client, case["case_id"], moderator, "grooming_confirmed")
    confirmed = await client.post(f"/v1/reports/default/{event_id}/confirm", headers=moderator)
    assert confirmed.status_code == 200, confirmed.text
    return event_id


def transcript(package: dict[str, Any]) -> list[str]:
    """The message texts a package carries (the canaries of a report)."""
    lines = [m["text"] for m in package.get("chat_transcript", [])]
    assert lines, "the package should hold the conversation"
    return lines


def leaks(container: Container, canaries: list[str]) -> list[str]:
    """The canaries that someone reading the raw database would find."""
    url = make_url(container.settings.database_url)
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "")
        files = [p for p in database.parent.glob(database.name + "*") if p.is_file()]
        raw = b"".join(p.read_bytes() for p in files)
        return [c for c in canaries if c.encode() in raw]
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT row_to_json(r)::text FROM authority_reports r UNION ALL "
            "SELECT row_to_json(s)::text FROM super_complaints s UNION ALL "
            "SELECT row_to_json(e)::text FROM evidence e UNION ALL "
            "SELECT row_to_json(v)::text FROM events v"
        ).fetchall()
    plain = "\n".join(row[0] for row in rows)
    return [c for c in canaries if c in plain]


async def test_a_confirmed_package_and_a_super_complaint_are_not_in_the_database_in_clear(
    client, keys, container
) -> None:
    event_id = await confirmed_report(client, keys, container)
    package = (
        await client.get(f"/v1/reports/default/{event_id}", headers=auth(keys[Role.MODERATOR]))
    ).json()
    advocate = auth(keys[Role.ADVOCATE])
    filed = await client.post("/v1/super-complaints", json=SUPER, headers=advocate)
    assert filed.status_code == 201, filed.text
    shown = (
        await client.get(
            f"/v1/super-complaints/{filed.json()['super_complaint_id']}", headers=advocate
        )
    ).json()
    assert (shown["title"], shown["description"]) == (TITLE, DESCRIPTION)
    assert leaks(container, [*transcript(package), TITLE, DESCRIPTION]) == []


async def test_stored_fingerprints_and_text_evidence_addresses_confirm_no_guess(
    client, keys, container
) -> None:
    run_seed_case(container)
    guesses = {e["event_id"]: e for e in _seed_events() if e["type"] == "message"}
    with container.store.engine.connect() as conn:
        fingerprints = dict(conn.execute(text("SELECT event_id, fingerprint FROM events")).all())
        addresses = dict(
            conn.execute(
                text("SELECT event_id, content_sha256 FROM evidence WHERE content_kind = 'text'")
            ).all()
        )
    assert addresses
    for event_id, stored in fingerprints.items():
        assert stored.startswith("test:")
        if event_id in guesses:
            assert event_fingerprint(event(guesses[event_id])) not in stored
    for event_id, address in addresses.items():
        guessed = hashlib.sha256(guesses[event_id]["text"].encode()).hexdigest()
        assert guessed not in address
        assert address.startswith("test:")


async def test_after_a_key_rotation_replays_still_match_and_reuse_is_refused(
    keys, container, tmp_path
) -> None:
    platform = auth(keys[Role.PLATFORM])
    sent = _seed_events()[3]
    async with _client(container) as client:
        assert (await client.post("/v1/events", json=sent, headers=platform)).status_code == 200
    container.close()
    rotated = container.settings.model_copy(
        update={"content_key": SecretStr(f"{NEW_KEY},{TEST_KEY}")}
    )
    again = build(rotated)
    try:
        async with _client(again) as client:
            replay = await client.post("/v1/events", json=sent, headers=platform)
            assert (replay.status_code, replay.json()["replayed"]) == (200, True)
            changed = sent | {"text": sent["text"] + "!"}
            reused = await client.post("/v1/events", json=changed, headers=platform)
            assert reused.status_code == 409
            fresh = sent | {"event_id": "after-rotation"}
            assert (await client.post("/v1/events", json=fresh, headers=platform)).is_success
        with again.store.engine.connect() as conn:
            stored = conn.execute(
                text("SELECT fingerprint FROM events WHERE event_id = 'after-rotation'")
            ).scalar_one()
        assert stored.startswith("new:")
    finally:
        again.close()


async def test_the_migration_seals_and_keys_what_an_older_version_stored(
    client, keys, container
) -> None:
    event_id = await confirmed_report(client, keys, container)
    moderator, advocate = auth(keys[Role.MODERATOR]), auth(keys[Role.ADVOCATE])
    package = (await client.get(f"/v1/reports/default/{event_id}", headers=moderator)).json()
    filed = (await client.post("/v1/super-complaints", json=SUPER, headers=advocate)).json()
    evidence_before = await _read_evidence(client, event_id, moderator)
    sent = {e["event_id"]: e for e in _seed_events()}
    bare = [event_fingerprint(event(e)) for e in sent.values()]
    bare += [hashlib.sha256(e["text"].encode()).hexdigest() for e in sent.values() if "text" in e]
    canaries = [*transcript(package), TITLE, DESCRIPTION, *bare]

    as_stored_before(container)
    assert leaks(container, canaries)  # the old layout held them in clear
    migrate.upgrade(container.store.engine, cipher=container.store.cipher)

    assert leaks(container, canaries) == []
    platform = auth(keys[Role.PLATFORM])
    replay = await client.post("/v1/events", json=sent[event_id], headers=platform)
    assert (replay.status_code, replay.json()["replayed"]) == (200, True)
    changed = sent[event_id] | {"text": "other"}
    reused = await client.post("/v1/events", json=changed, headers=platform)
    assert reused.status_code == 409
    again = (await client.get(f"/v1/reports/default/{event_id}", headers=moderator)).json()
    assert again == package
    sid = filed["super_complaint_id"]
    shown = (await client.get(f"/v1/super-complaints/{sid}", headers=advocate)).json()
    assert (shown["title"], shown["description"]) == (TITLE, DESCRIPTION)
    assert await _read_evidence(client, event_id, moderator) == evidence_before


def as_stored_before(container: Container) -> None:
    """Turn the database back into what revision 0010 stored: packages, titles and descriptions
    in clear, fingerprints and text-evidence addresses as bare SHA-256."""
    config = migrate.alembic_config(container.store.engine)
    config.attributes["cipher"] = container.store.cipher
    cipher = container.store.cipher
    with container.store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
        for data in _seed_events():
            conn.execute(
                text("UPDATE events SET fingerprint = :f WHERE event_id = :e"),
                {"f": event_fingerprint(event(data)), "e": data["event_id"]},
            )
        rows = conn.execute(text("SELECT sha256, key_id, sealed FROM evidence_content")).all()
        for address, key_id, sealed in rows:
            plain = cipher.open(key_id, sealed, address.encode())
            digest = hashlib.sha256(plain).hexdigest()
            key, resealed = cipher.seal(plain, digest.encode())
            conn.execute(
                text("UPDATE evidence_content SET sha256 = :d, key_id = :k, sealed = :s "
                     "WHERE sha256 = :a"),
                {"d": digest, "k": key, "s": resealed, "a": address},
            )  # fmt: skip
            conn.execute(
                text("UPDATE evidence SET content_sha256 = :d WHERE content_sha256 = :a"),
                {"d": digest, "a": address},
            )


async def _read_evidence(client: httpx.AsyncClient, event_id: str, who: dict[str, str]) -> Any:
    answer = await client.post(
        f"/v1/evidence/{event_id}/read", json={"reason": "checking the migration"}, headers=who
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _client(container: Container) -> httpx.AsyncClient:
    app = create_app(container, run_outbox_worker=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_evidence_hashes_are_shown_only_to_those_who_may_read_the_content(
    client, keys, container
) -> None:
    event_id = run_seed_case(container)  # its evidence belongs to the grooming queue
    other_queue, _ = container.keys.create("self-harm-only", "moderator", queues=["self_harm"])
    url = f"/v1/evidence/{event_id}"

    async def hashes(key: str) -> tuple[Any, Any]:
        body = (await client.get(url, headers=auth(key))).json()
        return body["content_sha256"], body["hashes"]

    # A moderator of another queue may not see the record at all (the scope rule), so no hash.
    refused = await client.get(url, headers=auth(other_queue))
    assert refused.status_code == 403
    assert "content_sha256" not in refused.text
    assert await hashes(keys[Role.REGULATOR]) == (None, {})
    for key in (keys[Role.MODERATOR], keys[Role.ADMIN]):
        assert (await hashes(key))[0].startswith("test:")
    asked = await client.post(
        "/v1/information-requests",
        json={
            "question": "What did the account send to the child?",
            "legal_basis": "Online Safety Act 2023, s.100",
            "deadline": "2030-01-01T00:00:00Z",
            "event_ids": [event_id],
        },
        headers=auth(keys[Role.REGULATOR]),
    )
    assert asked.is_success, asked.text
    assert (await hashes(keys[Role.REGULATOR]))[0].startswith("test:")
