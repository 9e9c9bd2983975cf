"""The transparency page, its downloads and ``GET /v1/transparency``: who may see them, what
they show, and that a regulator's every look is in the audit log.

In-process over httpx for each role, and once in headless Chromium against a real server
for a screenshot (test-artifacts/screenshots/transparency.png).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from safeguarding.adapters.exports import FORMATS
from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container, build
from safeguarding.domain.access import Role
from safeguarding.domain.transparency import TransparencyReport
from tests.conftest import auth, make_settings
from tests.servers import running_server
from tests.services.transparency.world import (
    MovableClock,
    first_message,
    grooming_report,
    ingest_at,
    profile,
)
from tests.web.browsing import chromium_browser, tab
from tests.web.session import ui_login

DAY = datetime(2021, 2, 10, 9, 0, tzinfo=UTC)
FEBRUARY = "from=2021-02-01&to=2021-02-28"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def stored(database_url: str, tmp_path: Path) -> Iterator[Container]:
    clock = MovableClock(DAY)
    built = build(
        make_settings(database_url, tmp_path, organisation="Example Chat Ltd"), clock=clock
    )
    ingest_at(
        built,
        clock,
        DAY,
        grooming_report("c1", "a1", DAY - timedelta(minutes=30), "r-1"),
        profile("adult", 40, DAY - timedelta(hours=1)),
        profile("child", 11, DAY - timedelta(hours=1)),
        first_message("adult", "child", DAY - timedelta(minutes=20), "m-1"),
    )
    yield built
    built.close()


@asynccontextmanager
async def logged_in(container: Container, role: Role) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding a UI session for a new key of ``role``."""
    key = container.keys.create(f"ui-{role.value}", role.value)[0]
    transport = httpx.ASGITransport(app=create_app(container, run_outbox_worker=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        done = await ui_login(client, key)
        assert done.status_code == 303
        yield client


def reads(container: Container) -> list[tuple[str, str]]:
    with container.store.read() as uow:
        return [(r.actor, r.subject) for r in uow.audit.records() if r.action == "regulator.read"]


pytestmark = pytest.mark.anyio


async def test_a_regulator_sees_the_figures_and_charts_and_the_visit_is_audited(
    stored: Container,
) -> None:
    async with logged_in(stored, Role.REGULATOR) as client:
        page = await client.get(f"/ui/transparency?{FEBRUARY}")
    assert page.status_code == 200
    html = page.text
    assert "1 February 2021 to 28 February 2021 (28 days), for Example Chat Ltd" in html
    assert "1, equivalent to 0.0 a day, no figure for last year" in html
    assert html.count('<img src="data:image/svg+xml;base64,') == 2
    for fmt in ("csv", "dsa-csv", "json", "html", "pdf"):
        assert f"/ui/transparency/export?format={fmt}&amp;{FEBRUARY.replace('&', '&amp;')}" in html
    assert reads(stored) == [("regulator:ui-regulator", "ui:transparency 2021-02-01..2021-02-28")]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ADVOCATE])
async def test_admins_and_advocates_see_it_unaudited(stored: Container, role: Role) -> None:
    async with logged_in(stored, role) as client:
        page = await client.get(f"/ui/transparency?{FEBRUARY}")
    assert page.status_code == 200
    assert 'data-figure="children_protected"' in page.text
    assert reads(stored) == []


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.PLATFORM])
async def test_moderators_and_platforms_are_refused(stored: Container, role: Role) -> None:
    async with logged_in(stored, role) as client:
        for path in ("/ui/transparency?", "/ui/transparency/export?format=csv&"):
            page = await client.get(path + FEBRUARY)
            assert page.status_code == 403
            assert "This page is for: admin, regulator, advocate." in page.text


async def test_without_a_session_the_page_sends_you_to_log_in(stored: Container) -> None:
    transport = httpx.ASGITransport(app=create_app(stored, run_outbox_worker=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        page = await client.get("/ui/transparency")
    assert (page.status_code, page.headers["location"]) == (303, "/ui/login")


async def test_bad_dates_get_a_page_naming_the_problem(stored: Container) -> None:
    async with logged_in(stored, Role.ADMIN) as client:
        page = await client.get("/ui/transparency?from=2021-02-30&to=2021-03-01")
        backwards = await client.get("/ui/transparency?from=2021-03-01&to=2021-02-01")
        unknown = await client.get(f"/ui/transparency/export?format=xls&{FEBRUARY}")
    assert page.status_code == 422
    assert "from: &#39;2021-02-30&#39; is not a date" in page.text
    assert backwards.status_code == 422
    assert "to (2021-02-01) is before from (2021-03-01)" in backwards.text
    assert unknown.status_code == 422
    assert "no export format &#39;xls&#39;" in unknown.text


async def test_every_download_streams_as_its_format(stored: Container) -> None:
    async with logged_in(stored, Role.REGULATOR) as client:
        got = {
            fmt: await client.get(f"/ui/transparency/export?format={fmt}&{FEBRUARY}")
            for fmt in ("csv", "dsa-csv", "json", "html", "pdf")
        }
    for fmt, response in got.items():
        assert response.status_code == 200, fmt
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="transparency-2021-02-01-to-2021-02-28')
    assert got["csv"].headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(got["csv"].text)))
    assert next(r for r in rows if r["name"] == "actioned")["value"] == "2"
    assert TransparencyReport.model_validate_json(got["json"].content).period.days == 28
    assert got["pdf"].content.startswith(b"%PDF-")
    assert got["html"].text.count("<svg") == 2
    subjects = [subject for _, subject in reads(stored)]
    assert subjects == [f"ui:transparency.{fmt} 2021-02-01..2021-02-28" for fmt in got]


async def test_the_api_answers_with_the_report_and_audits_a_regulator(
    stored: Container,
) -> None:
    keys = {role: stored.keys.create(f"api-{role.value}", role.value)[0] for role in Role}
    transport = httpx.ASGITransport(app=create_app(stored, run_outbox_worker=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get(
            f"/v1/transparency?{FEBRUARY}", headers=auth(keys[Role.REGULATOR])
        )
        bad = await client.get(
            "/v1/transparency?from=2021-02-01&to=2021-01-01", headers=auth(keys[Role.ADVOCATE])
        )
        missing = await client.get("/v1/transparency", headers=auth(keys[Role.ADMIN]))
        refused = await client.get(
            f"/v1/transparency?{FEBRUARY}", headers=auth(keys[Role.PLATFORM])
        )
    assert answer.status_code == 200
    report = TransparencyReport.model_validate(answer.json())
    assert (
        report.figure("actioned").wording() == "2, equivalent to 0.1 a day, no figure for last year"
    )
    assert (bad.status_code, bad.headers["content-type"]) == (422, "application/problem+json")
    assert "to (2021-01-01) is before from (2021-02-01)" in bad.json()["detail"]
    assert missing.status_code == 422
    assert refused.status_code == 403
    assert reads(stored) == [("regulator:api-regulator", "api:transparency 2021-02-01..2021-02-28")]


# -- in a real browser ----------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.server
def test_the_page_in_a_browser(tmp_path: Path) -> None:
    with running_server(tmp_path / "server") as server:
        now = datetime.now(UTC)
        events = [
            grooming_report(f"c{i}", f"a{i}", now - timedelta(days=i, minutes=30), f"r{i}")
            for i in range(12)
        ]
        posted = httpx.post(
            f"{server.base_url}/v1/events",
            json={"events": events},
            headers=server.auth(Role.PLATFORM),
            timeout=30,
        )
        assert posted.status_code == 200, posted.text
        today = now.date()
        query = f"from={today - timedelta(days=20)}&to={today}"
        with chromium_browser() as browser, tab(browser, server.base_url) as page:
            page.goto("/ui/login")
            page.get_by_label("API key").fill(server.keys[Role.REGULATOR])
            page.get_by_role("button", name="Log in").click()
            page.goto(f"/ui/transparency?{query}")
            expect(page.get_by_role("heading", level=1)).to_have_text("Transparency report")
            row = page.locator('tr[data-figure="actioned.harm.grooming"]')
            expect(row.locator("td").nth(1)).to_have_text("12")
            expect(page.locator("figure.chart img")).to_have_count(2)
            expect(page.get_by_test_id("downloads").get_by_role("link")).to_have_count(len(FORMATS))
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "transparency.png"), full_page=True)
            # the self-contained HTML export, opened as a file would be: no server, no assets
            exported = page.request.get(f"/ui/transparency/export?format=html&{query}")
            assert exported.ok
            page.set_content(exported.text())
            expect(page.locator("svg")).to_have_count(2)
            expect(page.locator("body")).to_contain_text("12")
            page.screenshot(path=str(SCREENSHOTS / "transparency-export.png"), full_page=True)
