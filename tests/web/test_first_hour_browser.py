"""The web UI's first hour (issue 18) in headless Chromium, over the demo data: what a new
moderator and a new regulator met, each fixed and held here."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageStat
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
    demo_page.wait_for_load_state()  # review.js (deferred) listens for the keys
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


def test_the_transparency_page_opens_on_a_period_up_to_today_in_iso_dates(
    demo_page: Page, demo_server: RunningServer
) -> None:
    log_in(demo_page, demo_server.keys[Role.REGULATOR])
    demo_page.goto("/ui/transparency")
    today = datetime.now(UTC).date()
    first, last = demo_page.locator('input[name="from"]'), demo_page.locator('input[name="to"]')
    # a text field shows exactly the value it holds: no locale format such as 12/07/2026
    for field in (first, last):
        assert field.evaluate("input => input.type") == "text"
        expect(field).to_have_attribute("placeholder", "YYYY-MM-DD")
    expect(last).to_have_value(today.isoformat())
    expect(first).to_have_value((today - timedelta(days=364)).isoformat())
    row = demo_page.locator('tr[data-figure="events_scanned"]').locator("td").nth(1)
    expect(row).not_to_have_text("0")  # today's demo events are in the default period
    expect(demo_page.locator("dl.facts")).to_contain_text("Policy versions in force1")
    first.fill(today.isoformat())
    demo_page.get_by_role("button", name="Show").click()
    expect(demo_page.get_by_test_id("period")).to_contain_text("(1 day)")


def brightness(png: bytes) -> float:
    """The mean brightness, 0 (black) to 255 (white), of a screenshot."""
    return float(ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).mean[0])


@pytest.mark.parametrize("path", ["/ui/transparency", "/ui/regulator"])
def test_charts_are_drawn_in_colour_not_as_black_boxes(
    demo_page: Page, demo_server: RunningServer, path: str
) -> None:
    log_in(demo_page, demo_server.keys[Role.REGULATOR])
    demo_page.goto(path)
    charts = demo_page.locator("main figure img")
    expect(charts).to_have_count(2)
    for chart in charts.all():
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
        assert brightness(chart.screenshot()) > 180  # mostly white paper, not a black box


def test_the_median_time_chart_of_one_day_is_a_labelled_bar(
    demo_page: Page, demo_server: RunningServer
) -> None:
    """The demo has one day of actions: a bar under that day's ISO date, with its value,
    not a lone dot at the edge of a year under an axis label such as "2026-Dec"."""
    log_in(demo_page, demo_server.keys[Role.REGULATOR])
    demo_page.goto("/ui/transparency")
    source = demo_page.get_by_test_id("chart-times").locator("img").get_attribute("src")
    assert source is not None
    svg = base64.b64decode(source.split(",", 1)[1]).decode()
    today = datetime.now(UTC).date()
    assert f">{today.isoformat()}<" in svg
    assert f">{today:%Y-%b}<" not in svg
    assert re.search(r">\d+ (s|min|h)<", svg), "the bar carries its value"
