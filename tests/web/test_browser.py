"""The web UI in headless Chromium, against a real server loaded with the demo data.

Each role logs in with its key and lands on its page, which must show figures
from the store. Screenshots of every role's page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from safeguarding.demo import demo_events
from safeguarding.domain.access import Role
from safeguarding.domain.events import EVENT_ADAPTER, Event
from tests.servers import RunningServer, known_hashes, running_server
from tests.web.browsing import tab

pytestmark = [pytest.mark.browser, pytest.mark.server]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CASES_SECONDS = 15.0
FIGURES = {
    Role.REGULATOR: ("/ui/regulator", "Regulator overview"),
    Role.ADVOCATE: ("/ui/advocate", "Advocacy overview"),
    Role.PLATFORM: ("/ui/platform", "Platform overview"),
}


@dataclass
class Demo:
    """The running server and what the demo ingest told us to expect."""

    server: RunningServer
    verdicts: Counter[str]
    event_types: Counter[str]
    cases: int
    rule_names: list[str]


def _ingest_demo(server: RunningServer) -> tuple[list[Event], list[dict[str, Any]]]:
    """POST the demo's events as the platform would; return them and their decisions."""
    events = demo_events(datetime.now(UTC))
    body = {"events": [EVENT_ADAPTER.dump_python(e, mode="json") for e in events]}
    response = httpx.post(
        f"{server.base_url}/v1/events", json=body, headers=server.auth(Role.PLATFORM), timeout=30
    )
    assert response.status_code == 200, response.text
    return events, [r["decision"] for r in response.json()["results"]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    workdir = tmp_path_factory.mktemp("browser")
    with running_server(workdir, settings=known_hashes(workdir)) as server:
        events, decisions = _ingest_demo(server)
        policy = httpx.get(
            f"{server.base_url}/v1/policy", headers=server.auth(Role.ADMIN), timeout=10
        ).json()
        yield Demo(
            server=server,
            verdicts=Counter(d["verdict"] for d in decisions),
            event_types=Counter(e.type for e in events),
            cases=sum(any(a["name"] == "open_case" for a in d["actions"]) for d in decisions),
            rule_names=[rule["name"] for rule in policy["rules"]],
        )


@pytest.fixture
def page(chromium: Browser, demo: Demo) -> Iterator[Page]:
    with tab(chromium, demo.server.base_url, height=800) as opened:
        yield opened


def log_in(page: Page, key: str) -> None:
    page.goto("/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login$"))
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Log in").click()


def screenshot(page: Page, role: Role) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{role.value}.png"), full_page=True)


# The demo's open cases: the known image, the self-harm report, the stranger's grooming case
# (with the grooming report and every later message of the adult's) and the spam report.
DEMO_OPEN_CASES = 4


def wait_for_rows(page: Page, rows: int) -> None:
    """Reload until the outbox worker has opened the cases (it polls every half second)."""
    deadline = time.monotonic() + CASES_SECONDS
    table_rows = page.get_by_test_id("case-table").locator("tbody tr")
    while table_rows.count() < rows and time.monotonic() < deadline:
        time.sleep(0.25)
        page.reload()
    expect(table_rows).to_have_count(rows)


def test_moderator_queue_lists_the_open_cases(page: Page, demo: Demo) -> None:
    log_in(page, demo.server.keys[Role.MODERATOR])
    expect(page).to_have_url(re.compile(r"/ui/queue$"))
    expect(page.get_by_test_id("who")).to_contain_text("moderator")
    # fifteen decisions open a case: the known-hash upload, the three user reports, and the
    # demo stranger conversation's flag, its high level and every later message of the
    # adult's (held while that case is undecided, and refused as persistent attempts); the
    # child's grooming report and those messages are about that adult, so they join that
    # case: four cases
    assert demo.cases == 15
    open_cases = DEMO_OPEN_CASES
    wait_for_rows(page, open_cases)
    known = page.locator("tr", has=page.get_by_text("known-abuse-image", exact=True))
    expect(known.locator("td").nth(0)).to_have_text("P1")
    expect(known.locator("td").nth(1)).to_have_text("abuse imagery")
    expect(known.locator("td").nth(2)).to_have_text("dan")
    expect(known.locator("td").nth(6)).to_have_text("to be reported")
    expect(page.locator(".cards")).to_contain_text(f"{open_cases}cases open")
    screenshot(page, Role.MODERATOR)


def test_admin_policy_page_shows_version_1_and_its_rules(page: Page, demo: Demo) -> None:
    log_in(page, demo.server.keys[Role.ADMIN])
    expect(page).to_have_url(re.compile(r"/ui/policy$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Policy in force: version 1")
    rule_cells = page.get_by_test_id("rules").locator("tbody tr td:nth-child(2)")
    expect(rule_cells).to_have_text(demo.rule_names)
    expect(page.get_by_test_id("history").locator("tbody tr")).to_have_count(1)
    screenshot(page, Role.ADMIN)


@pytest.mark.parametrize("role", list(FIGURES), ids=lambda r: r.value)
def test_figures_pages_show_the_decisions_made(page: Page, demo: Demo, role: Role) -> None:
    path, heading = FIGURES[role]
    log_in(page, demo.server.keys[role])
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    cards = page.get_by_test_id("verdicts").locator(".card")
    expect(cards).to_have_count(len(demo.verdicts))
    verdicts = {
        card.locator(".muted").inner_text(): int(card.locator(".n").inner_text())
        for card in cards.all()
    }
    assert verdicts == dict(demo.verdicts)
    rows = page.get_by_test_id("event-types").locator("tbody tr")
    shown = {
        row.locator("td").nth(0).inner_text(): int(row.locator("td").nth(1).inner_text())
        for row in rows.all()
    }
    assert shown == {kind.replace("_", " "): n for kind, n in demo.event_types.items()}
    screenshot(page, role)


def test_a_wrong_key_is_refused(page: Page) -> None:
    log_in(page, "sgk_000000000000_not-a-real-key")
    expect(page.get_by_role("alert")).to_have_text("That key is not valid.")
    expect(page).to_have_url(re.compile(r"/ui/login$"))


def test_a_moderator_may_not_open_the_policy_page(page: Page, demo: Demo) -> None:
    log_in(page, demo.server.keys[Role.MODERATOR])
    expect(page).to_have_url(re.compile(r"/ui/queue$"))
    response = page.goto("/ui/policy")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not for your role")
    expect(page.get_by_test_id("rules")).to_have_count(0)


def test_logout_returns_to_the_login_page(page: Page, demo: Demo) -> None:
    log_in(page, demo.server.keys[Role.ADMIN])
    expect(page).to_have_url(re.compile(r"/ui/policy$"))
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/ui/login$"))
    page.goto("/ui/policy")
    expect(page).to_have_url(re.compile(r"/ui/login$"))
