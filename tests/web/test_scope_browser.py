"""Scope in headless Chromium, against a real server with the demo data: a moderator of the
self_harm queue, logged in, opens a grooming case by its address and is refused; the case is
untouched and the audit log shows no view of it."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.servers import RunningServer
from tests.web.browsing import chromium_browser, tab
from tests.web.test_browser import log_in
from tests.web.test_review_browser import audit_actions

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_a_moderator_of_another_queue_is_refused_a_grooming_case_in_the_browser(
    server: tuple[RunningServer, dict[str, str]],
) -> None:
    running, environment = server
    admin = auth(running.keys[Role.ADMIN])
    with httpx.Client(base_url=running.base_url, headers=admin) as api:
        made = api.post(
            "/v1/keys", json={"name": "cy", "role": "moderator", "queues": ["self_harm"]}
        )
        grooming = next(c for c in api.get("/v1/cases").json() if c["queue"] == "grooming")
    with chromium_browser() as browser, tab(browser, running.base_url) as page:
        log_in(page, made.json()["key"])
        expect(page).to_have_url(re.compile(r"/ui/queue$"))
        answer = page.goto(f"/ui/cases/{grooming['case_id']}")
        assert answer is not None
        assert answer.status == 403
        expect(page.locator("body")).to_contain_text("grooming queue")
        expect(page.locator("body")).not_to_contain_text("how old")
    assert audit_actions(environment, "case.view") == []
