"""Every page of the web UI, for every role, in headless Chromium over the demo data.

The server is loaded as ``safeguarding demo`` loads it (the demo's events, then the demo's
risk assessment), so each page shows what a new user sees. Every page must answer 200 and
show something under its heading (no page of a role is empty), and each is saved as a
screenshot: under $SAFEGUARDING_SCREENSHOTS when set, else test-artifacts/tour/. A curated,
compressed set of them is docs/tour/ (see docs/tour.md).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from safeguarding.domain.access import Role
from tests.servers import RunningServer
from tests.web.test_browser import DEMO_OPEN_CASES, log_in, wait_for_rows

pytestmark = [pytest.mark.browser, pytest.mark.server]

TOUR = Path(
    os.environ.get("SAFEGUARDING_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "tour"
)
# Each role's pages, by the name its screenshot takes, in the order a user meets them. The
# moderator opens the most urgent case and starts a decision on the grooming case; the
# regulator asks about a sampled decision before the admin, who answers, looks.
PAGES: dict[Role, dict[str, str]] = {
    Role.MODERATOR: {"queue": "/ui/queue", "case": "", "decision": ""},
    Role.REGULATOR: {
        "overview": "/ui/regulator",
        "transparency": "/ui/transparency",
        "risk": "/ui/risk",
        "compliance": "/ui/compliance",
        "policy": "/ui/regulator/policy",
        "samples": "/ui/regulator/samples",
        "requests": "/ui/regulator/requests",
        "complaints": "/ui/regulator/complaints",
    },
    Role.ADMIN: {
        "policy": "/ui/policy",
        "queue": "/ui/queue",
        "exposures": "/ui/exposures",
        "requests": "/ui/admin/requests",
        "risk": "/ui/risk",
        "compliance": "/ui/compliance",
        "transparency": "/ui/transparency",
    },
    Role.ADVOCATE: {"overview": "/ui/advocate", "transparency": "/ui/transparency"},
    Role.PLATFORM: {"overview": "/ui/platform"},
}


def shoot(page: Page, name: str) -> None:
    TOUR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(TOUR / f"{name}.png"), full_page=True)


def start_a_decision(page: Page) -> None:
    """Claim the grooming case and press c, as a moderator about to confirm it."""
    page.goto("/ui/queue")
    page.get_by_test_id("case-table").locator("tr", has_text="grooming").locator("a").click()
    page.get_by_role("button", name="Claim this case").click()
    expect(page.get_by_test_id("decision")).to_be_visible()
    page.wait_for_load_state()  # review.js (deferred) listens for the keys
    page.keyboard.press("c")
    expect(page.locator('select[name="reason_code"]')).to_have_value("grooming_confirmed")


def ask_about_a_sample(page: Page) -> None:
    """File a request about the first sampled decision, from its "Ask about it" link."""
    page.goto("/ui/regulator/samples")
    page.get_by_role("link", name="Ask about it").first.click()
    form = page.get_by_test_id("file-request")
    form.get_by_label("Question").fill("Provide the evidence and the moderator's notes.")
    form.get_by_label("Legal basis").fill("Online Safety Act 2023, s.100 information notice")
    deadline = datetime.now(UTC).date() + timedelta(days=14)
    form.get_by_label("Deadline").fill(deadline.isoformat())
    form.get_by_role("button", name="File the request").click()
    expect(page.get_by_test_id("requests").locator("tbody tr").first).to_contain_text("open")


def test_the_login_page(demo_page: Page) -> None:
    demo_page.goto("/ui/login")
    expect(demo_page.get_by_label("API key")).to_be_visible()
    shoot(demo_page, "login")


@pytest.mark.parametrize("role", list(PAGES), ids=lambda r: r.value)
def test_every_page_of_every_role_shows_something(
    demo_page: Page, demo_server: RunningServer, role: Role
) -> None:
    log_in(demo_page, demo_server.keys[role])
    for name, path in PAGES[role].items():
        if name == "case":
            demo_page.goto("/ui/queue")
            wait_for_rows(demo_page, DEMO_OPEN_CASES)
            demo_page.keyboard.press("j")
            expect(demo_page).to_have_url(re.compile(r"/ui/cases/[^/]+$"))
        elif name == "decision":
            start_a_decision(demo_page)
        else:
            response = demo_page.goto(path)
            assert response is not None
            assert response.status == 200, path
        if (role, name) == (Role.REGULATOR, "requests"):
            ask_about_a_sample(demo_page)
        main = demo_page.locator("main")
        expect(main.get_by_role("heading", level=1)).to_be_visible()
        # Something under the heading: a table, figures, a form, or a sentence saying why
        # there is nothing (an admin's exposures before anyone has revealed an image).
        expect(main.locator("table, .cards, .charts, form, ol, .empty").first).to_be_visible()
        overflow = "document.documentElement.scrollWidth - window.innerWidth"
        assert demo_page.evaluate(overflow) <= 0, f"{path or name} scrolls sideways"
        if name == "risk":
            expect(demo_page.get_by_test_id("assessed")).to_contain_text("assessed")
        shoot(demo_page, f"{role.value}-{name}")
