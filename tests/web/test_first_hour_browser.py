"""The web UI's first hour (issue 18) in headless Chromium, over the demo data: what a new
moderator and a new regulator met, each fixed and held here."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from safeguarding.domain.access import Role
from tests.servers import RunningServer
from tests.web.test_browser import DEMO_OPEN_CASES, log_in, wait_for_rows

pytestmark = [pytest.mark.browser, pytest.mark.server]


def open_case(page: Page, queue: str) -> None:
    page.goto("/ui/queue")
    wait_for_rows(page, DEMO_OPEN_CASES)
    page.get_by_test_id("case-table").locator("tr", has_text=queue).first.locator("a").click()
    expect(page).to_have_url(re.compile(r"/ui/cases/[^/]+$"))


def test_c_on_a_grooming_case_offers_the_grooming_reasons_first(
    demo_page: Page, demo_server: RunningServer
) -> None:
    log_in(demo_page, demo_server.keys[Role.MODERATOR])
    open_case(demo_page, "grooming")
    demo_page.get_by_role("button", name="Claim this case").click()
    expect(demo_page.get_by_test_id("case-status")).to_have_text("in review")
    demo_page.keyboard.press("c")
    reason = demo_page.locator('select[name="reason_code"]')
    expect(reason).to_be_focused()
    expect(reason).to_have_value("grooming_confirmed")
    offered = reason.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert offered[0] == "grooming_confirmed"
    assert "known_abuse_image" not in offered
    # escalating a grooming case: an imminent risk (a meeting arranged) comes first
    demo_page.locator('input[name="outcome"][value="escalate"]').check()
    expect(reason).to_have_value("imminent_risk")


def test_the_note_placeholder_fits_its_field(demo_page: Page, demo_server: RunningServer) -> None:
    log_in(demo_page, demo_server.keys[Role.MODERATOR])
    open_case(demo_page, "self harm")
    demo_page.get_by_role("button", name="Claim this case").click()
    note = demo_page.locator('input[name="note"]')
    expect(note).to_be_visible()
    spare = note.evaluate(
        """input => {
            const style = getComputedStyle(input);
            const context = document.createElement("canvas").getContext("2d");
            context.font = style.font;
            const room = input.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight);
            return room - context.measureText(input.placeholder).width;
        }"""
    )
    assert spare >= 0, f"the placeholder is {-spare:.0f}px wider than its field"


def test_a_click_anywhere_on_a_queue_row_opens_its_case(
    demo_page: Page, demo_server: RunningServer
) -> None:
    log_in(demo_page, demo_server.keys[Role.MODERATOR])
    wait_for_rows(demo_page, DEMO_OPEN_CASES)
    row = demo_page.get_by_test_id("case-table").locator("tr", has_text="self harm")
    case_id = row.get_attribute("data-case-id")
    box = row.locator("td").nth(4).bounding_box()  # the deadline cell, far from the name
    assert box is not None
    demo_page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(demo_page).to_have_url(re.compile(rf"/ui/cases/{case_id}$"))


def test_a_queue_row_opens_from_the_keyboard(demo_page: Page, demo_server: RunningServer) -> None:
    log_in(demo_page, demo_server.keys[Role.MODERATOR])
    wait_for_rows(demo_page, DEMO_OPEN_CASES)
    rows = demo_page.get_by_test_id("case-table").locator("tbody tr")
    case_id = rows.nth(1).get_attribute("data-case-id")
    demo_page.locator("body").focus()
    for _ in range(30):  # Tab through the page until the second row has the focus
        demo_page.keyboard.press("Tab")
        if rows.nth(1).evaluate("row => row.matches(':focus-within')"):
            break
    demo_page.keyboard.press("Enter")
    expect(demo_page).to_have_url(re.compile(rf"/ui/cases/{case_id}$"))
