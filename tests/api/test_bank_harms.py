"""Bank harms through the server: a bank's harm picks the case queue, the rules, the report
and the transparency figure of what matches it.

The images are benign Pillow pictures and the lists synthetic (example.com hosts only).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from tests.api.test_banks_api import create
from tests.api.test_url_lists import import_urls
from tests.conftest import auth
from tests.factories import benign_png, media, message, profile
from tests.web.session import ui_login

pytestmark = pytest.mark.anyio
IMAGE = benign_png("intimate-synthetic")
IMAGE_SHA = hashlib.sha256(IMAGE).hexdigest()
IMAGE_MD5 = hashlib.md5(IMAGE).hexdigest()


async def bank_of(
    client: httpx.AsyncClient, keys: dict[Role, str], name: str, harm: str | None, content: str
) -> None:
    fields = {} if harm is None else {"harm": harm}
    made = await create(client, keys, name, **fields)
    assert made.status_code == 201, made.text
    assert made.json()["harm"] == (harm or "abuse_imagery")
    body = {"format": "text", "hash_type": "md5", "source": "synthetic", "content": content}
    imported = await client.post(
        f"/v1/banks/{name}/import", json=body, headers=auth(keys[Role.ADMIN])
    )
    assert imported.status_code == 201, imported.text


async def send(client: httpx.AsyncClient, keys: dict[Role, str], event: dict) -> dict[str, Any]:
    adults = [profile("adult-a", 30), profile("adult-b", 31)]
    answer = await client.post(
        "/v1/events", json={"events": [*adults, event]}, headers=auth(keys[Role.PLATFORM])
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["results"][-1]["decision"]  # type: ignore[no-any-return]


async def open_cases(client: httpx.AsyncClient, keys: dict[Role, str]) -> list[dict[str, Any]]:
    listed = await client.get("/v1/cases", headers=auth(keys[Role.ADMIN]))
    assert listed.status_code == 200, listed.text
    return listed.json()  # type: ignore[no-any-return]


def drafted_reports(container: Container) -> list[str]:
    with container.store.read() as uow:
        return [r.event_id for r in uow.reports.recent()]


async def test_an_intimate_image_match_opens_its_case_with_a_takedown_clock_and_no_report(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    await bank_of(client, keys, "stopncii-synthetic", "intimate_image_abuse", IMAGE_MD5)
    upload = {**media("adult-a", IMAGE, to="adult-b"), "hashes": {"md5": IMAGE_MD5}}
    decision = await send(client, keys, upload)
    assert decision["verdict"] == "block"
    (signal,) = [s for s in decision["signals"] if s["kind"] == "hash_match"]
    assert (signal["evidence"]["bank"], signal["evidence"]["harm"]) == (
        "stopncii-synthetic",
        "intimate_image_abuse",
    )
    assert "intimate-image-abuse" in signal["explanation"]
    actions = {a["name"] for a in decision["actions"]}
    assert {"block", "preserve_evidence", "open_case"} <= actions
    assert not {"report_to_authority", "suspend_account"} & actions  # adults' images: no NCMEC
    container.outbox.run_once()
    (case,) = await open_cases(client, keys)
    assert (case["queue"], case["report_to_authority"]) == ("intimate_image_abuse", False)
    takedown = datetime.fromisoformat(case["takedown_by"])
    deadline = datetime.fromisoformat(case["deadline"])
    assert takedown - deadline == timedelta(hours=48 - 24)  # both run from the decision
    assert drafted_reports(container) == []


@pytest.mark.parametrize(
    ("harm", "queue", "reported"),
    [
        (None, "abuse_imagery", True),  # a bank made as before: today's behaviour
        ("terrorism", "terrorism", False),
        ("other", "other", False),
    ],
)
async def test_each_harm_picks_its_queue_and_only_abuse_imagery_is_reported(
    client: httpx.AsyncClient,
    keys: dict[Role, str],
    container: Container,
    harm: str | None,
    queue: str,
    reported: bool,
) -> None:
    await bank_of(client, keys, "synthetic", harm, IMAGE_MD5)
    upload = {**media("adult-a", IMAGE, to="adult-b"), "hashes": {"md5": IMAGE_MD5}}
    decision = await send(client, keys, upload)
    assert decision["verdict"] == "block"
    assert decision["signals"][0]["evidence"]["harm"] == (harm or "abuse_imagery")
    container.outbox.run_once()
    (case,) = await open_cases(client, keys)
    assert (case["queue"], case["takedown_by"]) == (queue, None)
    assert bool(drafted_reports(container)) is reported


async def test_a_link_on_an_intimate_image_url_list_opens_that_harms_case(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    listed = "https://example.com/shared/without-consent.jpg\n"
    imported = await import_urls(client, keys, "iia-urls", listed, harm="intimate_image_abuse")
    assert imported.status_code == 201, imported.text
    text = "look: example[.]com/shared/without-consent.jpg"
    decision = await send(client, keys, message("adult-a", "adult-b", text))
    assert decision["verdict"] == "block"
    (signal,) = [s for s in decision["signals"] if s["kind"] == "url_match"]
    assert signal["evidence"]["harm"] == "intimate_image_abuse"
    assert [r["rule"] for r in decision["rules"]] == ["known-intimate-image"]
    container.outbox.run_once()
    (case,) = await open_cases(client, keys)
    assert case["queue"] == "intimate_image_abuse"
    assert case["takedown_by"] is not None


async def test_changing_a_banks_harm_is_audited_and_the_next_match_follows_it(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    await bank_of(client, keys, "synthetic", None, IMAGE_MD5)
    patched = await client.patch(
        "/v1/banks/synthetic",
        json={"harm": "intimate_image_abuse"},
        headers=auth(keys[Role.ADMIN]),
    )
    assert (patched.status_code, patched.json()["harm"]) == (200, "intimate_image_abuse")
    with container.store.read() as uow:
        updates = [r.details for r in uow.audit.records() if r.action == "bank.update"]
    assert updates == [{"harm": "intimate_image_abuse"}]
    upload = {**media("adult-a", IMAGE, to="adult-b"), "hashes": {"md5": IMAGE_MD5}}
    decision = await send(client, keys, upload)
    assert decision["signals"][0]["evidence"]["harm"] == "intimate_image_abuse"
    container.outbox.run_once()
    assert [c["queue"] for c in await open_cases(client, keys)] == ["intimate_image_abuse"]
    today = container.clock.now().date().isoformat()
    report = await client.get(
        f"/v1/transparency?from={today}&to={today}", headers=auth(keys[Role.REGULATOR])
    )
    figures = {f["name"]: f["value"] for s in report.json()["sections"] for f in s["figures"]}
    assert figures["actioned.harm.intimate_image_abuse"] == 1
    assert figures["actioned.harm.abuse_imagery"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/banks", {"name": "bad", "harm": "revenge"}),
        ("PATCH", "/v1/banks/synthetic", {"harm": "revenge"}),
        ("PATCH", "/v1/banks/synthetic", {"harm": None}),
    ],
)
async def test_an_unknown_harm_is_refused_naming_the_field_and_nothing_changes(
    client: httpx.AsyncClient,
    keys: dict[Role, str],
    container: Container,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    await bank_of(client, keys, "synthetic", None, IMAGE_MD5)
    answer = await client.request(method, path, json=body, headers=auth(keys[Role.ADMIN]))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "harm" in answer.text
    listed = (await client.get("/v1/banks", headers=auth(keys[Role.ADMIN]))).json()
    assert [(b["name"], b["harm"]) for b in listed] == [("synthetic", "abuse_imagery")]


async def test_hma_curation_sets_and_shows_a_banks_harm(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    admin = auth(keys[Role.ADMIN])
    made = await client.post(
        "/c/banks", json={"name": "TERROR_SYN", "harm": "terrorism"}, headers=admin
    )
    assert (made.status_code, made.json()["harm"]) == (201, "terrorism")
    changed = await client.put("/c/bank/TERROR_SYN", json={"harm": "other"}, headers=admin)
    assert (changed.status_code, changed.json()["harm"]) == (200, "other")


async def test_the_compliance_checklist_sees_intimate_image_and_url_banks(
    client: httpx.AsyncClient, keys: dict[Role, str]
) -> None:
    async def measures() -> dict[str, bool]:
        answer = await client.get("/v1/compliance", headers=auth(keys[Role.ADMIN]))
        return {m["id"]: m["met"] for m in answer.json()["measures"]}

    before = await measures()
    assert (before["intimate_image_hashes"], before["url_lists"]) == (False, False)
    await bank_of(client, keys, "stopncii-synthetic", "intimate_image_abuse", IMAGE_MD5)
    await import_urls(client, keys, "hotline", "example.com/listed/page.html\n")
    after = await measures()
    assert (after["intimate_image_hashes"], after["url_lists"]) == (True, True)
    assert after["hash_matching"] is before["hash_matching"]  # an IIA bank is no CSAM bank


async def test_a_moderator_sees_the_takedown_clock_and_the_harms_own_reasons(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    await bank_of(client, keys, "stopncii-synthetic", "intimate_image_abuse", IMAGE_MD5)
    upload = {**media("adult-a", IMAGE, to="adult-b"), "hashes": {"md5": IMAGE_MD5}}
    await send(client, keys, upload)
    container.outbox.run_once()
    (case,) = await open_cases(client, keys)
    assert (await ui_login(client, keys[Role.MODERATOR])).status_code == 303
    queue = await client.get("/ui/queue/rows")
    assert 'data-testid="takedown-by">take down in 48 h' in queue.text
    await client.post(f"/ui/cases/{case['case_id']}/claim")
    page = await client.get(f"/ui/cases/{case['case_id']}")
    assert 'data-testid="takedown-by">take down by' in page.text
    reasons = page.text.split('name="reason_code"')[1].split("</select>")[0]
    assert reasons.index("intimate_image_shared") < reasons.index("policy_violation")
    assert "known_abuse_image" not in reasons
