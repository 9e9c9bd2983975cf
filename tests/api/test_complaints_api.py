"""Complaints, appeals and super-complaints over HTTP: filing, deadlines, outcomes and their
effects, who may read what, and every refusal leaving the store as it was."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.factories import contact_request, event, message, profile

pytestmark = pytest.mark.anyio


def blocked_first_message(container: Container) -> str:
    """An adult's first message to a child they are not connected to: blocked by default."""
    for data in (profile("adam", 35), profile("cara", 12)):
        container.ingest.ingest([event(data)], source="test")
    (result,) = container.ingest.ingest(
        [event(message("adam", "cara", "hi there", event_id="msg-adam-1"))], source="test"
    )
    assert result.decision.verdict.value == "block"
    return result.event_id


def appeal(event_id: str, account: str = "adam", reason: str = "not_harmful") -> dict:
    return {
        "kind": "appeal",
        "account_id": account,
        "reason": reason,
        "text": "I am her uncle and was saying hello.",
        "event_id": event_id,
    }


def audit(container: Container, action: str) -> list[tuple[str, str, dict]]:
    with container.store.read() as uow:
        return [(r.actor, r.subject, r.details) for r in uow.audit.records() if r.action == action]


async def test_an_upheld_appeal_reinstates_the_content(client, keys, container) -> None:
    """Upheld once the child has accepted the adult, the appeal shows her the message (without
    her acceptance it stays back: tests/api/test_protection_invariants.py)."""
    event_id = blocked_first_message(container)
    platform = auth(keys[Role.PLATFORM])
    filed = await client.post("/v1/complaints", json=appeal(event_id), headers=platform)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["status"] == "open"
    assert body["text"] == "I am her uncle and was saying hello."
    filed_at = container.clock.now()
    ask = {"viewer_id": "cara", "items": [event_id]}
    (before,) = (await client.post("/v1/visibility", json=ask, headers=platform)).json()["items"]
    assert before["visible"] is False
    accepted = {**contact_request("cara", "adam"), "type": "contact_accepted"}
    container.ingest.ingest([event(accepted)], source="test")
    moderator = auth(keys[Role.MODERATOR])
    decided = await client.post(
        f"/v1/complaints/{body['complaint_id']}/decision",
        json={"status": "upheld", "reason": "Family member; the block was not needed."},
        headers=moderator,
    )
    assert decided.json()["status"] == "upheld"
    (after,) = (await client.post("/v1/visibility", json=ask, headers=platform)).json()["items"]
    assert after["visible"] is True
    again = await client.post(
        f"/v1/complaints/{body['complaint_id']}/decision",
        json={"status": "rejected", "reason": "Changed my mind about it."},
        headers=moderator,
    )
    assert again.status_code == 409
    ((_, _, details),) = audit(container, "complaint.decide")
    assert details["content_reinstated"] == 1
    today = container.clock.now().date().isoformat()
    report = await client.get(
        f"/v1/transparency?from={today}&to={today}", headers=auth(keys[Role.REGULATOR])
    )
    figures = {f["name"]: f for s in report.json()["sections"] for f in s["figures"]}
    assert figures["time.appeal_to_decision.median"]["value"] is not None  # the DSA's item
    (filing,) = audit(container, "complaint.file")
    assert "text" not in filing[2]  # the user's words stay out of the audit log
    deadline = datetime.fromisoformat(body["deadline"].replace("Z", "+00:00"))
    assert abs(deadline - (filed_at + timedelta(days=7))) < timedelta(minutes=1)  # a week


@pytest.mark.parametrize(
    ("change", "status", "named"),
    [
        ({"account_id": "cara"}, 422, "only its author may appeal"),
        ({"event_id": "no-such-event"}, 404, "no event"),
        ({"reason": "too_slow"}, 422, "not_harmful"),
        ({"event_id": None}, 422, "names the event"),
        ({"kind": "grievance"}, 422, "kind"),
        ({"text": ""}, 422, "text"),
    ],
)
async def test_a_bad_appeal_is_refused_and_nothing_is_stored(
    client, keys, container, change, status, named
) -> None:
    event_id = blocked_first_message(container)
    refused = await client.post(
        "/v1/complaints", json=appeal(event_id) | change, headers=auth(keys[Role.PLATFORM])
    )
    assert refused.status_code == status
    assert refused.headers["content-type"] == "application/problem+json"
    assert named in refused.text
    listed = await client.get("/v1/complaints", headers=auth(keys[Role.ADMIN]))
    assert listed.json() == []


async def test_an_appeal_against_a_decision_that_did_nothing_is_refused(
    client, keys, container
) -> None:
    ok = event(message("kim", "lee", "see you", event_id="m-ok"))
    container.ingest.ingest([ok], source="test")
    refused = await client.post(
        "/v1/complaints", json=appeal("m-ok", account="kim"), headers=auth(keys[Role.PLATFORM])
    )
    assert refused.status_code == 422
    assert "took no action" in refused.json()["detail"]


async def test_a_complaint_without_an_event_and_its_regulator_read(client, keys, container) -> None:
    complaint = {
        "kind": "complaint",
        "account_id": "cara",
        "reason": "report_not_acted_on",
        "text": "I reported someone last week and nothing happened.",
    }
    filed = await client.post("/v1/complaints", json=complaint, headers=auth(keys[Role.PLATFORM]))
    assert filed.status_code == 201
    complaint_id = filed.json()["complaint_id"]
    regulator = auth(keys[Role.REGULATOR])
    seen = await client.get(f"/v1/complaints/{complaint_id}", headers=regulator)
    assert seen.json()["reason"] == "report_not_acted_on"
    refused = await client.post(
        f"/v1/complaints/{complaint_id}/decision",
        json={"status": "upheld", "reason": "We were too slow."},
        headers=regulator,
    )
    assert refused.status_code == 403
    assert [s for _, s, _ in audit(container, "regulator.read")] == [complaint_id]


@pytest.mark.parametrize(
    ("band", "audience_word"),
    [("under_13", "You won't get in trouble"), ("13_15", "Childline"), ("adult", "NSPCC")],
)
async def test_wording_fits_the_age_of_the_reader(client, keys, band, audience_word) -> None:
    words = await client.get(
        f"/v1/complaints/wording?age_band={band}", headers=auth(keys[Role.PLATFORM])
    )
    text = " ".join(words.json().values())
    assert audience_word in text
    assert set(words.json()) >= {"how_to_complain", "appeal", "received", "get_help"}


async def test_wording_for_an_unknown_band_is_refused(client, keys) -> None:
    refused = await client.get(
        "/v1/complaints/wording?age_band=toddler", headers=auth(keys[Role.PLATFORM])
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["query.age_band"]


EVIDENCE = b"month,reports,acted_on\n2026-09,120,31\n2026-10,131,29\n"
SUPER = {
    "title": "Reports of grooming are not acted on within a day",
    "description": (
        "Children we support report adults who ask their age and move them to other apps; "
        "the reports sit unanswered for days. Figures attached."
    ),
    "harms": ["grooming"],
    "files": [
        {
            "name": "reports-by-month.csv",
            "content_type": "text/csv",
            "content_base64": base64.b64encode(EVIDENCE).decode(),
        }
    ],
}


async def test_a_super_complaint_is_filed_followed_answered_and_seen_by_the_regulator(
    client, keys, container
) -> None:
    advocate = auth(keys[Role.ADVOCATE])
    filed = await client.post("/v1/super-complaints", json=SUPER, headers=advocate)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    (attachment,) = body["attachments"]
    assert attachment["sha256"] == hashlib.sha256(EVIDENCE).hexdigest()
    sid = body["super_complaint_id"]
    other = auth(container.keys.create("another-body", "advocate")[0])
    assert (await client.get("/v1/super-complaints", headers=other)).json() == []
    assert (await client.get(f"/v1/super-complaints/{sid}", headers=other)).status_code == 403
    admin = auth(keys[Role.ADMIN])
    short = await client.post(
        f"/v1/super-complaints/{sid}/response",
        json={"status": "responded", "response": "Noted."},
        headers=admin,
    )
    assert short.status_code == 422
    assert [e["field"] for e in short.json()["errors"]] == ["response"]
    reasoned = (
        "We agree. Grooming reports now open priority-2 cases due within four hours, and "
        "from 1 December a child's report opens a priority-1 case."
    )
    answered = await client.post(
        f"/v1/super-complaints/{sid}/response",
        json={"status": "responded", "response": reasoned},
        headers=admin,
    )
    assert answered.json()["status"] == "responded"
    mine = (await client.get(f"/v1/super-complaints/{sid}", headers=advocate)).json()
    assert mine["response"] == reasoned
    regulator = auth(keys[Role.REGULATOR])
    (seen,) = (await client.get("/v1/super-complaints", headers=regulator)).json()
    assert seen["super_complaint_id"] == sid
    url = f"/v1/super-complaints/{sid}/files/{attachment['attachment_id']}"
    download = await client.get(url, headers=regulator)
    assert download.content == EVIDENCE
    assert download.headers["content-type"].startswith("text/csv")
    reads = audit(container, "super_complaint.file_read")
    assert [actor for actor, _, _ in reads] == ["regulator:test-regulator"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"description": "too short"}, "description"),
        ({"files": [{"name": "x.csv", "content_type": "text/csv", "content_base64": "%%%"}]},
         "not valid base64"),
        ({"title": "x"}, "title"),
    ],
)  # fmt: skip
async def test_a_bad_super_complaint_is_refused_and_nothing_is_stored(
    client, keys, container, change, named
) -> None:
    advocate = auth(keys[Role.ADVOCATE])
    refused = await client.post("/v1/super-complaints", json=SUPER | change, headers=advocate)
    assert refused.status_code == 422
    assert named in refused.text
    assert (await client.get("/v1/super-complaints", headers=advocate)).json() == []
