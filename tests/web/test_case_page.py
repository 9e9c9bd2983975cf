"""The case page in-process: what it shows, who may open it, reveals, decisions, and refusals.

The demo data goes through the live ingest path (with its known image in a hash list),
then moderators with different queues use the UI over HTTP as a browser would.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.cases import CLAIMABLE, CaseStatus
from tests.conftest import auth
from tests.web.conftest import audit, case_in, key
from tests.web.session import browser

pytestmark = pytest.mark.anyio


@pytest.fixture
async def moderator(app: object, demo: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app, key(demo, Role.MODERATOR)) as client:
        yield client


async def test_grooming_case_page_explains_itself(demo, moderator) -> None:
    case = case_in(demo, "grooming", "newacct_88")
    page = await moderator.get(f"/ui/cases/{case.case_id}")
    assert page.status_code == 200
    html = page.text
    assert "grooming-risk-high" in html
    # the message that asked the child's age is in the timeline, flagged with its stage
    asked = html.split('data-event-id="demo-msg-021"')[1].split("</li>")[0]
    assert "how old r u" in asked
    assert "grooming: grooming risk" in asked
    assert '<span class="tag stage">age question</span>' in asked
    # account facts: the adult and the child, with their age bands
    assert re.search(r"<code>priya</code>.*?under 13", html, re.S)
    # related: the same adult's other cases (the child's grooming report joined this one)
    assert "demo-report-grooming" in case.event_ids
    related = html.split('data-testid="related"')[1].split("</table>")[0]
    assert "user-report-other" in related
    assert "<code>maya</code>" in related
    (view,) = audit(demo, "case.view")
    assert view[1] == case.case_id


async def test_the_demo_grooming_case_marks_every_stage_on_the_adults_messages(
    demo, moderator
) -> None:
    case = case_in(demo, "grooming", "newacct_88")
    html = (await moderator.get(f"/ui/cases/{case.case_id}")).text
    items = re.findall(
        r'<li id="ev-[^"]+" class="([^"]*)" data-event-id="([^"]+)">(.*?)</li>', html, re.S
    )
    stages: dict[str, set[str]] = {}
    for _, event_id, body in items:
        stages[event_id] = set(re.findall(r'<span class="tag stage">([^<]+)</span>', body))
        by_adult = "<code>newacct_88</code>" in body.split("</div>")[0]
        cause = 'data-testid="cause"' in body
        assert not cause or by_adult, event_id  # never the child's replies
        assert cause or not (by_adult and stages[event_id]), event_id  # every staged message
    every = {
        "rapport",
        "age question",
        "personal probe",
        "supervision probe",
        "isolation",
        "secrecy",
        "gifts",
        "photo request",
        "platform move",
        "meeting",
        "pressure",
    }
    assert set().union(*stages.values()) == every
    assert stages["demo-msg-040"] == set()  # the child's "im 12, year 7": no stage, no cause


async def test_a_moderator_of_other_queues_is_refused_everywhere(app, demo) -> None:
    case = case_in(demo, "abuse_imagery", "dan")
    async with browser(app, key(demo, Role.MODERATOR, ["self_harm"])) as client:
        page = await client.get(f"/ui/cases/{case.case_id}")
        assert page.status_code == 403
        assert "abuse_imagery queue" in page.text
        reveal = await client.post(f"/ui/cases/{case.case_id}/reveal/demo-upload-known")
        assert reveal.status_code == 403
        claim = await client.post(f"/ui/cases/{case.case_id}/claim")
        assert claim.status_code == 403
        queue = await client.get("/ui/queue")
        assert case.case_id not in queue.text
    assert audit(demo, "evidence.reveal") == []
    assert demo.review.queue()[0].status.value == "open"


async def test_images_are_blurred_until_revealed_and_each_reveal_is_counted(
    app, demo, moderator
) -> None:
    case = case_in(demo, "abuse_imagery", "dan")
    page = await moderator.get(f"/ui/cases/{case.case_id}")
    assert 'data-testid="blurred"' in page.text
    assert 'data-testid="revealed"' not in page.text
    revealed = await moderator.post(f"/ui/cases/{case.case_id}/reveal/demo-upload-known")
    assert revealed.status_code == 200
    assert 'data-testid="revealed"' in revealed.text
    assert "data:image/jpeg;base64," in revealed.text
    ((actor, subject, details),) = audit(demo, "evidence.reveal")
    assert (subject, details) == ("demo-upload-known", {"case_id": case.case_id})
    queue = await moderator.get("/ui/queue")
    count = queue.text.split('data-testid="my-exposures"')[1]
    assert re.match(r'><div class="n">1</div>', count)
    async with browser(app, key(demo, Role.ADMIN)) as admin:
        table = (await admin.get("/ui/exposures")).text
    assert re.search(rf"<td>{re.escape(actor)}</td><td>1</td>", table)
    missing = await moderator.post(f"/ui/cases/{case.case_id}/reveal/demo-msg-001")
    assert missing.status_code == 404


async def test_deciding_from_the_page_confirms_and_the_report_awaits_confirmation(
    demo, moderator
) -> None:
    case = case_in(demo, "abuse_imagery", "dan")
    url = f"/ui/cases/{case.case_id}"
    confirm = {"outcome": "confirm", "reason_code": "known_abuse_image"}
    early = await moderator.post(f"{url}/decision", data=confirm)
    assert early.status_code == 409  # not claimed yet
    assert "claim it first" in early.text
    assert (await moderator.post(f"{url}/claim")).status_code == 303
    wrong = await moderator.post(
        f"{url}/decision", data={"outcome": "confirm", "reason_code": "false_positive"}
    )
    assert wrong.status_code == 422
    assert "known_abuse_image" in wrong.text
    done = await moderator.post(f"{url}/decision", data=confirm | {"note": "bank match"})
    assert done.status_code == 303
    page = (await moderator.get(url)).text
    assert 'data-testid="case-status">confirmed' in page
    assert "awaiting confirmation" in page
    (decided,) = audit(demo, "case.decide")
    assert decided[2]["reason_code"] == "known_abuse_image"
    confirm = re.search(r'action="(/ui/cases/[^"]+/confirm)"', page)
    assert confirm is not None
    assert (await moderator.post(confirm.group(1))).status_code == 303
    assert "awaiting confirmation" not in (await moderator.get(url)).text


async def test_evidence_reads_follow_the_queue_and_the_regulators_request(app, demo) -> None:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    body = {"reason": "checking the bank match for review"}
    url = "/v1/evidence/demo-upload-known/read"
    async with client:
        other = auth(key(demo, Role.MODERATOR, ["grooming"]))
        refused = await client.post(url, json=body, headers=other)
        assert refused.status_code == 403
        assert "abuse_imagery" in refused.json()["detail"]
        mine = auth(key(demo, Role.MODERATOR, ["abuse_imagery"]))
        assert (await client.post(url, json=body, headers=mine)).status_code == 200
        regulator = auth(key(demo, Role.REGULATOR))
        decision = await client.get("/v1/events/demo-upload-known/decision", headers=regulator)
        assert decision.json()["decision"]["verdict"] == "block"
        record = await client.get("/v1/evidence/demo-upload-known", headers=regulator)
        assert record.status_code == 200
        assert "content_base64" not in record.json()
        before = await client.post(url, json=body, headers=regulator)
        assert before.status_code == 403
        assert "information request" in before.json()["detail"]
        filed = await client.post(
            "/v1/information-requests",
            json={
                "question": "Show the image behind the confirmed bank match.",
                "legal_basis": "Online Safety Act 2023, s.100 information notice",
                "deadline": (datetime.now(UTC) + timedelta(days=14)).isoformat(),
                "event_ids": ["demo-upload-known"],
            },
            headers=regulator,
        )
        assert filed.status_code == 201, filed.text
        request_id = filed.json()["request_id"]
        assert (await client.post(url, json=body, headers=regulator)).status_code == 200
        sent = b"case,decided\ncase_1,2026-11-23\n"
        file = {"name": "cases.csv", "content_type": "text/csv"}
        file["content_base64"] = base64.b64encode(sent).decode()
        answered = await client.post(
            f"/v1/information-requests/{request_id}/answer",
            json={"response": "Provided under the notice.", "files": [file]},
            headers=auth(key(demo, Role.ADMIN)),
        )
        assert answered.json()["status"] == "answered"
        (attachment,) = answered.json()["attachments"]
        url_file = f"/v1/information-requests/{request_id}/files/{attachment['attachment_id']}"
        assert (await client.get(url_file, headers=regulator)).content == sent
        after = await client.post(url, json=body, headers=regulator)
        assert after.status_code == 403
    reads = audit(demo, "evidence.read")
    assert [d.get("information_request") for _, _, d in reads] == [None, request_id]
    assert [d.get("queue") for _, _, d in reads] == ["abuse_imagery", None]
    looked = [subject for _, subject, _ in audit(demo, "regulator.read")]
    assert "decision:demo-upload-known" in looked
    assert len(audit(demo, "information_request.file_read")) == 1
    (filing,) = audit(demo, "information_request.file")
    assert filing[2]["event_ids"] == ["demo-upload-known"]


async def test_the_queue_filters_by_harm_and_says_how_long_is_left(demo, moderator) -> None:
    page = (await moderator.get("/ui/queue?harm=grooming")).text
    rows = re.findall(r"<tr data-case-id=.*?</tr>", page, re.S)
    assert len(rows) == 1  # one conversation, one adult: one case, however many signals
    assert all("<td>grooming</td>" in row for row in rows)
    high = next(row for row in rows if "grooming-risk-high" in row)
    assert "in 2 h" in high  # priority 1, due two hours after the decision
    everything = (await moderator.get("/ui/queue")).text
    assert len(re.findall(r"<tr data-case-id=", everything)) == len(demo.review.queue())


async def dismiss_known_image(app, demo, who: httpx.AsyncClient) -> tuple[dict, dict]:
    """Dismiss the known-image case through the UI; the visibility answers before and after."""
    case = case_in(demo, "abuse_imagery", "dan")
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    platform = auth(key(demo, Role.PLATFORM))
    ask = {"viewer_id": "leo", "items": ["demo-upload-known"]}
    async with api:
        (before,) = (await api.post("/v1/visibility", json=ask, headers=platform)).json()["items"]
        await who.post(f"/ui/cases/{case.case_id}/claim")
        dismissed = await who.post(
            f"/ui/cases/{case.case_id}/decision",
            data={"outcome": "dismiss", "reason_code": "false_positive"},
        )
        assert dismissed.status_code == 303
        (after,) = (await api.post("/v1/visibility", json=ask, headers=platform)).json()["items"]
    return before, after


async def test_an_admins_dismissal_restores_the_content_and_lifts_the_restriction(app, demo):
    case = case_in(demo, "abuse_imagery", "dan")
    async with browser(app, key(demo, Role.ADMIN)) as admin:
        before, after = await dismiss_known_image(app, demo, admin)
    assert before["visible"] is False
    assert after["visible"] is True
    assert after["reason"] == f"reinstated: its case {case.case_id} was dismissed on review"
    with demo.store.read() as uow:
        assert uow.accounts.restrictions_of(["dan"]) == set()
    (decided,) = audit(demo, "case.decide")
    assert decided[2]["content_reinstated"] == 1


async def test_a_moderators_dismissal_leaves_a_hash_match_hidden(app, demo, moderator):
    """Content that matched a known-abuse hash comes back only by an admin's hand."""
    _, after = await dismiss_known_image(app, demo, moderator)
    assert after["visible"] is False
    with demo.store.read() as uow:
        assert uow.accounts.restrictions_of(["dan"]) == set()
    (decided,) = audit(demo, "case.decide")
    assert decided[2]["content_reinstated"] == 0
    assert decided[2]["kept_hidden_hash_match"] == ["demo-upload-known"]


async def test_over_the_api_a_moderator_sees_and_claims_only_their_queues(app, demo) -> None:
    case = case_in(demo, "abuse_imagery", "dan")
    grooming_only = auth(key(demo, Role.MODERATOR, ["grooming"]))
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    async with api:
        listed = (await api.get("/v1/cases", headers=grooming_only)).json()
        refused = await api.post(f"/v1/cases/{case.case_id}/claim", headers=grooming_only)
    assert {c["queue"] for c in listed} == {"grooming"}
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "abuse_imagery queue" in refused.json()["detail"]
    assert [c.status.value for c in demo.review.queue() if c.case_id == case.case_id] == ["open"]


async def test_decision_samples_for_the_regulator_carry_no_identity_or_content(app, demo) -> None:
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    regulator = auth(key(demo, Role.REGULATOR))
    async with api:
        drawn = (await api.get("/v1/regulator/samples?n=50", headers=regulator)).json()
        too_many = await api.get("/v1/regulator/samples?n=5000", headers=regulator)
    assert too_many.status_code == 422
    # the demo's actioned decisions and case events: known image, reports, the stranger's
    # high-risk message, the blocked first contact
    assert len(drawn) >= 5
    text = repr(drawn)
    for secret in ("dan", "priya", "newacct_88", "demo-upload-known", "how old", "leo"):
        assert secret not in text
    blocked = [s for s in drawn if "known-abuse-image" in s["rules"]]
    assert blocked[0]["actor_age_band"] == "adult"
    assert blocked[0]["verdict"] == "block"
    assert list(blocked[0]["targets"].values()) == ["13_15"]
    actors = {s["actor"] for s in drawn if s["actor_age_band"] == "adult"}
    assert all(a.startswith("account-") and len(a) == 20 for a in actors)
    assert [subject for _, subject, _ in audit(demo, "regulator.read")] == ["decision_samples"]


@pytest.mark.parametrize("status", list(CaseStatus))
async def test_the_claim_button_shows_in_the_states_the_domain_calls_claimable(
    demo, moderator, status: CaseStatus
) -> None:
    case = case_in(demo, "abuse_imagery", "dan")
    with demo.store.write() as uow:
        uow.cases.put(case.model_copy(update={"status": status}))
    html = (await moderator.get(f"/ui/cases/{case.case_id}")).text
    offered = f'action="/ui/cases/{case.case_id}/claim"' in html
    assert offered is (status in CLAIMABLE)
