"""HMA 2.x curation (``/c``) over our banks: HMA's requests and shapes, our rules.

Written from facebook/ThreatExchange ``hasher-matcher-actioner/src/OpenMediaMatch/
blueprints/curation.py``, ``schemas/curation.py`` and ``tests/test_api_banks.py``:
``POST /c/banks`` answers 201 with ``{"name", "matching_enabled_ratio"}``, a name in use is
403, ``DELETE /c/bank/<name>`` answers ``{"message": "Done"}``, adding content answers
``{"id", "signals"}``, deleting it ``{"deleted": n}``, a content id gone is 404.
Who may change banks is as for ``/v1/banks``: admins only, audited.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.detectors.media.hashing import hash_image_bytes
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.factories import benign_png

pytestmark = pytest.mark.anyio
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
EXTENSIONS = {"kind": "block", "description": "", "pdq_threshold": 31, "vpdq_match_percent": 80.0}


def audit_actions(container: Container) -> list[str]:
    with container.store.read() as uow:
        return [record.action for record in uow.audit.records()]


async def test_banks_are_created_listed_changed_and_deleted_as_in_hma(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    admin = auth(keys[Role.ADMIN])
    assert (await client.get("/c/banks", headers=admin)).json() == []
    bad = await client.post("/c/banks", json={"name": "my bank!"}, headers=admin)
    assert bad.status_code == 400
    assert "name" in bad.json()["message"]
    made = await client.post("/c/banks", json={"name": "MY_TEST_BANK"}, headers=admin)
    assert made.status_code == 201
    assert made.json() == {"name": "MY_TEST_BANK", "matching_enabled_ratio": 1.0, **EXTENSIONS}
    assert (await client.get("/c/banks", headers=admin)).json() == [made.json()]
    again = await client.post("/c/banks", json={"name": "MY_TEST_BANK"}, headers=admin)
    assert again.status_code == 403
    assert again.json()["message"] == "Bank already exists"
    off = await client.put("/c/bank/MY_TEST_BANK", json={"enabled": False}, headers=admin)
    assert off.json()["matching_enabled_ratio"] == 0.0
    tuned = await client.put(
        "/c/bank/MY_TEST_BANK", json={"enabled_ratio": 1, "pdq_threshold": 20}, headers=admin
    )
    assert (tuned.json()["matching_enabled_ratio"], tuned.json()["pdq_threshold"]) == (1.0, 20)
    share = await client.put("/c/bank/MY_TEST_BANK", json={"enabled_ratio": 0.5}, headers=admin)
    assert share.status_code == 400
    assert (await client.get("/c/bank/MY_TEST_BANK", headers=admin)).json()["pdq_threshold"] == 20
    assert (await client.get("/c/bank/NOPE", headers=admin)).status_code == 404
    gone = await client.delete("/c/bank/MY_TEST_BANK", headers=admin)
    assert gone.json() == {"message": "Done"}
    assert (await client.delete("/c/bank/MY_TEST_BANK", headers=admin)).status_code == 200
    assert (await client.get("/c/banks", headers=admin)).json() == []


async def test_content_is_added_by_file_and_by_hash_then_read_and_deleted(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    admin = auth(keys[Role.ADMIN])
    await client.post("/c/banks", json={"name": "CONTENT", "kind": "block"}, headers=admin)
    picture = benign_png("curation")
    by_file = await client.post(
        "/c/bank/CONTENT/content",
        params={"types": "pdq"},
        files={"photo": ("p.png", picture, "image/png")},
        headers=admin,
    )
    assert by_file.status_code == 200, by_file.text
    pdq = hash_image_bytes(picture).pdq
    content_id = by_file.json()["id"]
    assert by_file.json() == {"id": content_id, "signals": {"pdq": pdq}, "ids": {"pdq": content_id}}
    shown = await client.get(
        f"/c/bank/CONTENT/content/{content_id}", params={"include_signals": "true"}, headers=admin
    )
    assert shown.json() == {
        "id": content_id,
        "disable_until_ts": 1,
        "original_media_uri": None,
        "bank": {"name": "CONTENT", "matching_enabled_ratio": 1.0},
        "signals": {"pdq": pdq},
    }
    by_hash = await client.post(
        "/c/bank/CONTENT/signal", json={"pdq": PDQ, "note": "partner seed"}, headers=admin
    )
    assert by_hash.json()["signals"] == {"pdq": PDQ}
    lookup = {"signal": pdq, "signal_type": "pdq"}
    assert "CONTENT" in (await client.get("/m/lookup", params=lookup, headers=admin)).json()
    deleted = await client.delete(f"/c/bank/CONTENT/content/{content_id}", headers=admin)
    assert deleted.json() == {"deleted": 1}
    missing = await client.get(f"/c/bank/CONTENT/content/{content_id}", headers=admin)
    assert missing.status_code == 404
    assert "message" in missing.json()
    assert (await client.get("/m/lookup", params=lookup, headers=admin)).json() == {}
    actions = audit_actions(container)
    assert actions.count("bank.import") == 2
    assert actions.count("bank.remove_entry") == 1
    versions = (await client.get("/v1/banks/CONTENT", headers=admin)).json()["versions"]
    assert [v["source"] for v in versions][1:] == [
        "curation API: partner seed",
        f"entry {content_id} removed",
    ]


async def test_bad_signals_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    admin = auth(keys[Role.ADMIN])
    await client.post("/c/banks", json={"name": "STRICT"}, headers=admin)
    for body, words in [
        ({}, "No signals given"),
        ({"pdq": PDQ, "tmk": "00"}, "No such signal type tmk"),
        ({"pdq": PDQ, "video_md5": "zz"}, "Invalid video_md5 signal"),
        ({"pdq": PDQ, "note": "x" * 300}, "at most 255"),
    ]:
        refused = await client.post("/c/bank/STRICT/signal", json=body, headers=admin)
        assert refused.status_code == 400, body
        assert words in refused.json()["message"]
    counts = (await client.get("/v1/banks/STRICT", headers=admin)).json()["counts"]
    assert sum(counts.values()) == 0
    url = await client.post("/c/bank/STRICT/content", params={"url": "http://x"}, headers=admin)
    assert url.status_code == 400
    nowhere = await client.post("/c/bank/NOPE/signal", json={"pdq": PDQ}, headers=admin)
    assert nowhere.status_code == 404


async def test_only_admins_curate_and_a_refused_change_changes_nothing(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    admin = auth(keys[Role.ADMIN])
    await client.post("/c/banks", json={"name": "GUARDED"}, headers=admin)
    added = await client.post("/c/bank/GUARDED/signal", json={"pdq": PDQ}, headers=admin)
    content_id = added.json()["id"]
    before = await snapshot(client, admin)
    audited = len(audit_actions(container))
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/c/banks", {"json": {"name": "INTRUDER"}}),
        ("PUT", "/c/bank/GUARDED", {"json": {"enabled": False}}),
        ("DELETE", "/c/bank/GUARDED", {}),
        ("POST", "/c/bank/GUARDED/signal", {"json": {"pdq": "0" * 64}}),
        ("POST", "/c/bank/GUARDED/content", {"files": {"photo": ("p.png", benign_png())}}),
        ("DELETE", f"/c/bank/GUARDED/content/{content_id}", {}),
        ("PUT", f"/c/bank/GUARDED/content/{content_id}", {"json": {"disable_until_ts": 0}}),
    ]
    for role in (Role.PLATFORM, Role.MODERATOR, Role.REGULATOR):
        for method, path, extra in writes:
            refused = await client.request(method, path, headers=auth(keys[role]), **extra)
            assert refused.status_code == 403, (role, method, path)
    assert await snapshot(client, admin) == before
    assert len(audit_actions(container)) == audited
    platform_read = await client.get("/c/banks", headers=auth(keys[Role.PLATFORM]))
    assert platform_read.status_code == 403
    regulator = await client.get("/c/bank/GUARDED", headers=auth(keys[Role.REGULATOR]))
    assert regulator.status_code == 200
    assert audit_actions(container)[-1] == "regulator.read"


async def snapshot(client: httpx.AsyncClient, admin: dict[str, str]) -> Any:
    banks = (await client.get("/v1/banks", headers=admin)).json()
    matching = await client.get(
        "/m/lookup", params={"signal": PDQ, "signal_type": "pdq"}, headers=admin
    )
    return [(b["name"], b["enabled"], b["version"], b["counts"]) for b in banks], matching.json()


async def test_one_banked_hash_is_switched_off_for_good_for_a_while_and_on_again(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    """HMA's ``disable_until_ts``: 0 off, 1 on, a unix time off until then."""
    admin = auth(keys[Role.ADMIN])
    await client.post("/c/banks", json={"name": "SWITCHED"}, headers=admin)
    content_id = (
        await client.post("/c/bank/SWITCHED/signal", json={"pdq": PDQ}, headers=admin)
    ).json()["id"]
    path = f"/c/bank/SWITCHED/content/{content_id}"
    lookup = {"signal": PDQ, "signal_type": "pdq"}

    async def matches() -> bool:
        found = await client.get("/m/lookup", params=lookup, headers=auth(keys[Role.PLATFORM]))
        return "SWITCHED" in found.json()

    off = await client.put(path, json={"disable_until_ts": 0}, headers=admin)
    assert off.status_code == 200, off.text
    assert off.json()["disable_until_ts"] == 0
    assert not await matches()
    assert (await client.get(path, headers=admin)).json()["disable_until_ts"] == 0
    later = int(container.clock.now().timestamp()) + 3600
    await client.put(path, json={"disable_until_ts": later}, headers=admin)
    assert not await matches()
    past = int(container.clock.now().timestamp()) - 60
    await client.put(path, json={"disable_until_ts": past}, headers=admin)
    assert await matches()
    await client.put(path, json={"disable_until_ts": 0}, headers=admin)
    on = await client.put(path, json={"disable_until_ts": 1}, headers=admin)
    assert on.json()["disable_until_ts"] == 1
    assert await matches()
    too_far = int(container.clock.now().timestamp()) + 6 * 365 * 24 * 3600
    for bad in (-1, too_far):
        refused = await client.put(path, json={"disable_until_ts": bad}, headers=admin)
        assert refused.status_code == 400
        assert "disable_until_ts" in refused.json()["message"]
    assert await matches()
    assert audit_actions(container).count("bank.switch_entry") == 5
    gone = await client.put(
        "/c/bank/SWITCHED/content/999999", json={"disable_until_ts": 0}, headers=admin
    )
    assert gone.status_code == 404


async def test_signal_content_and_exchange_listings(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    admin = auth(keys[Role.ADMIN])
    types = (await client.get("/c/signal_type", headers=admin)).json()
    assert {"name": "pdq", "enabled_ratio": 1.0} in types
    assert {"name": "video_sha256", "enabled_ratio": 1.0} in types
    assert (await client.get("/c/content_type", headers=admin)).json() == [
        {"name": "photo", "enabled": True},
        {"name": "video", "enabled": True},
    ]
    assert (await client.get("/c/exchanges", headers=admin)).json() == []
    await client.post("/c/banks", json={"name": "LISTED"}, headers=admin)
    await client.post("/c/bank/LISTED/signal", json={"pdq": PDQ}, headers=admin)
    index = (await client.get("/c/signal_type/index", headers=admin)).json()
    assert index["pdq"]["db_size"] == index["pdq"]["index_size"] == 1
    assert index["pdq"]["index_out_of_date"] is False
    assert index["pdq"]["newest_db_item"] == index["pdq"]["index_built_to"] > 0
    assert index["vpdq"]["db_size"] == 0
    one = await client.get("/c/signal_type/index", params={"signal_type": "pdq"}, headers=admin)
    assert list(one.json()) == ["pdq"]
    assert (await client.get("/c/exchange/SAMPLE", headers=admin)).status_code == 404
