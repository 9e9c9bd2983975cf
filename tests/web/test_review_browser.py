"""The whole review flow in headless Chromium, against a real server with the demo data.

A moderator logs in, opens the most urgent case from the queue with the keyboard, claims
it, reveals the blurred image (which the audit log records), confirms the case with a
reason, and sees the authority report drafted and then confirmed. Screenshots of the
queue and the case page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from safeguarding.bootstrap import build
from safeguarding.domain.access import Role
from safeguarding.settings import load_settings
from tests.servers import RunningServer
from tests.web.browsing import chromium_browser, tab
from tests.web.test_browser import SCREENSHOTS, log_in, wait_for_rows

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
def page(server: tuple[RunningServer, dict[str, str]]) -> Iterator[Page]:
    with chromium_browser() as browser, tab(browser, server[0].base_url) as opened:
        yield opened


def audit_actions(environment: dict[str, str], action: str) -> list[tuple[str, str]]:
    """Read the server's audit log from its database, as an auditor would."""
    container = build(load_settings(environment), migrate_schema=False)
    try:
        with container.store.read() as uow:
            return [(r.actor, r.subject) for r in uow.audit.records() if r.action == action]
    finally:
        container.close()


def test_a_moderator_reviews_the_top_case_end_to_end(
    page: Page, server: tuple[RunningServer, dict[str, str]]
) -> None:
    running, environment = server
    log_in(page, running.keys[Role.MODERATOR])
    expect(page).to_have_url(re.compile(r"/ui/queue$"))
    wait_for_rows(page, 4)  # the child's grooming report joined the conversation's case
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review-queue.png"), full_page=True)

    # The most urgent case: the known image (P1, due within the hour, decided first).
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(r"/ui/cases/[^/]+$"))
    expect(page.locator(".facts")).to_contain_text("abuse imagery")
    page.get_by_role("button", name="Claim this case").click()
    expect(page.get_by_test_id("case-status")).to_have_text("in review")

    blurred = page.get_by_test_id("blurred")
    expect(blurred).to_have_count(2)  # the holiday photo and the known image, both blurred
    expect(page.get_by_test_id("my-exposures")).to_have_text("0")
    page.keyboard.press("r")  # reveals one image: the one the case is about
    expect(page.get_by_test_id("revealed")).to_have_count(1)
    expect(page.locator("#media-demo-upload-known")).to_have_attribute("data-testid", "revealed")
    expect(blurred).to_have_count(1)
    expect(page.get_by_test_id("my-exposures")).to_have_text("1")
    reveals = audit_actions(environment, "evidence.reveal")
    assert reveals == [("moderator:smoke-moderator", "demo-upload-known")]
    page.screenshot(path=str(SCREENSHOTS / "review-case.png"), full_page=True)

    page.keyboard.press("c")
    expect(page.locator('input[name="outcome"][value="confirm"]')).to_be_checked()
    reason = page.locator('select[name="reason_code"]')
    expect(reason).to_be_focused()
    reason.select_option("known_abuse_image")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("case-status")).to_have_text("confirmed")
    expect(page.get_by_test_id("report-status")).to_have_text("awaiting confirmation")
    page.get_by_role("button", name="Confirm report").click()
    expect(page.get_by_test_id("report-status")).not_to_have_text("awaiting confirmation")
    decided = audit_actions(environment, "case.decide")
    assert [actor for actor, _ in decided] == ["moderator:smoke-moderator"]
