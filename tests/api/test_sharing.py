"""Sharing signals over HTTP: export what moderators confirmed, import partners' lists.

The export is read back with the real ``threatexchange`` package: its signal types accept
every hash and URL, its ``LocalFileSignalExchangeAPI`` fetches the text form, and the CSV
carries pytx's own columns. A partner's list goes into a bank of its own, trusted for
matching only (reviewed, never blocked) or to act; a withdrawal takes its entries out.
Every URL here is synthetic (example.com hosts), every hash made up.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.sharing import account_signal
from safeguarding.settings import Settings
from tests.api.test_url_lists import decide
from tests.conftest import auth, make_settings
from tests.factories import at, message, next_id
from tests.reviewing import claim_and_decide_over_http

pytestmark = pytest.mark.anyio
SALT = "shared-test-salt"
OUR_PDQ = "f" * 16 + "0" * 48
PARTNER_PDQ = "a5" * 32
SHA256 = hashlib.sha256(b"synthetic upload").hexdigest()
MD5 = hashlib.md5(b"synthetic upload").hexdigest()
LISTED_URL = "example.com/listed/page.html"
PARTNER_CSV = f"""signal_type,signal_str,collab,category,tags
pdq,{PARTNER_PDQ},lantern-demo,POSITIVE_CLASS,abuse_imagery
url,https://example.org/partner/listed,lantern-demo,POSITIVE_CLASS,abuse_imagery
video_md5,{"b" * 32},lantern-demo,POSITIVE_CLASS,terrorism
account_hmac_sha256,{"c" * 64},lantern-demo,POSITIVE_CLASS,grooming
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, sharing_salt=SALT, sharing_name="test-service")


def upload(actor: str, pdq: str, **hashes: str) -> dict[str, Any]:
    return {
        "type": "media",
        "event_id": next_id("media"),
        "occurred_at": at(),
        "actor_id": actor,
        "media_kind": "image",
        "recipient_ids": ["adult-b"],
        "conversation_id": "c-share",
        "hashes": {"pdq": pdq, **hashes},
    }


async def our_bank(client: httpx.AsyncClient, keys: dict[Role, str]) -> None:
    admin = auth(keys[Role.ADMIN])
    for name, kind, content in (("ours", "pdq", OUR_PDQ), ("our-urls", "url", LISTED_URL)):
        await client.post("/v1/banks", json={"name": name}, headers=admin)
        body = {"format": "text", "hash_type": kind, "content": content, "source": "test"}
        made = await client.post(f"/v1/banks/{name}/import", json=body, headers=admin)
        assert made.status_code == 201, made.text


async def confirm_all(client: httpx.AsyncClient, keys: dict[Role, str], c: Container) -> list[str]:
    """Open the decisions' cases, and confirm each as a moderator would; their ids."""
    c.outbox.run_once(1000)
    moderator = auth(keys[Role.MODERATOR])
    cases = (await client.get("/v1/cases", headers=moderator)).json()
    for case in cases:
        await claim_and_decide_over_http(client, case["case_id"], moderator, "known_abuse_image")
    return [case["case_id"] for case in cases]


async def confirmed_world(client: httpx.AsyncClient, keys: dict[Role, str], c: Container) -> str:
    await our_bank(client, keys)
    decision = await decide(client, keys, upload("adult-a", OUR_PDQ, sha256=SHA256, md5=MD5))
    assert decision["verdict"] == "block"
    text = f"see hxxp://{LISTED_URL.replace('.com', '[.]com')}"
    linked = await decide(
        client, keys, {**message("adult-a", "adult-b", text), "conversation_id": "c-share"}
    )
    assert linked["verdict"] == "block"
    (case_id,) = await confirm_all(client, keys, c)
    return case_id


async def export(client: httpx.AsyncClient, keys: dict[Role, str], fmt: str = "csv") -> str:
    got = await client.get(
        "/v1/sharing/export", params={"format": fmt}, headers=auth(keys[Role.ADMIN])
    )
    assert got.status_code == 200, got.text
    return got.text


async def test_the_export_of_a_confirmed_case_reads_with_the_real_threatexchange(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container, tmp_path: Path
) -> None:
    pytest.importorskip("threatexchange")
    from threatexchange.exchanges.fetch_state import SignalOpinion, SignalOpinionCategory
    from threatexchange.exchanges.impl.file_api import (
        FileCollaborationConfig,
        LocalFileSignalExchangeAPI,
    )
    from threatexchange.signal_type.pdq.signal import PdqSignal
    from threatexchange.signal_type.url import URLSignal

    case_id = await confirmed_world(client, keys, container)
    rows = list(csv.DictReader(io.StringIO(await export(client, keys))))
    by_type = {row["signal_type"]: row for row in rows}
    assert set(by_type) == {"pdq", "sha256", "md5", "url", "account_hmac_sha256"}
    assert PdqSignal.validate_signal_str(by_type["pdq"]["signal_str"]) == OUR_PDQ
    assert URLSignal.validate_signal_str(by_type["url"]["signal_str"]) == LISTED_URL
    assert (by_type["sha256"]["signal_str"], by_type["md5"]["signal_str"]) == (SHA256, MD5)
    assert by_type["account_hmac_sha256"]["signal_str"] == account_signal(SALT, "adult-a")
    for row in rows:
        opinion = SignalOpinion(
            False, SignalOpinionCategory[row["category"]], set(row["tags"].split())
        )
        assert (opinion.category, opinion.tags) == (
            SignalOpinionCategory.POSITIVE_CLASS,
            {"abuse_imagery"},
        )
        assert (row["collab"], row["harm"]) == ("test-service", "abuse_imagery")
        assert row["decision_id"].startswith(f"{case_id}/")
        assert row["confirmed_at"].startswith("20")
    exported = json.dumps(rows)
    assert "adult-a" not in exported  # never the raw account id
    assert "see hxxp" not in exported  # never content

    text_file = tmp_path / "export.txt"
    text_file.write_text(await export(client, keys, "text"))
    api = LocalFileSignalExchangeAPI(FileCollaborationConfig(name="ours", filename=str(text_file)))
    (delta,) = api.fetch_iter([], None)
    assert {("pdq", OUR_PDQ), ("url", LISTED_URL)} <= set(delta.updates)
    later = await client.get(
        "/v1/sharing/export",
        params={"since": "2099-01-01T00:00:00Z"},
        headers=auth(keys[Role.ADMIN]),
    )
    assert (later.headers["x-signals"], later.text.count("\n")) == ("0", 1)  # the header alone
    with container.store.read() as uow:
        audited = [r for r in uow.audit.records() if r.action == "sharing.export"]
    assert [r.details["by_harm"] for r in audited] == [{"abuse_imagery": 5}] * 2 + [{}]


async def test_a_dismissed_or_undecided_case_is_never_exported(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    await our_bank(client, keys)
    await decide(client, keys, upload("adult-a", OUR_PDQ, sha256=SHA256))
    container.outbox.run_once(1000)
    assert await export(client, keys) == (
        "signal_type,signal_str,collab,category,tags,harm,confirmed_at,decision_id\n"
    )


async def import_partner(
    client: httpx.AsyncClient, keys: dict[Role, str], content: str = PARTNER_CSV, **extra: Any
) -> httpx.Response:
    body = {"partner": "lantern-demo", "content": content, "source": "demo drop", **extra}
    return await client.post("/v1/sharing/import", json=body, headers=auth(keys[Role.ADMIN]))


async def test_a_match_only_partner_is_reviewed_not_blocked_until_trusted_to_act(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    made = await import_partner(client, keys, trust="match_only")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["imported"] == {"abuse_imagery": 2, "terrorism": 1, "grooming": 1}
    assert (body["skipped"], body["accounts"]) == ({}, 1)
    assert {v["bank"] for v in body["versions"]} == {
        "lantern-demo.abuse_imagery",
        "lantern-demo.terrorism",
    }
    bank = await client.get("/v1/banks/lantern-demo.abuse_imagery", headers=auth(keys[Role.ADMIN]))
    shown = bank.json()
    assert (shown["partner"], shown["trust"], shown["counts"]["pdq"]) == (
        "lantern-demo",
        "match_only",
        1,
    )
    assert shown["versions"][0]["source"] == "lantern-demo: demo drop"
    decision = await decide(client, keys, upload("adult-a", PARTNER_PDQ))
    assert decision["verdict"] == "allow"
    (signal,) = [s for s in decision["signals"] if s["detector"] == "hash_bank"]
    assert signal["kind"] == "partner_match"
    assert signal["evidence"]["details"]["partner"] == "lantern-demo"
    assert {"preserve_evidence", "open_case"} <= {a["name"] for a in decision["actions"]}
    container.outbox.run_once(1000)
    with container.store.read() as uow:
        assert [c.queue for c in uow.cases.of_subject("adult-a")] == ["abuse_imagery"]
    linked = await decide(client, keys, message("adult-a", "adult-b", "example.org/partner/listed"))
    assert linked["verdict"] == "allow"
    assert "partner_match" in {s["kind"] for s in linked["signals"]}

    trusted = await import_partner(client, keys, "signal_type,signal_str\n", trust="match_and_act")
    assert trusted.status_code == 201, trusted.text
    acted = await decide(client, keys, upload("adult-a", PARTNER_PDQ))
    assert acted["verdict"] == "block"
    assert "hash_match" in {s["kind"] for s in acted["signals"]}


@pytest.mark.parametrize(
    ("content", "extra"),
    [
        (
            f"signal_type,signal_str,category,tags\npdq,{PARTNER_PDQ},NEGATIVE_CLASS,abuse_imagery\n",
            {},
        ),
        (f"pdq {PARTNER_PDQ}\n", {"format": "text", "harm": "abuse_imagery", "mode": "withdraw"}),
        ("signal_type,signal_str\n", {"mode": "replace"}),
    ],
    ids=["negative-class-row", "withdraw-file", "replace-with-empty"],
)
async def test_a_partners_withdrawal_removes_its_entries(
    client: httpx.AsyncClient,
    keys: dict[Role, str],
    container: Container,
    content: str,
    extra: dict[str, str],
) -> None:
    await import_partner(client, keys, trust="match_and_act")
    assert (await decide(client, keys, upload("adult-a", PARTNER_PDQ)))["verdict"] == "block"
    withdrawn = await import_partner(client, keys, content, **extra)
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["withdrawn"] == (
        {} if extra.get("mode") == "replace" else {"abuse_imagery": 1}
    )
    decision = await decide(client, keys, upload("adult-a", PARTNER_PDQ))
    assert decision["verdict"] == "allow"
    assert not [s for s in decision["signals"] if s["detector"] == "hash_bank"]


def stored(container: Container) -> tuple[Any, ...]:
    with container.store.read() as uow:
        banks = uow.banks.listed()
        live = {b.name: uow.banks.hashes_live(b.name) for b in banks}
        return tuple(banks), live, uow.partner_accounts.held(), uow.audit.head()


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        (
            {"content": PARTNER_CSV + f"pdq,{'z' * 64},x,POSITIVE_CLASS,abuse_imagery\n"},
            422,
            "line 6",
        ),
        (
            {"content": f"signal_type,signal_str,harm\npdq,{PARTNER_PDQ},fraud\n"},
            422,
            "unknown harm",
        ),
        ({"content": f"pdq {PARTNER_PDQ}\n", "format": "text"}, 422, "names no harm"),
        ({"content": "hash\nabc\n"}, 422, "signal_type"),
        ({"content": f'signal_type,signal_str\nvpdq,"{"1" * 200_000}"\n'}, 422, "not CSV"),
        ({"partner": "Lantern Demo!"}, 422, "partner name"),
        ({"trust": "blindly"}, 422, "trust"),
        ({"mode": "merge"}, 422, "mode"),
        ({"harm": "fraud"}, 422, "harm"),
        ({"partner": "ours"}, 409, "not ours's shared list"),
    ],
)
async def test_a_bad_import_is_refused_naming_the_problem_and_stores_nothing(
    client: httpx.AsyncClient,
    keys: dict[Role, str],
    container: Container,
    body: dict[str, str],
    status: int,
    named: str,
) -> None:
    await import_partner(client, keys)
    admin = auth(keys[Role.ADMIN])
    await client.post("/v1/banks", json={"name": "ours.abuse_imagery"}, headers=admin)
    before = stored(container)
    refused = await import_partner(client, keys, **body)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert named in json.dumps(refused.json())
    assert stored(container) == before


async def test_a_bad_export_request_is_refused(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    admin = auth(keys[Role.ADMIN])
    for params, named in (({"format": "xml"}, "format"), ({"since": "2026-12-01T00:00"}, "since")):
        before = stored(container)
        refused = await client.get("/v1/sharing/export", params=params, headers=admin)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert named in json.dumps(refused.json())
        assert stored(container) == before


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.PLATFORM, Role.REGULATOR, Role.ADVOCATE])
async def test_only_an_admin_shares_or_imports(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container, role: Role
) -> None:
    before = stored(container)
    key = auth(keys[role])
    got = await client.get("/v1/sharing/export", headers=key)
    body = {"partner": "lantern-demo", "content": PARTNER_CSV, "source": "x"}
    posted = await client.post("/v1/sharing/import", json=body, headers=key)
    assert (got.status_code, posted.status_code) == (403, 403)
    assert posted.headers["content-type"] == "application/problem+json"
    assert stored(container) == before


async def test_exports_and_imports_appear_in_the_transparency_report(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    await confirmed_world(client, keys, container)
    await export(client, keys)
    await import_partner(client, keys)
    day = container.clock.now().date().isoformat()
    report = await client.get(
        "/v1/transparency", params={"from": day, "to": day}, headers=auth(keys[Role.REGULATOR])
    )
    assert report.status_code == 200, report.text
    (section,) = [s for s in report.json()["sections"] if s["title"].startswith("Signals shared")]
    figures = {f["name"]: f["value"] for f in section["figures"]}
    assert figures["signals_exported"] == 5
    assert figures["signals_exported.abuse_imagery"] == 5
    assert figures["signals_imported"] == 4  # the account signal counts as the others do
    assert figures["signals_imported.terrorism"] == 1
    assert figures["signals_imported.grooming"] == 1
    assert figures["signals_imported.partner.lantern-demo"] == 4


async def test_a_confirmed_video_is_exported_as_pytx_vpdq_and_video_md5(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    pytest.importorskip("threatexchange")
    pytest.importorskip("vpdq")
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal
    from threatexchange.signal_type.md5 import VideoMD5Signal

    frames = ["1" * 64, "2" * 64, "3" * 64]
    admin = auth(keys[Role.ADMIN])
    await client.post("/v1/banks", json={"name": "videos"}, headers=admin)
    body = {"format": "text", "hash_type": "vpdq", "content": ",".join(frames), "source": "t"}
    assert (await client.post("/v1/banks/videos/import", json=body, headers=admin)).is_success
    video = {**upload("adult-a", OUR_PDQ, md5=MD5), "media_kind": "video"}
    video["hashes"] = {"vpdq": frames, "md5": MD5}
    assert (await decide(client, keys, video))["verdict"] == "block"
    await confirm_all(client, keys, container)
    rows = {r["signal_type"]: r for r in csv.DictReader(io.StringIO(await export(client, keys)))}
    assert set(rows) == {"vpdq", "video_md5", "account_hmac_sha256"}
    read = VPDQSignal.validate_signal_str(rows["vpdq"]["signal_str"])
    assert [json.loads(read)[i].split(",")[0] for i in range(3)] == frames
    assert VideoMD5Signal.validate_signal_str(rows["video_md5"]["signal_str"]) == MD5


async def test_a_bank_csv_with_a_field_past_the_csv_limit_is_a_422_too(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    """The bank import shares the CSV reading: it was a 500 before."""
    admin = auth(keys[Role.ADMIN])
    await client.post("/v1/banks", json={"name": "known"}, headers=admin)
    before = stored(container)
    content = f'type,hash\nvpdq,"{"1" * 200_000}"\n'
    body = {"format": "csv", "content": content, "source": "t"}
    refused = await client.post("/v1/banks/known/import", json=body, headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["line"] == 2
    assert stored(container) == before


async def test_a_match_only_partner_list_counts_as_shared_signals_never_as_blocking(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    async def measures() -> dict[str, dict[str, Any]]:
        found = await client.get("/v1/compliance", headers=auth(keys[Role.ADMIN]))
        assert found.status_code == 200, found.text
        return {m["id"]: m for m in found.json()["measures"]}

    before = await measures()
    assert not before["shared_signals"]["met"]
    assert not before["hash_matching"]["met"]
    assert (await import_partner(client, keys, trust="match_only")).status_code == 201
    matching_only = await measures()
    assert matching_only["shared_signals"]["met"]
    assert not matching_only["hash_matching"]["met"]  # it blocks nothing
    assert not matching_only["url_lists"]["met"]
    trusted = await import_partner(client, keys, "signal_type,signal_str\n", trust="match_and_act")
    assert trusted.status_code == 201, trusted.text
    assert (await measures())["hash_matching"]["met"]
