"""The regulator's portal and an advocacy body's page in headless Chromium, against a real
server with the demo data: an advocate files a super-complaint with a file, the regulator
files an information request and reads everything. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from safeguarding.domain.access import Role
from tests.servers import RunningServer, ingest_one_by_one, known_hashes, running_server
from tests.web.browsing import chromium_browser, tab
from tests.web.test_browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("portals")
    with running_server(workdir, settings=known_hashes(workdir)) as running:
        ingest_one_by_one(running)
        yield running


@pytest.fixture
def page(server: RunningServer) -> Iterator[Page]:
    with chromium_browser() as browser, tab(browser, server.base_url) as opened:
        yield opened


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_an_advocate_files_a_super_complaint(page: Page, server: RunningServer, tmp_path) -> None:
    evidence = tmp_path / "waiting-times.csv"
    evidence.write_text("month,reports waiting over a day\n2026-09,31\n2026-10,29\n")
    log_in(page, server.keys[Role.ADVOCATE])
    expect(page).to_have_url(re.compile(r"/ui/advocate$"))
    form = page.get_by_test_id("file-super-complaint")
    form.get_by_label("Title").fill("Reports about adults contacting children wait too long")
    form.get_by_label("The systemic problem").fill(
        "Children who report adults asking their age wait more than a day for any action; "
        "we ask for same-day review of every child's report."
    )
    form.get_by_label("Harms it concerns").fill("grooming")
    form.get_by_label("Evidence files").set_input_files(str(evidence))
    form.get_by_role("button", name="File the super-complaint").click()
    row = page.get_by_test_id("my-super-complaints").locator("tbody tr").first
    expect(row).to_contain_text("Reports about adults contacting children wait too long")
    expect(row).to_contain_text("waiting-times.csv")
    expect(row).to_contain_text("received")
    shot(page, "advocate")


def test_the_regulator_reads_the_portal_and_files_a_request(
    page: Page, server: RunningServer
) -> None:
    log_in(page, server.keys[Role.REGULATOR])
    expect(page).to_have_url(re.compile(r"/ui/regulator$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Regulator overview")
    shot(page, "regulator-portal")

    page.get_by_role("link", name="Samples", exact=True).first.click()
    rows = page.get_by_test_id("samples").locator("tbody tr")
    expect(rows.first).to_contain_text("account-")
    expect(page.get_by_test_id("samples")).not_to_contain_text("newacct_88")
    shot(page, "regulator-samples")

    page.goto("/ui/regulator/requests")
    form = page.get_by_test_id("file-request")
    form.get_by_label("Question").fill("Provide the evidence behind the confirmed image match.")
    form.get_by_label("Legal basis").fill("Online Safety Act 2023, s.100 information notice")
    deadline = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%d")
    form.get_by_label("Deadline").fill(deadline)
    form.get_by_label("Event ids").fill("demo-upload-known")
    form.get_by_role("button", name="File the request").click()
    filed = page.get_by_test_id("requests").locator("tbody tr").first
    expect(filed).to_contain_text("demo-upload-known")
    expect(filed).to_contain_text("open")
    expect(filed).to_contain_text(deadline)
    shot(page, "regulator-requests")

    page.goto("/ui/regulator/complaints")
    expect(page.get_by_test_id("super-complaints")).to_be_visible()
    page.goto("/ui/regulator/policy")
    expect(page.get_by_test_id("rules")).to_contain_text("known-abuse-image")
