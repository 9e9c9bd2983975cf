"""The web UI's first hour (issue 18) over HTTP, in-process, on the demo data: the icon, the
counts in words, and a regulator's information request naming sampled decisions."""

from __future__ import annotations

import re

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.cases import CaseDecision, Outcome
from tests.web.conftest import case_in, key
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
    demo.review.claim(case.case_id, moderator)
    decision = CaseDecision(
        case_id=case.case_id,
        outcome=Outcome.CONFIRM,
        reason_code="known_abuse_image",
        by=moderator.audit_name,
        at=demo.clock.now(),
    )
    demo.review.decide(decision, moderator)
    async with browser(app, key(demo, Role.MODERATOR)) as client:
        queue = (await client.get("/ui/queue")).text
    cards = re.sub(r"(<[^>]+>|\s)+", " ", queue.split('class="cards"')[1].split("<h2>")[0])
    assert "1 case confirmed" in cards
    assert "3 cases open" in cards
    assert "0 images you revealed" in cards
