"""URL lists over HTTP: import a hotline-style list, and links to it in events are acted on.

Every list here is synthetic, with example.com / example.org / example.net hosts only.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.factories import at, message, next_id, profile, report

pytestmark = pytest.mark.anyio
HASHED = hashlib.sha256(b"example.com/hashed").hexdigest()
HASHED_MD5 = hashlib.md5(b"example.net/old").hexdigest()
LIST = f"""# synthetic hotline list
http://www.example.com/abuse/page.html
example.org/gallery prefix
https://example.net/view.php?id=3
sha256:{HASHED}
{HASHED_MD5} prefix
bit.ly/synthetic1
"""


async def import_urls(
    client: httpx.AsyncClient, keys: dict[Role, str], bank: str, content: str, **bank_fields: Any
) -> httpx.Response:
    admin = auth(keys[Role.ADMIN])
    made = await client.post("/v1/banks", json={"name": bank, **bank_fields}, headers=admin)
    assert made.status_code == 201, made.text
    body = {"format": "text", "hash_type": "url", "source": "synthetic hotline", "content": content}
    return await client.post(f"/v1/banks/{bank}/import", json=body, headers=admin)


async def decide(client: httpx.AsyncClient, keys: dict[Role, str], event: dict) -> dict:
    adults = [profile("adult-a", 30), profile("adult-b", 31)]
    response = await client.post(
        "/v1/events", json={"events": [*adults, event]}, headers=auth(keys[Role.PLATFORM])
    )
    assert response.status_code == 200, response.text
    return response.json()["results"][-1]["decision"]  # type: ignore[no-any-return]


def url_signals(decision: dict) -> list[dict]:
    return [s for s in decision["signals"] if s["detector"] == "url_list"]


async def test_an_obfuscated_listed_url_is_blocked_with_its_signal_and_a_case(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    imported = await import_urls(client, keys, "hotline", LIST)
    assert (imported.status_code, imported.json()["added"]) == (201, 6), imported.text
    text = "look at this hxxp://WWW.example[.]com/abuse/page.html/ now"
    decision = await decide(client, keys, message("adult-a", "adult-b", text))
    assert decision["verdict"] == "block"
    (signal,) = url_signals(decision)
    assert signal["kind"] == "url_match"
    assert signal["evidence"]["bank"] == "hotline"
    assert signal["evidence"]["details"]["url"] == "example.com/abuse/page.html"
    assert isinstance(signal["evidence"]["details"]["entry_id"], int)
    assert "look at this" not in json.dumps(signal)  # the form found, never the text around it
    (span,) = signal["evidence"]["spans"]
    assert text[span["start"] : span["end"]].startswith("hxxp://WWW.example[.]com")
    assert {"block", "preserve_evidence", "open_case"} <= {a["name"] for a in decision["actions"]}
    container.outbox.run_once()
    with container.store.read() as uow:
        assert [c.queue for c in uow.cases.of_subject("adult-a")] == ["abuse_imagery"]
    entry = signal["evidence"]["details"]["entry_id"]
    shown = await client.get(
        f"/c/bank/hotline/content/{entry}",
        params={"include_signals": True},
        headers=auth(keys[Role.ADMIN]),
    )
    assert shown.json()["signals"] == {"url": "example.com/abuse/page.html"}  # HMA's curation


@pytest.mark.parametrize(
    ("text", "listed_as", "how"),
    [
        ("see example dot org/gallery/2024/1.jpg", "url", "prefix"),
        ("EXAMPLE.com/hashed?utm=x", "sha256", "exact"),
        ("example . net/old/a/b", "md5", "prefix"),
        ("https://example.net/view.php?id=3", "url", "exact"),
    ],
)
async def test_prefix_hashed_and_query_entries_match_as_the_list_says(
    client: httpx.AsyncClient, keys: dict[Role, str], text: str, listed_as: str, how: str
) -> None:
    await import_urls(client, keys, "hotline", LIST)
    decision = await decide(client, keys, message("adult-a", "adult-b", text))
    assert decision["verdict"] == "block"
    (signal,) = url_signals(decision)
    details = signal["evidence"]["details"]
    assert (details["listed_as"], details["match"]) == (listed_as, how)


@pytest.mark.parametrize(
    "text",
    [
        "see example.com/other/page.html",
        "example.org/gallery2/1.jpg shares only a string prefix",
        "example.com/abuse/page.html/more is under an exact entry, not a prefix one",
        "example.net/view.php?id=4 has another query",
        "mail someone@example.com/abuse/page.html",
    ],
)
async def test_an_unlisted_url_or_one_only_sharing_a_prefix_is_allowed(
    client: httpx.AsyncClient, keys: dict[Role, str], text: str
) -> None:
    await import_urls(client, keys, "hotline", LIST)
    decision = await decide(client, keys, message("adult-a", "adult-b", text))
    assert decision["verdict"] == "allow"
    assert url_signals(decision) == []


async def test_a_public_post_with_a_listed_url_is_blocked_too(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    await import_urls(client, keys, "hotline", LIST)
    post = {
        "type": "post",
        "event_id": next_id("post"),
        "occurred_at": at(),
        "actor_id": "adult-a",
        "text": "new pics at example (dot) org/gallery/new",
    }
    decision = await decide(client, keys, post)
    assert decision["verdict"] == "block"
    assert [s["kind"] for s in url_signals(decision)] == ["url_match"]


async def test_a_shortened_link_is_flagged_and_matched_as_written(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    await import_urls(client, keys, "hotline", LIST)
    listed = await decide(client, keys, message("adult-a", "adult-b", "go bit.ly/synthetic1"))
    assert sorted(s["kind"] for s in url_signals(listed)) == ["shortened_url", "url_match"]
    assert listed["verdict"] == "block"
    other = await decide(client, keys, message("adult-a", "adult-b", "go bit.ly/other"))
    (flag,) = url_signals(other)
    assert (flag["kind"], flag["evidence"]["details"]["host"]) == ("shortened_url", "bit.ly")
    assert other["verdict"] == "allow"


async def test_a_report_naming_a_listed_url_stands_and_opens_a_case(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    await import_urls(client, keys, "hotline", LIST)
    event = {
        **report("adult-b", "adult-a", "abuse_imagery"),
        "comment": "they sent example.org/gallery/x",
    }
    decision = await decide(client, keys, event)
    assert [s["kind"] for s in url_signals(decision)] == ["url_match"]
    assert decision["verdict"] != "block"
    assert "open_case" in {a["name"] for a in decision["actions"]}


async def test_a_bad_line_is_refused_naming_it_and_nothing_is_stored(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    bad = "example.com/fine\nexample.org/x sometimes\nexample.net/y\n"
    refused = await import_urls(client, keys, "hotline", bad)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "line 2" in refused.json()["detail"]
    assert "unknown option 'sometimes'" in refused.json()["detail"]
    admin = auth(keys[Role.ADMIN])
    for content in ("not a url at all\n", f"md5:{HASHED}\n", "example.org/a prefix query=keep\n"):
        body = {"format": "text", "hash_type": "url", "source": "s", "content": content}
        again = await client.post("/v1/banks/hotline/import", json=body, headers=admin)
        assert again.status_code == 422, content
        assert "line 1" in again.json()["detail"]
    shown = (await client.get("/v1/banks/hotline", headers=admin)).json()
    assert (shown["version"], shown["counts"]["url"], shown["versions"]) == (0, 0, [])


async def test_each_import_is_a_version_audited_as_image_banks_are(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    await import_urls(client, keys, "hotline", LIST)
    admin = auth(keys[Role.ADMIN])
    body = {
        "format": "text",
        "hash_type": "url",
        "source": "update",
        "content": "example.com/new\n",
        "mode": "replace",
    }
    replaced = await client.post("/v1/banks/hotline/import", json=body, headers=admin)
    assert (replaced.json()["added"], replaced.json()["removed"]) == (1, 6)
    after = await decide(client, keys, message("adult-a", "adult-b", "example.com/abuse/page.html"))
    assert after["verdict"] == "allow"
    await client.post("/v1/banks/hotline/rollback", json={"version": 1}, headers=admin)
    back = await decide(client, keys, message("adult-a", "adult-b", "example.com/abuse/page.html"))
    assert back["verdict"] == "block"
    with container.store.read() as uow:
        details = uow.audit.details("bank.import", "hotline")
    assert [d["source"] for d in details] == ["synthetic hotline", "update"]


async def test_an_allowlist_of_urls_overrides_the_blocking_list(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    await import_urls(client, keys, "hotline", LIST)
    allowed = await import_urls(
        client, keys, "known-fine", "example.org/gallery/public prefix\n", kind="allow"
    )
    assert allowed.status_code == 201
    fine = await decide(client, keys, message("adult-a", "adult-b", "example.org/gallery/public/1"))
    assert fine["verdict"] == "allow"
    still = await decide(client, keys, message("adult-a", "adult-b", "example.org/gallery/other"))
    assert still["verdict"] == "block"
