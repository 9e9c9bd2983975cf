"""The web UI's first hour (issue 18) over HTTP, in-process, on the demo data: the icon, the
counts in words, and a regulator's information request naming sampled decisions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from safeguarding.adapters.cli.demo import run_demo
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Principal, Role
from tests.conftest import auth
from tests.reviewing import claim_and_decide
from tests.web.conftest import audit, case_in, key
from tests.web.session import browser, ui_client

pytestmark = pytest.mark.anyio


async def test_the_favicon_is_served_without_a_key(app: object) -> None:
    async with ui_client(app) as client:
        icon = await client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


async def test_one_confirmed_case_is_one_case_not_one_cases(app: object, demo: Container) -> None:
    moderator = Principal(key_id="k", name="mod", role=Role.MODERATOR)
    case = case_in(demo, "abuse_imagery", "dan")
    claim_and_decide(demo, case.case_id, moderator, "known_abuse_image")
    async with browser(app, key(demo, Role.MODERATOR)) as client:
        queue = (await client.get("/ui/queue")).text
    cards = re.sub(r"(<[^>]+>|\s)+", " ", queue.split('class="cards"')[1].split("<h2>")[0])
    assert "1 case confirmed" in cards
    assert "3 cases open" in cards
    assert "0 images you revealed" in cards


def _request(deadline_days: int = 10, **extra: object) -> dict[str, object]:
    deadline = (datetime.now(UTC) + timedelta(days=deadline_days)).isoformat()
    return {
        "question": "Provide the evidence behind this sampled decision.",
        "legal_basis": "Online Safety Act 2023, s.100",
        "deadline": deadline,
        **extra,
    }


async def _sampled(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    """The regulator draws samples; the pseudonym of each sampled decision, by its rules."""
    drawn = (await api.get("/v1/regulator/samples?n=200", headers=headers)).json()
    return {",".join(s["rules"]): s["event"] for s in drawn}


async def test_a_request_names_sampled_decisions_by_pseudonym(app: object, demo: Container) -> None:
    regulator = auth(key(demo, Role.REGULATOR))
    async with ui_client(app) as api:
        sampled = await _sampled(api, regulator)
        (known,) = [p for rules, p in sampled.items() if "known-abuse-image" in rules]
        filed = await api.post(
            "/v1/information-requests", json=_request(samples=[known]), headers=regulator
        )
        assert filed.status_code == 201, filed.text
        assert filed.json()["event_ids"] == ["demo-upload-known"]
        # the request opens that event's evidence to the regulator, as naming its id would
        evidence = await api.get("/v1/evidence/demo-upload-known", headers=regulator)
    assert evidence.status_code == 200, evidence.text
    (filing,) = audit(demo, "information_request.file")
    assert filing[2]["sampled"] == {known: "demo-upload-known"}


async def test_an_unknown_pseudonym_is_refused_by_name(app: object, demo: Container) -> None:
    regulator = auth(key(demo, Role.REGULATOR))
    never_sampled = demo.samples.pseudonym("event", "demo-msg-000")  # allowed: never drawn
    async with ui_client(app) as api:
        known = next(iter((await _sampled(api, regulator)).values()))
        for unknown in ("event-000000000000", never_sampled):
            body = _request(samples=[known, unknown])
            refused = await api.post("/v1/information-requests", json=body, headers=regulator)
            assert refused.status_code == 422
            assert refused.headers["content-type"] == "application/problem+json"
            problem = refused.json()
            assert unknown in problem["detail"]
            assert known not in problem["detail"]
            assert [e["field"] for e in problem["errors"]] == ["samples.1"]
        account = demo.samples.pseudonym("account", "dan")
        malformed = await api.post(
            "/v1/information-requests", json=_request(samples=[account]), headers=regulator
        )
    assert malformed.status_code == 422
    assert "samples" in malformed.text
    assert demo.information_requests.list(Principal(key_id="a", name="a", role=Role.ADMIN)) == []


async def test_the_samples_page_leads_to_a_request_about_a_decision(
    app: object, demo: Container
) -> None:
    async with browser(app, key(demo, Role.REGULATOR)) as client:
        samples = (await client.get("/ui/regulator/samples?n=200")).text
        asks = re.findall(r'href="(/ui/regulator/requests\?samples=(event-[0-9a-f]{12}))', samples)
        assert asks
        link, pseudonym = asks[0]
        form = (await client.get(link.replace("&amp;", "&"))).text
        assert f'name="samples" value="{pseudonym}"' in form
        deadline = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
        data = {**_request(), "deadline": deadline, "samples": pseudonym}
        filed = await client.post("/ui/regulator/requests", data=data)
        assert filed.status_code == 303
        listed = (await client.get("/ui/regulator/requests")).text
        unknown = {**data, "samples": "event-000000000000"}
        refused = await client.post("/ui/regulator/requests", data=unknown)
    (request,) = demo.information_requests.list(Principal(key_id="a", name="a", role=Role.ADMIN))
    (event_id,) = request.event_ids
    assert demo.samples.pseudonym("event", event_id) == pseudonym
    assert f"({pseudonym})" in listed
    assert refused.status_code == 422
    assert "event-000000000000" in refused.text


async def test_a_long_conversation_lists_each_finding_once(app: object, demo: Container) -> None:
    case = case_in(demo, "grooming", "newacct_88")
    async with browser(app, key(demo, Role.MODERATOR)) as client:
        page = (await client.get(f"/ui/cases/{case.case_id}")).text
    table = page.split('data-testid="signals"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td><td>([^<]+)", table)
    assert rows
    assert len(rows) == len(set(rows)), "each detector and kind once"
    assert ("grooming", "grooming ongoing ") in rows
    assert "times)" in table


def test_the_demo_makes_a_risk_assessment(tmp_path: Path) -> None:
    """So the risk and compliance pages of a fresh demo have an assessment to show."""
    container = run_demo(tmp_path / "demo")
    try:
        assessment = container.risk.status().assessment
    finally:
        container.close()
    assert assessment is not None
    assert assessment.assessed_by == "demo"
