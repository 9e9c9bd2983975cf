"""Hash banks over HTTP: admin changes, versioned imports and rollback, and the HMA endpoints."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from safeguarding.detectors.media.hashing import hash_image_bytes
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.factories import benign_png

pytestmark = pytest.mark.anyio
PDQ_A = "a" * 64
PDQ_B = "5" * 64
PDQ_C = "c3" * 32
SHA = hashlib.sha256(b"synthetic").hexdigest()
MD5 = hashlib.md5(b"synthetic").hexdigest()


def flipped(pdq: str, bits: int) -> str:
    """``pdq`` with its lowest ``bits`` bits flipped: a near-duplicate at that distance."""
    return f"{int(pdq, 16) ^ ((1 << bits) - 1):064x}"


async def create(
    client: httpx.AsyncClient, keys: dict[Role, str], name: str, **fields: Any
) -> httpx.Response:
    body = {"name": name, **fields}
    return await client.post("/v1/banks", json=body, headers=auth(keys[Role.ADMIN]))


async def import_list(
    client: httpx.AsyncClient, keys: dict[Role, str], name: str, content: str, **fields: Any
) -> httpx.Response:
    body = {"format": "text", "hash_type": "pdq", "source": "synthetic", **fields}
    return await client.post(
        f"/v1/banks/{name}/import",
        json={**body, "content": content},
        headers=auth(keys[Role.ADMIN]),
    )


async def counts(client: httpx.AsyncClient, keys: dict[Role, str], name: str) -> dict[str, int]:
    response = await client.get(f"/v1/banks/{name}", headers=auth(keys[Role.ADMIN]))
    assert response.status_code == 200
    return response.json()["counts"]  # type: ignore[no-any-return]


async def banks_matching(client: httpx.AsyncClient, keys: dict[Role, str], pdq: str) -> list[str]:
    response = await client.get(
        "/m/lookup", params={"signal_type": "pdq", "signal": pdq}, headers=auth(keys[Role.PLATFORM])
    )
    assert response.status_code == 200
    return sorted(response.json())  # HMA's {BANK: [matches]}


async def test_admin_creates_lists_changes_and_deletes_a_bank(client, keys) -> None:
    made = await create(client, keys, "known-abuse", description="synthetic", pdq_threshold=20)
    assert made.status_code == 201
    assert made.json()["kind"] == "block"
    assert made.json()["pdq_threshold"] == 20
    assert (await create(client, keys, "known-abuse")).status_code == 409
    await import_list(client, keys, "known-abuse", f"{PDQ_A}\n{PDQ_B}\n")
    listed = (await client.get("/v1/banks", headers=auth(keys[Role.REGULATOR]))).json()
    assert [(b["name"], b["version"], b["counts"]["pdq"]) for b in listed] == [
        ("known-abuse", 1, 2)
    ]
    patched = await client.patch(
        "/v1/banks/known-abuse",
        json={"enabled": False, "vpdq_match_percent": 90},
        headers=auth(keys[Role.ADMIN]),
    )
    assert patched.status_code == 200
    assert (patched.json()["enabled"], patched.json()["vpdq_match_percent"]) == (False, 90)
    deleted = await client.delete("/v1/banks/known-abuse", headers=auth(keys[Role.ADMIN]))
    assert deleted.json() == {"deleted": "known-abuse", "hashes": 2}
    missing = await client.get("/v1/banks/known-abuse", headers=auth(keys[Role.ADMIN]))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_bad_names_and_settings_are_refused_naming_the_field(client, keys) -> None:
    bad_name = await create(client, keys, "Not A Name")
    assert bad_name.status_code == 422
    assert bad_name.json()["errors"][0]["field"] == "name"
    assert (await create(client, keys, "BANK_A")).status_code == 201  # HMA's style of name
    await create(client, keys, "tuned")
    bad = await client.patch(
        "/v1/banks/tuned", json={"pdq_threshold": 500}, headers=auth(keys[Role.ADMIN])
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "pdq_threshold"


async def test_only_admins_change_banks(client, keys) -> None:
    for role in (Role.PLATFORM, Role.REGULATOR, Role.MODERATOR):
        refused = await client.post("/v1/banks", json={"name": "x"}, headers=auth(keys[role]))
        assert refused.status_code == 403
    listed = await client.get("/v1/banks", headers=auth(keys[Role.ADMIN]))
    assert "x" not in [bank["name"] for bank in listed.json()]  # and no bank was made


async def test_each_format_imports(client, keys) -> None:
    await create(client, keys, "mixed")
    text = await import_list(client, keys, "mixed", f"# synthetic\n{PDQ_A}\n\n{PDQ_B}  # two\n")
    assert text.status_code == 201
    assert (text.json()["version"], text.json()["added"]) == (1, 2)
    rows = f"hash,type\n{SHA},sha256\n{MD5},md5\n"
    csv_list = await import_list(client, keys, "mixed", rows, format="csv", hash_type=None)
    assert csv_list.json()["added"] == 2
    documents = [
        {"signal_type": "pdq", "signal_value": PDQ_C},
        {"type": "HASH_PDQ", "raw_indicator": flipped(PDQ_C, 40)},
    ]
    as_json = await import_list(
        client, keys, "mixed", json.dumps(documents), format="hma", hash_type=None
    )
    assert as_json.json()["added"] == 2
    as_lines = "\n".join(
        json.dumps(d) for d in [*documents, {"type": "HASH_MD5", "raw_indicator": "0" * 32}]
    )
    jsonl = await import_list(client, keys, "mixed", as_lines, format="hma", hash_type=None)
    assert (jsonl.json()["added"], jsonl.json()["total"]) == (1, 7)
    assert await counts(client, keys, "mixed") == {
        "sha256": 1,
        "md5": 2,
        "pdq": 4,
        "vpdq": 0,
        "url": 0,
    }


async def test_a_bad_line_is_refused_naming_it_and_nothing_is_stored(client, keys) -> None:
    await create(client, keys, "careful")
    await import_list(client, keys, "careful", PDQ_A)
    refused = await import_list(client, keys, "careful", f"{PDQ_B}\n{PDQ_C}\nnot-a-hash\n")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["line"] == 3
    assert "line 3" in refused.json()["detail"]
    assert (await counts(client, keys, "careful"))["pdq"] == 1
    unknown = await import_list(client, keys, "nowhere", PDQ_A)
    assert unknown.status_code == 404


async def test_rollback_restores_an_earlier_version(client, keys) -> None:
    await create(client, keys, "history")
    await import_list(client, keys, "history", PDQ_A, licence="test only")
    await import_list(client, keys, "history", PDQ_B)
    assert await banks_matching(client, keys, PDQ_B) == ["history"]
    back = await client.post(
        "/v1/banks/history/rollback", json={"version": 1}, headers=auth(keys[Role.ADMIN])
    )
    assert back.status_code == 201
    assert (back.json()["version"], back.json()["rolled_back_to"]) == (3, 1)
    assert (await counts(client, keys, "history"))["pdq"] == 1
    assert await banks_matching(client, keys, PDQ_B) == []
    assert await banks_matching(client, keys, PDQ_A) == ["history"]
    detail = (await client.get("/v1/banks/history", headers=auth(keys[Role.ADMIN]))).json()
    assert [(v["version"], v["added"], v["removed"], v["total"]) for v in detail["versions"]] == [
        (1, 1, 0, 1),
        (2, 1, 0, 2),
        (3, 0, 1, 1),
    ]
    assert detail["versions"][0]["licence"] == "test only"
    none = await client.post(
        "/v1/banks/history/rollback", json={"version": 9}, headers=auth(keys[Role.ADMIN])
    )
    assert none.status_code == 404


async def test_an_allowlist_and_a_disabled_bank_stop_matches(client, keys) -> None:
    await create(client, keys, "block")
    await import_list(client, keys, "block", f"{PDQ_A}\n{PDQ_B}\n")
    await create(client, keys, "false-positives", kind="allow")
    await import_list(client, keys, "false-positives", PDQ_A)
    assert await banks_matching(client, keys, PDQ_A) == []
    assert await banks_matching(client, keys, PDQ_B) == ["block"]
    await client.patch("/v1/banks/block", json={"enabled": False}, headers=auth(keys[Role.ADMIN]))
    assert await banks_matching(client, keys, PDQ_B) == []


async def test_hma_hash_gives_the_digests_of_an_uploaded_photo(client, keys) -> None:
    picture = benign_png("hma-hash")
    response = await client.post(
        "/h/hash",
        files={"photo": ("p.png", picture, "image/png")},
        headers=auth(keys[Role.PLATFORM]),
    )
    assert response.status_code == 200
    assert response.json() == {
        "pdq": hash_image_bytes(picture).pdq,
        "md5": hashlib.md5(picture).hexdigest(),
        "sha256": hashlib.sha256(picture).hexdigest(),
    }
    await create(client, keys, "photos")
    await import_list(client, keys, "photos", flipped(hash_image_bytes(picture).pdq, 3))
    found = await client.post(
        "/m/lookup",
        files={"photo": ("p.png", picture, "image/png")},
        headers=auth(keys[Role.ADMIN]),
    )
    (match,) = found.json()["pdq"]["photos"]
    assert found.json() == {"pdq": {"photos": [match]}, "md5": {}, "sha256": {}}
    assert match["distance"] == "3"


async def test_hma_hash_refuses_an_empty_file_and_a_wrong_field(client, keys) -> None:
    empty = await client.post(
        "/h/hash", files={"photo": ("p.png", b"", "image/png")}, headers=auth(keys[Role.PLATFORM])
    )
    assert 400 <= empty.status_code < 500
    assert empty.headers["content-type"] == "application/problem+json"
    assert empty.json()["reason"] == "empty"
    wrong = await client.post(
        "/h/hash", files={"image": ("p.png", b"x", "image/png")}, headers=auth(keys[Role.PLATFORM])
    )
    assert wrong.status_code == 400


async def test_raw_lookup_finds_a_near_duplicate_and_the_index_reports_its_size(
    client, keys
) -> None:
    await create(client, keys, "near")
    await import_list(client, keys, "near", f"{PDQ_A}\n{PDQ_C}\n")
    platform = auth(keys[Role.PLATFORM])
    query = {"signal_type": "pdq", "signal": flipped(PDQ_A, 5)}
    plain = await client.get("/m/raw_lookup", params=query, headers=platform)
    (entry,) = plain.json()["matches"]
    assert isinstance(entry, int)
    distance = await client.get(
        "/m/raw_lookup", params={**query, "include_distance": "true"}, headers=platform
    )
    assert distance.json() == {"matches": [{"bank_content_id": entry, "distance": "5"}]}
    bad = await client.get(
        "/m/raw_lookup", params={"signal_type": "pdq", "signal": "zz"}, headers=platform
    )
    assert bad.status_code == 400
    status = (await client.get("/m/index/status", headers=platform)).json()
    assert status["pdq"]["present"] is True
    assert status["pdq"]["size"] == 2
    assert status["vpdq"] == {"present": False, "built_to": -1, "size": 0}
