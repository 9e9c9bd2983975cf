"""Attacks on the web UI over HTTP: forged cross-origin forms, replayed cookies after logout or
key revocation, a cookie without Secure behind https, missing security headers, and asset
URLs built from a forged Host header. Each must be refused and change nothing."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.cases import CaseStatus
from tests.conftest import auth
from tests.web.conftest import case_in, key
from tests.web.session import browser, csrf_of, ui_login

pytestmark = pytest.mark.anyio
TEMPLATES = Path(__file__).parents[2] / "src/safeguarding/adapters/web/templates"
SIBLING = "http://evil.t"  # another origin on the same site, as a sibling subdomain would be


def status_of(container: Container, case_id: str) -> CaseStatus:
    return next(c for c in container.review.queue() if c.case_id == case_id).status


@pytest.mark.parametrize(
    "forged",
    [
        {"Origin": SIBLING},
        {"Referer": f"{SIBLING}/attack.html"},
        {"Sec-Fetch-Site": "same-site", "Origin": "null"},
        {"Origin": "null"},
    ],
    ids=["origin", "referer", "sec-fetch-site", "opaque-origin"],
)
async def test_a_form_from_another_origin_is_refused_even_with_the_token(app, demo, forged) -> None:
    case = case_in(demo, "grooming", "newacct_88")
    async with browser(app, key(demo, Role.MODERATOR)) as moderator:
        for action, data in [("claim", {}), ("decision", {"outcome": "dismiss"})]:
            sent = await moderator.post(
                f"/ui/cases/{case.case_id}/{action}",
                data={**data, "reason_code": "false_positive"},
                headers=forged,
            )
            assert sent.status_code == 403
            assert "text/html" in sent.headers["content-type"]
            assert "Refused: not sent from this service" in sent.text
    assert status_of(demo, case.case_id) is CaseStatus.OPEN


async def test_a_form_without_the_sessions_token_is_refused(app, demo) -> None:
    case = case_in(demo, "grooming", "newacct_88")
    async with browser(app, key(demo, Role.MODERATOR)) as moderator:
        del moderator.headers["X-CSRF-Token"]
        plain = await moderator.post(f"/ui/cases/{case.case_id}/claim")
        wrong = await moderator.post(f"/ui/cases/{case.case_id}/claim", data={"csrf_token": "x"})
        htmx = await moderator.post(
            f"/ui/cases/{case.case_id}/reveal/demo-msg-021", headers={"HX-Request": "true"}
        )
        assert [plain.status_code, wrong.status_code, htmx.status_code] == [403, 403, 403]
        assert "security token is missing or out of date" in plain.text
        assert status_of(demo, case.case_id) is CaseStatus.OPEN
        # the same form with the page's token, from the service's own origin, is done
        token = csrf_of(await moderator.get(f"/ui/cases/{case.case_id}"))
        own = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
        done = await moderator.post(
            f"/ui/cases/{case.case_id}/claim", data={"csrf_token": token}, headers=own
        )
        assert done.status_code == 303
    assert status_of(demo, case.case_id) is CaseStatus.IN_REVIEW


async def test_a_login_form_from_another_origin_is_refused(app, demo) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        token = csrf_of(await client.get("/ui/login"))
        data = {"api_key": key(demo, Role.ADMIN), "csrf_token": token}
        forged = await client.post("/ui/login", data=data, headers={"Origin": SIBLING})
        assert forged.status_code == 403
        assert (await client.get("/ui/policy")).status_code == 303  # not logged in


async def test_an_old_cookie_stops_working_after_logout(app, demo) -> None:
    async with browser(app, key(demo, Role.ADMIN)) as admin:
        cookie = admin.cookies["safeguarding_session"]
        assert (await admin.get("/ui/policy")).status_code == 200
        out = await admin.post("/ui/logout")
        assert out.status_code == 303
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as replay:
        replay.cookies.set("safeguarding_session", cookie)
        again = await replay.get("/ui/policy")
        assert (again.status_code, again.headers["location"]) == (303, "/ui/login")


async def test_revoking_a_key_ends_its_sessions(app, demo) -> None:
    moderator_key = key(demo, Role.MODERATOR)
    key_id = moderator_key.split("_")[1]
    async with browser(app, moderator_key) as moderator:
        assert (await moderator.get("/ui/queue")).status_code == 200
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            admin = auth(key(demo, Role.ADMIN))
            assert (await api.delete(f"/v1/keys/{key_id}", headers=admin)).status_code == 204
        assert (await moderator.get("/ui/queue")).status_code == 303
    with demo.store.read() as uow:
        live = [s for s in _sessions_of(uow, key_id) if s.ended_at is None]
    assert live == []


def _sessions_of(uow, key_id: str) -> list:
    from safeguarding.adapters.storage.sqlalchemy.sessions import web_sessions

    rows = uow.conn.execute(web_sessions.select().where(web_sessions.c.key_id == key_id))
    found = [uow.sessions.get(row.session_hash) for row in rows]
    assert found, "the login made no session row"
    return found


@pytest.mark.parametrize(
    ("settings", "secure"),
    [
        ({}, False),
        ({"public_url": "https://sg.example"}, True),
        ({"session_cookie_secure": True}, True),
    ],
)
async def test_the_session_cookie_is_secure_behind_https(demo, settings, secure) -> None:
    demo.settings = demo.settings.model_copy(update=settings)
    transport = httpx.ASGITransport(app=create_app(demo, run_outbox_worker=False))
    base = settings.get("public_url", "http://t")
    async with httpx.AsyncClient(transport=transport, base_url=base) as client:
        done = await ui_login(client, key(demo, Role.ADMIN))
        cookie = done.headers["set-cookie"]
    assert ("; secure" in cookie.lower()) is secure
    assert "samesite=strict" in cookie.lower()
    assert "httponly" in cookie.lower()


async def test_pages_evidence_and_api_answers_carry_the_security_headers(app, demo) -> None:
    case = case_in(demo, "abuse_imagery", "dan")
    async with browser(app, key(demo, Role.MODERATOR)) as moderator:
        answers = {
            "queue": await moderator.get("/ui/queue"),
            "case": await moderator.get(f"/ui/cases/{case.case_id}"),
            "reveal": await moderator.post(
                f"/ui/cases/{case.case_id}/reveal/demo-upload-known", headers={"HX-Request": "1"}
            ),
            "api": await moderator.get("/v1/cases", headers=auth(key(demo, Role.MODERATOR))),
            "refused": await moderator.post("/ui/logout", headers={"Origin": SIBLING}),
        }
        static = await moderator.get("/ui/static/review.js")
    for name, answer in answers.items():
        headers = answer.headers
        assert headers["cache-control"] == "no-store", name
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "no-referrer", name
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, name
        assert "unsafe-inline" not in policy, name
        assert "unsafe-eval" not in policy, name
    assert "script-src 'self'" in answers["case"].headers["content-security-policy"]
    assert answers["api"].headers["content-security-policy"].startswith("default-src 'none'")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("cache-control", "")


async def test_asset_urls_do_not_come_from_the_host_header(app, demo) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        login = await client.get("/ui/login", headers={"Host": "evil.example"})
    assert "evil.example" not in login.text
    assert 'href="/ui/static/app.css"' in login.text


def test_no_template_has_inline_script_or_event_handlers() -> None:
    for template in TEMPLATES.rglob("*.html"):
        html = template.read_text()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all("src=" in tag for tag in scripts), template
        assert not re.search(r"\son[a-z]+\s*=", html), template
        assert "style=" not in html, template
        assert "javascript:" not in html, template
