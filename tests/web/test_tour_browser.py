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
# Each role's pages, by the name its screenshot takes; "case" is the most urgent case.
PAGES: dict[Role, dict[str, str]] = {
    Role.MODERATOR: {"queue": "/ui/queue", "case": ""},
    Role.ADMIN: {
        "policy": "/ui/policy",
        "queue": "/ui/queue",
        "exposures": "/ui/exposures",
        "requests": "/ui/admin/requests",
        "risk": "/ui/risk",
        "compliance": "/ui/compliance",
        "transparency": "/ui/transparency",
    },
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
    Role.ADVOCATE: {"overview": "/ui/advocate", "transparency": "/ui/transparency"},
    Role.PLATFORM: {"overview": "/ui/platform"},
}


def shoot(page: Page, name: str) -> None:
    TOUR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(TOUR / f"{name}.png"), full_page=True)


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
        else:
            response = demo_page.goto(path)
            assert response is not None
            assert response.status == 200, path
        main = demo_page.locator("main")
        expect(main.get_by_role("heading", level=1)).to_be_visible()
        # Something under the heading: a table, figures, a form, or a sentence saying why
        # there is nothing (an admin's exposures before anyone has revealed an image).
        expect(main.locator("table, .cards, .charts, form, ol, .empty").first).to_be_visible()
        if name == "risk":
            expect(demo_page.get_by_test_id("assessed")).to_contain_text("assessed")
        shoot(demo_page, f"{role.value}-{name}")
