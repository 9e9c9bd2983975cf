"""Right role, wrong scope, on paths the scope walk (test_scope_walk.py) does not try:
another queue's image on a case page, what a decision or a sample quotes of content, a
package that quotes unnamed events, a key with no queues, unaudited reads of a user's words.

Each test names the invariant it holds the engine to (docs/security.md, docs/review.md,
docs/regulator.md). Written by an independent reviewer; each failed on the code before.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import httpx
import pytest

from safeguarding.adapters.cli.demo import load_demo_banks
from safeguarding.demo import LISTED_URL, image_bytes
from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.services.access import OPERATOR
from tests.api.scope_world import GROOMING_EVENT, KNOWN_IMAGE, World
from tests.conftest import auth
from tests.detectors.self_harm_data import ACTION_EXAMPLES
from tests.factories import message
from tests.web.session import browser

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("unthrottled")]
REASON = {"reason": "checking the case for a review"}
SELF_HARM_TEXT = ACTION_EXAMPLES["intent_or_plan"]
KNOWN_SHA256 = hashlib.sha256(image_bytes("known_benign.png")).hexdigest()


def as_(world: World, label: str) -> dict[str, str]:
    return auth(world.keys[label])


def audit(world: World, action: str | None = None) -> list[tuple[str, str, str, dict]]:
    with world.container.store.read() as uow:
        return [
            (r.actor, r.action, r.subject, r.details)
            for r in uow.audit.records()
            if action is None or r.action == action
        ]


def ingest(world: World, *raw: dict) -> None:
    world.container.ingest.ingest([EVENT_ADAPTER.validate_python(e) for e in raw], source="test")
    world.container.outbox.run_once(1000)


# -- 1. a moderator of queue A reveals an image of queue B through a case of queue A -----------
async def test_a_grooming_moderator_cannot_reveal_the_abuse_imagery_queues_image(
    world_app, world_http, world
) -> None:
    """Invariant: a moderator may not read anything of another queue's case (security.md:
    "anything in another queue (403 naming the queue)"). The known-abuse image belongs to the
    abuse_imagery queue only. A child's grooming report about its sender, pointing at it,
    opens a grooming case whose page shows the image (the reported event and its
    conversation) and whose reveal button serves it in the clear to a grooming moderator, who
    is refused the same content over the API."""
    report = {
        "type": "user_report",
        "event_id": "scope-review-report-dan",
        "occurred_at": datetime.now(UTC).isoformat(),
        "actor_id": "leo",
        "reported_account_id": "dan",
        "reported_event_id": KNOWN_IMAGE,
        "reason": "grooming",
    }
    ingest(world, report)
    with world.container.store.read() as uow:
        (grooming_case,) = uow.cases.of_event("scope-review-report-dan")
        queues_of_image = {c.queue for c in uow.cases.of_event(KNOWN_IMAGE)}
    assert grooming_case.queue == "grooming"
    assert queues_of_image == {"abuse_imagery"}

    groomer = "grooming moderator"
    over_api = await world_http.post(
        f"/v1/evidence/{KNOWN_IMAGE}/read", json=REASON, headers=as_(world, groomer)
    )
    assert over_api.status_code == 403, "the API refuses the image to this moderator"

    async with browser(world_app, world.keys[groomer]) as ui:
        page = await ui.get(f"/ui/cases/{grooming_case.case_id}")
        assert page.status_code == 200
        assert 'data-testid="withheld"' in page.text, "the image is marked as withheld"
        assert f"Blurred greyscale preview of event {KNOWN_IMAGE}" not in page.text
        assert KNOWN_SHA256[:16] not in page.text, "nor is its hash shown"
        direct = await ui.post(f"/ui/cases/{world.ids['abuse_case']}/reveal/{KNOWN_IMAGE}")
        assert direct.status_code == 403, "and so does the abuse_imagery case's own reveal"
        via_grooming = await ui.post(
            f"/ui/cases/{grooming_case.case_id}/reveal/{KNOWN_IMAGE}",
            headers={"HX-Request": "true"},
        )
    revealed = [a for a in audit(world, "evidence.reveal") if a[2] == KNOWN_IMAGE]
    assert via_grooming.status_code == 403, (
        f"the grooming case's reveal served the abuse_imagery image ({via_grooming.status_code});"
        f" audited reveals: {revealed}"
    )


# -- 2. content hashes behind the decision endpoint --------------------------------------------
@pytest.mark.parametrize("label", ["regulator", "self_harm moderator"])
async def test_the_decision_shows_no_content_hash_to_who_may_not_read_the_content(
    world_http, world, label
) -> None:
    """Invariant: "GET /v1/evidence/{id} shows content hashes only to callers who could read
    the content"; the regulator may not learn "content hashes it could not read the content
    behind" (security.md). The evidence record hides the image's SHA-256 from the regulator
    without a request (and refuses a moderator of another queue), but GET
    /v1/events/{id}/decision hands it to both in the hash-match signal's evidence."""
    who = as_(world, label)
    record = await world_http.get(f"/v1/evidence/{KNOWN_IMAGE}", headers=who)
    assert KNOWN_SHA256 not in record.text  # hidden (regulator) or refused (moderator)
    decision = await world_http.get(f"/v1/events/{KNOWN_IMAGE}/decision", headers=who)
    assert decision.status_code == 200
    assert KNOWN_SHA256 not in decision.text, (
        f"{label} read the image's content SHA-256 from its decision"
    )


@pytest.mark.parametrize("label", ["regulator", "grooming moderator"])
async def test_the_decision_quotes_no_message_text_to_who_may_not_read_it(
    world_http, world, label
) -> None:
    """Invariant: the regulator reads content only under an open request naming the event, a
    moderator only that of its queues (security.md); cue words are content, which is why
    samples drop them (services/samples.py). A self-harm message's decision, read over GET
    /v1/events/{id}/decision, quotes its cue words to the regulator (no request names it) and
    to a grooming moderator, both refused the message's evidence."""
    text = SELF_HARM_TEXT
    ingest(world, message("teen1", "teen2", text, event_id="scope-review-self-harm"))
    who = as_(world, label)
    refused = await world_http.post(
        "/v1/evidence/scope-review-self-harm/read", json=REASON, headers=who
    )
    assert refused.status_code == 403, refused.text
    decision = await world_http.get("/v1/events/scope-review-self-harm/decision", headers=who)
    assert decision.status_code == 200
    explanations = [s["explanation"] for s in decision.json()["decision"]["signals"]]
    quoted = [q for e in explanations for q in re.findall(r"'([^']+)'", e) if q in text]
    assert quoted == [], f"{label} read the message's words {quoted} from its decision"


@pytest.mark.parametrize("label", ["self_harm moderator", "admin", "platform"])
async def test_the_decision_is_whole_for_who_may_read_the_content(world_http, world, label) -> None:
    """The same decision keeps its cue words for the moderator of the message's queue, an
    admin and the platform that sent it: only those refused the content lose them."""
    ingest(world, message("teen1", "teen2", SELF_HARM_TEXT, event_id="scope-whole-self-harm"))
    decision = await world_http.get(
        "/v1/events/scope-whole-self-harm/decision", headers=as_(world, label)
    )
    assert decision.status_code == 200
    explanations = [s["explanation"] for s in decision.json()["decision"]["signals"]]
    assert any("; cues: " in e for e in explanations), explanations


# -- 3. anonymised samples quote content and real ids -------------------------------------------
async def test_the_regulators_samples_quote_no_content(world_http, world) -> None:
    """Invariant: samples are "anonymised: pseudonyms for accounts and events, ... no content"
    (regulator.md; services/samples.py: "no content and no real identifiers"). The URL
    detector's explanation quotes the link from the post's text, so a sample shows the
    regulator content of an event no information request names."""
    load_demo_banks(world.container)  # the demo's URL list, as `safeguarding demo` loads it
    post = {
        "type": "post",
        "event_id": "scope-review-post",
        "actor_id": "newacct_88",
        "occurred_at": datetime.now(UTC).isoformat(),
        "text": f"new stuff at {LISTED_URL}",
    }
    ingest(world, post)
    assert world.container.evidence.decision("scope-review-post", OPERATOR).verdict != "allow"
    samples = await world_http.get(
        "/v1/regulator/samples?n=200&days=1", headers=as_(world, "regulator")
    )
    assert samples.status_code == 200
    listed = LISTED_URL.split("://", 1)[1].split("/", 1)[1]  # listed/demo-page.html
    assert any(s["event_type"] == "post" and s["signals"] for s in samples.json())
    assert listed not in samples.text, "a sample quotes the link from a post's text"


# -- 4. the regulator reads, through a package, the content of events no request names --------
async def file_request(world_http: httpx.AsyncClient, world: World, *event_ids: str) -> None:
    filed = await world_http.post(
        "/v1/information-requests",
        json={
            "question": "How were these messages handled?",
            "legal_basis": "Online Safety Act 2023, s.100",
            "deadline": "2030-01-01T00:00:00Z",
            "event_ids": list(event_ids),
        },
        headers=as_(world, "regulator"),
    )
    assert filed.status_code == 201, filed.text


async def test_a_request_for_one_event_opens_no_other_events_text(world_http, world) -> None:
    """Invariant: the regulator reads "content only of events named by an open formal
    information request" (security.md). The package of the reported message quotes every
    message the grooming signal cited, so a request naming the one message is refused the
    package (403 naming the others) until a request names them too."""
    regulator = as_(world, "regulator")
    await file_request(world_http, world, GROOMING_EVENT)
    with world.container.store.read() as uow:
        other = uow.events.get("demo-msg-021")  # the age question, not named by the request
    assert other is not None
    refused = await world_http.post(
        "/v1/evidence/demo-msg-021/read", json=REASON, headers=regulator
    )
    assert refused.status_code == 403
    package = await world_http.get(f"/v1/reports/default/{GROOMING_EVENT}", headers=regulator)
    assert package.status_code == 403, "a package quoting unnamed events is refused"
    assert "demo-msg-021" in package.json()["detail"], "naming the events to add"
    assert other.text not in package.text

    cited = world.container.evidence.decision(GROOMING_EVENT, OPERATOR).signals
    await file_request(world_http, world, *{e for s in cited for e in s.evidence.event_ids})
    package = await world_http.get(f"/v1/reports/default/{GROOMING_EVENT}", headers=regulator)
    assert package.status_code == 200, package.text
    assert other.text in package.text, "with every quoted event named, the package is whole"


# -- 5. an empty queue list is every queue ------------------------------------------------------
async def test_a_moderator_key_made_with_no_queues_works_no_queue(world_http, world) -> None:
    """Invariant: the scope rule fails closed (domain/access.py: "Something in no known queue is
    for those who work every queue: the rule fails closed"). An admin who creates a moderator
    key with an empty list of queues gets a key that works every queue."""
    made = await world_http.post(
        "/v1/keys",
        json={"name": "trainee", "role": "moderator", "queues": []},
        headers=as_(world, "admin"),
    )
    assert made.status_code == 422, f"a key made with queues=[] was {made.status_code}: {made.text}"
    assert made.headers["content-type"].startswith("application/problem+json")
    assert "queue" in made.json()["detail"]
    with world.container.store.read() as uow:
        assert "trainee" not in {k.name for k in uow.keys.listed()}


# -- 6. content reads that leave no audit record ------------------------------------------------
@pytest.mark.parametrize("label", ["grooming moderator", "admin", "platform"])
async def test_reading_a_users_complaint_is_audited(world_http, world, label) -> None:
    """Invariant: "an audit record of every access" (security.md, the four aims); a user's
    words are stored sealed. Reading a complaint's text leaves a record only when the
    regulator reads it."""
    complaint = world.ids["complaint"]
    before = len(audit(world))
    read = await world_http.get(f"/v1/complaints/{complaint}", headers=as_(world, label))
    assert read.status_code == 200, read.text
    assert "Those messages are still there." in read.text
    new = audit(world)[before:]
    assert any(complaint in subject for _, _, subject, _ in new), (
        f"{label} read complaint {complaint}'s text; the audit log gained {new}"
    )


async def test_an_admin_reading_a_super_complaint_is_audited(world_http, world) -> None:
    """Invariant: admin: "every action is audited" (security.md); super-complaint text is
    sealed content. The regulator's read is recorded; an admin's leaves no record."""
    scp = world.ids["super_complaint"]
    before = len(audit(world))
    read = await world_http.get(f"/v1/super-complaints/{scp}", headers=as_(world, "admin"))
    assert read.status_code == 200
    assert "week after week" in read.text
    new = audit(world)[before:]
    assert any(scp in subject for _, _, subject, _ in new), (
        f"the admin read super-complaint {scp}; the audit log gained {new}"
    )
