"""A client written for Hasher-Matcher-Actioner 2.x works unchanged against ``/h`` and ``/m``.

The requests and the response shapes below are HMA's own, as written in the reference
(facebook/ThreatExchange, hasher-matcher-actioner, as of 2026-07):

- ``src/OpenMediaMatch/blueprints/matching.py``: ``raw_lookup`` answers ``{"matches": [id]}``
  or, with ``include_distance``, ``[{"bank_content_id", "distance"}]`` (the key renamed from
  ``content_id`` in 2025); ``GET /m/lookup`` with a signal answers ``{BANK: [match]}``;
  ``POST /m/lookup`` answers ``{signal_type: {BANK: [match]}}``; ``banks`` filters by bank
  and ``types`` picks signal types; ``/m/index/status`` gives ``present``, ``built_to``
  (unix time, ``-1`` when absent) and ``size``; ``POST /m/compare``; a missing parameter is
  400; distances are strings (PDQ bits, vPDQ ``q%[c%]``, exact ``-``).
- ``src/OpenMediaMatch/schemas/matching.py`` and ``schemas/shared.py``: ``MatchWithDistance``
  and ``ErrorResponse`` (``message``).
- ``src/OpenMediaMatch/tests/test_match_api.py``: the BANK_A / BANK_B / BANK_C bank filter
  walk (banks named in capitals, HMA's rule ``^[A-Z0-9_]+$``), and ``GET /status``.
- ``src/OpenMediaMatch/app.py``: ``/status`` and ``/status/live`` answer ``I-AM-ALIVE``.
- python-threatexchange ``extensions/vpdq/vpdq_util.py``: a vPDQ signal is a JSON list of
  ``"hex,quality,timestamp"`` strings; ``signal_type/sha256.py``: ``video_sha256``.

Hashes are synthetic (the PDQ is python-threatexchange's documented example).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import httpx
import pytest

from safeguarding.detectors.media.hashing import hash_image_bytes
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.factories import benign_png

pytestmark = pytest.mark.anyio
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
NEAR = "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22"  # 2 bits off
SHA = hashlib.sha256(b"synthetic video").hexdigest()
FRAMES = [PDQ, "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d"]
VPDQ_PYTX = json.dumps([f"{frame},100,{at:.1f}" for at, frame in enumerate(FRAMES)])
BANKS = ("BANK_A", "BANK_B", "BANK_C")


async def hma_banks(client: httpx.AsyncClient, keys: dict[Role, str]) -> dict[str, int]:
    """HMA's multi-bank fixture: the same PDQ in three banks; the content id of each."""
    admin = auth(keys[Role.ADMIN])
    ids = {}
    for name in BANKS:
        made = await client.post("/c/banks", json={"name": name}, headers=admin)
        assert made.status_code == 201, made.text
        added = await client.post(f"/c/bank/{name}/signal", json={"pdq": PDQ}, headers=admin)
        assert added.status_code == 200, added.text
        ids[name] = added.json()["id"]
    return ids


async def get(client: httpx.AsyncClient, keys: dict[Role, str], path: str, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=auth(keys[Role.PLATFORM]))
    assert response.status_code == 200, response.text
    return response.json()


async def test_raw_lookup_answers_bank_content_ids_and_honours_banks(client, keys) -> None:
    ids = await hma_banks(client, keys)
    query = {"signal": PDQ, "signal_type": "pdq"}
    plain = await get(client, keys, "/m/raw_lookup", **query)
    assert sorted(plain["matches"]) == sorted(ids.values())
    one = await get(client, keys, "/m/raw_lookup", **query, banks="BANK_A")
    assert one == {"matches": [ids["BANK_A"]]}
    two = await get(client, keys, "/m/raw_lookup", **query, banks="BANK_A,BANK_B")
    assert len(two["matches"]) == 2
    none = await get(client, keys, "/m/raw_lookup", **query, banks="NON_EXISTENT_BANK")
    assert none == {"matches": []}
    near = {"signal": NEAR, "signal_type": "pdq", "include_distance": True, "banks": "BANK_C"}
    with_distance = await get(client, keys, "/m/raw_lookup", **near)
    assert with_distance == {"matches": [{"bank_content_id": ids["BANK_C"], "distance": "2"}]}


async def test_lookup_of_a_signal_answers_matches_by_bank(client, keys) -> None:
    ids = await hma_banks(client, keys)
    query = {"signal": PDQ, "signal_type": "pdq"}
    every = await get(client, keys, "/m/lookup", **query)
    assert every == {name: [{"bank_content_id": ids[name], "distance": "0"}] for name in BANKS}
    some = await get(client, keys, "/m/lookup", **query, banks="BANK_A,BANK_C")
    assert sorted(some) == ["BANK_A", "BANK_C"]
    assert await get(client, keys, "/m/lookup", **query, banks="NON_EXISTENT_BANK") == {}


async def test_lookup_of_a_file_answers_by_signal_type_then_bank(client, keys) -> None:
    picture = benign_png("hma-contract")
    admin = auth(keys[Role.ADMIN])
    await client.post("/c/banks", json={"name": "PHOTOS"}, headers=admin)
    pdq = hash_image_bytes(picture).pdq
    added = await client.post("/c/bank/PHOTOS/signal", json={"pdq": pdq}, headers=admin)
    content_id = added.json()["id"]
    files = {"photo": ("p.png", picture, "image/png")}
    found = await client.post("/m/lookup", files=files, headers=auth(keys[Role.PLATFORM]))
    assert found.json() == {
        "pdq": {"PHOTOS": [{"bank_content_id": content_id, "distance": "0"}]},
        "md5": {},
        "sha256": {},
    }
    only_pdq = await client.post(
        "/m/lookup", params={"types": "pdq", "banks": "OTHER"}, files=files, headers=admin
    )
    assert only_pdq.json() == {"pdq": {}}
    hashed = await client.post("/h/hash", params={"types": "pdq"}, files=files, headers=admin)
    assert hashed.json() == {"pdq": pdq}


async def test_video_sha256_and_vpdq_in_pytx_form_are_looked_up(client, keys) -> None:
    admin = auth(keys[Role.ADMIN])
    await client.post("/c/banks", json={"name": "VIDEOS"}, headers=admin)
    added = await client.post(
        "/c/bank/VIDEOS/signal", json={"video_sha256": SHA, "vpdq": VPDQ_PYTX}, headers=admin
    )
    assert added.status_code == 200, added.text
    ids = added.json()["ids"]
    exact = await get(client, keys, "/m/lookup", signal=SHA, signal_type="video_sha256")
    assert exact == {"VIDEOS": [{"bank_content_id": ids["video_sha256"], "distance": "-"}]}
    whole = [{"bank_content_id": ids["vpdq"], "distance": "100%[100%]"}]
    assert await get(client, keys, "/m/lookup", signal=VPDQ_PYTX, signal_type="vpdq") == {
        "VIDEOS": whole
    }
    joined = await get(client, keys, "/m/lookup", signal=",".join(FRAMES), signal_type="vpdq")
    assert joined == {"VIDEOS": whole}


async def test_errors_are_400_with_hmas_message(client, keys) -> None:
    platform = auth(keys[Role.PLATFORM])
    cases = [
        ("/m/lookup", {}, "Either url or both signal and signal_type are required"),
        ("/m/raw_lookup", {"signal_type": "pdq"}, "signal is required"),
        ("/m/raw_lookup", {"signal": PDQ}, "signal_type is required"),
        ("/m/raw_lookup", {"signal": PDQ, "signal_type": "tmk"}, "No such SignalType 'tmk'"),
        ("/m/raw_lookup", {"signal": "zz", "signal_type": "pdq"}, "invalid signal"),
        ("/m/index/status", {"signal_type": "tmk"}, "No such signal type 'tmk'"),
    ]
    for path, params, words in cases:
        answer = await client.get(path, params=params, headers=platform)
        assert answer.status_code == 400, (path, params, answer.text)
        assert words in answer.json()["message"]
        assert answer.headers["content-type"] == "application/problem+json"
    not_multipart = await client.post("/m/lookup", json={"photo": "x"}, headers=platform)
    assert not_multipart.status_code == 400
    assert "multipart/form-data" in not_multipart.json()["message"]
    unknown_type = await client.post(
        "/h/hash", params={"types": "vpdq"}, files={"photo": ("p.png", b"x")}, headers=platform
    )
    assert unknown_type.status_code == 400
    assert "signal type 'vpdq'" in unknown_type.json()["message"]


async def test_index_status_gives_unix_time_and_minus_one_when_absent(client, keys) -> None:
    before = int(time.time())
    await hma_banks(client, keys)
    status = await get(client, keys, "/m/index/status")
    assert set(status) == {"pdq", "video_md5", "video_sha256", "vpdq"}
    assert status["pdq"]["present"] is True
    assert status["pdq"]["size"] == 3
    assert before - 1 <= status["pdq"]["built_to"] <= int(time.time()) + 1
    assert status["vpdq"] == {"present": False, "built_to": -1, "size": 0}
    only = await get(client, keys, "/m/index/status", signal_type="pdq")
    assert list(only) == ["pdq"]


async def test_compare_gives_match_and_distance_per_type(client, keys) -> None:
    body = {"pdq": [PDQ, NEAR], "video_md5": ["a" * 32, "b" * 32], "vpdq": [VPDQ_PYTX] * 2}
    answer = await client.post("/m/compare", json=body, headers=auth(keys[Role.PLATFORM]))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "pdq": [True, {"distance": 2}],
        "video_md5": [False, {}],
        "vpdq": [True, {"query_match_percent": 100.0, "compared_match_percent": 100.0}],
    }
    bad = await client.post("/m/compare", json={"pdq": [PDQ]}, headers=auth(keys[Role.PLATFORM]))
    assert bad.status_code == 400
    assert bad.json()["message"] == "Comparison hash list length must be exactly 2"


async def test_status_endpoints_answer_as_hma_does(client) -> None:
    for path in ("/status", "/status/live"):
        answer = await client.get(path)
        assert (answer.status_code, answer.text) == (200, "I-AM-ALIVE")
