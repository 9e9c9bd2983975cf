"""The evidence endpoints over HTTP: records, audited reads with a reason, legal holds."""

from __future__ import annotations

import base64
import hashlib

import pytest

from safeguarding.domain.access import Role
from safeguarding.domain.banks import Bank, HashType
from tests.conftest import auth
from tests.factories import BASE, benign_png, media

pytestmark = pytest.mark.anyio
IMAGE = benign_png("evidence-api")
REASON = {"reason": "reviewing the case about this upload"}


async def preserve(client, keys, container) -> str:
    container.banks.create(Bank(name="known", created_at=BASE), "t")
    digest = hashlib.sha256(IMAGE).hexdigest()
    container.banks.import_hashes(
        "known", [(HashType.SHA256, digest)], source="s", licence="", actor="t"
    )
    upload = media(data=IMAGE, event_id="api-upload")
    await client.post("/v1/events", json=upload, headers=auth(keys[Role.PLATFORM]))
    container.outbox.run_once(100)
    return upload["event_id"]


async def test_moderators_read_content_with_a_reason(client, keys, container) -> None:
    event_id = await preserve(client, keys, container)
    path = f"/v1/evidence/{event_id}"
    record = await client.get(path, headers=auth(keys[Role.REGULATOR]))
    assert record.status_code == 200
    assert "content_base64" not in record.json()
    read = await client.post(f"{path}/read", json=REASON, headers=auth(keys[Role.MODERATOR]))
    assert read.status_code == 200
    assert base64.b64decode(read.json()["content_base64"]) == IMAGE
    refused = await client.post(f"{path}/read", json=REASON, headers=auth(keys[Role.REGULATOR]))
    assert refused.status_code == 403
    assert "content_base64" not in refused.json()  # the refusal carries nothing of the content
    short = await client.post(
        f"{path}/read", json={"reason": "x"}, headers=auth(keys[Role.MODERATOR])
    )
    assert short.status_code == 422
    assert short.headers["content-type"].startswith("application/problem+json")
    missing = await client.get("/v1/evidence/nope", headers=auth(keys[Role.MODERATOR]))
    assert missing.status_code == 404


async def test_admins_hold_and_release(client, keys, container) -> None:
    event_id = await preserve(client, keys, container)
    path = f"/v1/evidence/{event_id}/hold"
    held = await client.put(
        path, json={"reason": "court order 2026/117"}, headers=auth(keys[Role.ADMIN])
    )
    assert (held.status_code, held.json()["legal_hold"]) == (200, True)
    released = await client.delete(path, headers=auth(keys[Role.ADMIN]))
    assert (released.status_code, released.json()["legal_hold"]) == (200, False)
    assert (await client.delete(path, headers=auth(keys[Role.MODERATOR]))).status_code == 403
