"""One case per harm, subject and conversation, and a case page that marks the right messages.

Events go in over HTTP as a platform sends them, one at a time; the outbox runs between them as
the worker would; a moderator then reads the queue and the case page in the UI. The adult and
the child are connected (the child accepted), so every message is decided on its content.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.cases import CaseStatus
from tests.conftest import auth
from tests.factories import at, message, profile
from tests.reviewing import claim_and_decide_over_http
from tests.web.conftest import key
from tests.web.session import browser

pytestmark = pytest.mark.anyio

# The run: an adult of 40 and a child of 11 (non-explicit warning signs only).
GROOMING = [
    ("adult", "hey, saw ur drawings, ur really talented"),
    ("adult", "how old r u?"),
    ("kid", "im 12, year 7"),
    ("adult", "ur so mature for ur age"),
    ("adult", "dont tell ur mum we talk ok, our secret"),
    ("adult", "add me on snap its easier"),
    ("adult", "we should meet up at the park, just us"),
    ("kid", "ok"),
]
SELF_HARM = ["i want to die, nobody would care", "i really dont want to be here anymore"]


@pytest.fixture
async def api(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container, run_outbox_worker=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def send(api: httpx.AsyncClient, container: Container, events: list[dict]) -> None:
    platform = auth(key(container, Role.PLATFORM))
    for raw in events:
        answer = await api.post("/v1/events", json=raw, headers=platform)
        assert answer.status_code == 200, answer.text
        container.outbox.run_once(1000)


def grooming_events() -> list[dict]:
    accepted = {
        "type": "contact_accepted",
        "event_id": "accept-1",
        "occurred_at": at(-30),
        "actor_id": "kid",
        "target_id": "adult",
    }
    events = [profile("adult", 40), profile("kid", 11), accepted]
    for i, (sender, text) in enumerate(GROOMING):
        to = "kid" if sender == "adult" else "adult"
        events.append(message(sender, to, text, conversation="dm-1", event_id=f"g{i}", minutes=i))
    return events


async def queue_rows(container: Container, harm: str) -> list[str]:
    app = create_app(container, run_outbox_worker=False)
    async with browser(app, key(container, Role.MODERATOR)) as ui:
        page = (await ui.get(f"/ui/queue?harm={harm}")).text
    return re.findall(r"<tr data-case-id=.*?</tr>", page, re.S)


async def test_one_grooming_conversation_is_one_case_at_the_most_severe_level(
    api, container
) -> None:
    await send(api, container, grooming_events())
    (row,) = await queue_rows(container, "grooming")
    assert "P1" in row
    assert "grooming-risk-high" in row
    (case,) = container.review.queue()
    # The flag-level message, and every later message of the adult's: held while the case is
    # undecided, the high-level one blocked.
    assert sorted(case.event_ids) == ["g1", "g3", "g4", "g5", "g6"]
    with container.store.read() as uow:
        decisions = uow.events.decisions(case.event_ids)
    high = [d for _, d in decisions.values() if "grooming-risk-high" in {r.rule for r in d.rules}]
    assert (case.priority, case.rule) == (1, "grooming-risk-high")
    assert case.deadline == high[0].decided_at + timedelta(hours=2)  # brought forward


async def test_the_case_page_tags_every_stage_and_blames_only_the_adult(api, container) -> None:
    await send(api, container, grooming_events())
    (case,) = container.review.queue()
    app = create_app(container, run_outbox_worker=False)
    async with browser(app, key(container, Role.MODERATOR)) as ui:
        html = (await ui.get(f"/ui/cases/{case.case_id}")).text

    def item(event_id: str) -> str:
        return html.split(f'data-event-id="{event_id}"')[1].split("</li>")[0]

    def stages(event_id: str) -> set[str]:
        return set(re.findall(r'<span class="tag stage">([^<]+)</span>', item(event_id)))

    assert "age question" in stages("g1")
    assert "secrecy" in stages("g4")
    assert "platform move" in stages("g5")  # after the case was opened: tagged all the same
    assert "meeting" in stages("g6")
    for adult in ("g1", "g3", "g4", "g5", "g6"):
        assert 'data-testid="cause"' in item(adult), adult
    for child in ("g2", "g7"):  # "im 12, year 7" and "ok": the child's replies are no cause
        assert 'data-testid="cause"' not in item(child), child
        assert "grooming risk" not in item(child), child


async def test_one_childs_self_harm_messages_go_to_one_case(api, container) -> None:
    events = [profile("kid", 13), profile("friend", 13)]
    for i, text in enumerate(SELF_HARM):
        conversation = f"dm-{i}"  # in any conversation: the case follows the child
        events.append(message("kid", "friend", text, conversation=conversation, minutes=i))
    await send(api, container, events)
    assert len(await queue_rows(container, "self_harm")) == 1
    (case,) = container.review.queue()
    assert case.subject_account_id == "kid"
    assert len(case.event_ids) == 2


async def test_a_decided_case_leaves_the_next_signal_to_a_new_case(api, container) -> None:
    events = [profile("kid", 13), profile("friend", 13)]
    first = message("kid", "friend", SELF_HARM[0], conversation="dm-x")
    await send(api, container, [*events, first])
    (case,) = container.review.queue()
    moderator = auth(key(container, Role.MODERATOR))
    await claim_and_decide_over_http(api, case.case_id, moderator, "self_harm_risk")
    await send(api, container, [message("kid", "friend", SELF_HARM[1], conversation="dm-x")])
    with container.store.read() as uow:
        cases = uow.cases.listed(list(CaseStatus), 10)
    assert sorted(c.status.value for c in cases) == ["confirmed", "open"]
