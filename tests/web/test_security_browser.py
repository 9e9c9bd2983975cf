"""The web UI's defences in headless Chromium, against a real server with the demo data.

The Content-Security-Policy holds on the queue and case pages while a moderator uses every
button there (plain forms, htmx, keyboard shortcuts): the browser reports no violation, and
does report one when the test plants an inline script, so the check is live. A page on
another origin of the same site (another port of 127.0.0.1, as a sibling subdomain would
be; the SameSite=Strict cookie goes with its requests) posts a form dismissing the case the
moderator has claimed: it is refused with the 403 page and the case stays in review.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from safeguarding.domain.access import Role
from tests.servers import free_port
from tests.web.test_browser import (
    DEMO_OPEN_CASES,
    Demo,
    demo,
    log_in,
    page,
    wait_for_rows,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]
__all__ = ["demo", "page"]  # fixtures shared with test_browser.py
VIOLATION = "Content Security Policy"
PLANT_INLINE_SCRIPT = """() => {
    const script = document.createElement("script");
    script.textContent = "window.plantedRan = true";
    document.body.appendChild(script);
    return window.plantedRan === true;
}"""


def test_the_csp_holds_while_every_button_on_the_queue_and_case_pages_works(
    page: Page, demo: Demo
) -> None:
    violations: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if VIOLATION in message.text:
            violations.append(message.text)

    page.on("console", seen)
    log_in(page, demo.server.keys[Role.MODERATOR])
    expect(page).to_have_url(re.compile(r"/ui/queue$"))
    wait_for_rows(page, DEMO_OPEN_CASES)
    # The known image and the self-harm report are both P1 with the same deadline, so which
    # comes first is up to their random case ids: show the abuse imagery queue alone.
    page.goto("/ui/queue?harm=abuse_imagery")
    page.keyboard.press("j")  # review.js: open the most urgent case (the known image)
    expect(page).to_have_url(re.compile(r"/ui/cases/[^/]+$"))
    page.get_by_role("button", name="Claim this case").click()  # a plain form with its token
    expect(page.get_by_test_id("case-status")).to_have_text("in review")
    page.wait_for_load_state("load")  # htmx (a deferred script) is ready
    page.keyboard.press("r")  # htmx: the reveal carries the token in X-CSRF-Token
    expect(page.get_by_test_id("revealed")).to_have_count(1)
    page.keyboard.press("c")
    page.locator('select[name="reason_code"]').select_option("known_abuse_image")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("case-status")).to_have_text("confirmed")
    page.goto("/ui/queue")
    expect(page.get_by_test_id("case-table")).to_be_visible()
    assert violations == []
    # the check is live: an inline script planted in the page is blocked and reported
    with page.expect_console_message(lambda m: VIOLATION in m.text):
        assert page.evaluate(PLANT_INLINE_SCRIPT) is False


def test_a_decision_posted_from_another_origin_of_the_site_is_refused(
    page: Page, demo: Demo
) -> None:
    log_in(page, demo.server.keys[Role.MODERATOR])
    links = page.get_by_test_id("case-table").locator("tbody tr a")
    expect(links.first).to_be_visible(timeout=15_000)  # the queue refreshes its rows itself
    case_path = links.last.get_attribute("href")
    assert case_path is not None
    page.goto(case_path)
    page.get_by_role("button", name="Claim this case").click()  # the moderator's own work
    expect(page.get_by_test_id("case-status")).to_have_text("in review")
    attacker = f"http://127.0.0.1:{free_port()}/prize.html"
    form = (
        f'<form method="post" action="{demo.server.base_url}{case_path}/decision">'
        '<input type="hidden" name="outcome" value="dismiss">'
        '<input type="hidden" name="reason_code" value="false_positive">'
        "<button>Claim your prize</button></form>"
    )
    page.route(attacker, lambda route: route.fulfill(content_type="text/html", body=form))
    page.goto(attacker)
    with page.expect_response(lambda r: r.url.endswith("/decision")) as answer:
        page.get_by_role("button", name="Claim your prize").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refused")
    page.goto(case_path)
    expect(page.get_by_test_id("case-status")).to_have_text("in review")  # not dismissed
