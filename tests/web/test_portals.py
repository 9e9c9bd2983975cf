"""The regulator's portal and the advocacy pages in-process: what each shows, what each
refuses, and that the regulator's visits are audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from safeguarding.domain.access import Principal, Role
from tests.web.conftest import audit, key
from tests.web.session import browser

ADMIN = Principal(key_id="a", name="root", role=Role.ADMIN)

pytestmark = pytest.mark.anyio


async def test_the_regulator_portal_pages_are_read_only_and_audited(app, demo) -> None:
    async with browser(app, key(demo, Role.REGULATOR)) as regulator:
        for path in ("/ui/regulator", "/ui/regulator/policy", "/ui/regulator/samples",
                     "/ui/regulator/complaints", "/ui/regulator/requests"):  # fmt: skip
            shown = await regulator.get(path)
            assert shown.status_code == 200, path
        # All of the demo's actioned decisions (about 20, drawn at random when fewer are
        # asked for: the default of 20 sometimes left the matched upload out).
        samples = (await regulator.get("/ui/regulator/samples?n=200")).text
        assert "known-abuse-image" in samples
        assert "dan" not in re.sub(r"<[^>]+>", " ", samples).split()
        policy = (await regulator.get("/ui/regulator/policy")).text
        assert "adult-contact-with-unconnected-child" in policy
    looked = {subject for _, subject, _ in audit(demo, "regulator.read")}
    assert {"ui:overview", "ui:policy", "decision_samples", "super_complaints"} <= looked


async def test_the_regulator_files_a_request_from_the_portal(app, demo) -> None:
    deadline = (datetime.now(UTC) + timedelta(days=14)).strftime("%Y-%m-%d")
    form = {
        "question": "How many grooming cases missed their deadline in October?",
        "legal_basis": "Online Safety Act 2023, s.100",
        "deadline": deadline,
        "event_ids": "demo-upload-known, demo-msg-023",
    }
    async with browser(app, key(demo, Role.REGULATOR)) as regulator:
        bad_date = await regulator.post("/ui/regulator/requests", data=form | {"deadline": "soon"})
        assert bad_date.status_code == 422
        assert "not a date" in bad_date.text
        past = await regulator.post(
            "/ui/regulator/requests", data=form | {"deadline": "2020-01-01"}
        )
        assert past.status_code == 422
        assert demo.information_requests.list(ADMIN) == []
        filed = await regulator.post("/ui/regulator/requests", data=form)
        assert filed.status_code == 303
        listed = (await regulator.get("/ui/regulator/requests")).text
    (request,) = demo.information_requests.list(ADMIN)
    assert request.event_ids == ("demo-upload-known", "demo-msg-023")
    assert request.deadline.strftime("%Y-%m-%d") == deadline
    assert "How many grooming cases" in listed


async def test_an_advocate_files_a_super_complaint_with_evidence(app, demo) -> None:
    form = {
        "title": "Children's reports wait too long",
        "description": "Reports by children about adults asking their age wait days. " * 2,
        "harms": "grooming",
    }
    files = {"files": ("figures.csv", b"month,waiting\n2026-10,31\n", "text/csv")}
    async with browser(app, key(demo, Role.ADVOCATE)) as advocate:
        short = await advocate.post(
            "/ui/advocate/super-complaints", data=form | {"description": "short"}, files=files
        )
        assert short.status_code == 422
        filed = await advocate.post("/ui/advocate/super-complaints", data=form, files=files)
        assert filed.status_code == 303
        page = (await advocate.get("/ui/advocate")).text
        assert "Children&#39;s reports wait too long" in page
        assert "figures.csv" in page
        assert "awaiting a response" in page
        refused = await advocate.get("/ui/regulator")
        assert refused.status_code == 403
    (filed_one,) = demo.super_complaints.list(ADMIN)
    assert filed_one.attachments[0].size == len(b"month,waiting\n2026-10,31\n")


async def test_other_roles_cannot_open_the_portal(app, demo) -> None:
    async with browser(app, key(demo, Role.MODERATOR)) as moderator:
        for path in ("/ui/regulator", "/ui/regulator/samples", "/ui/advocate"):
            assert (await moderator.get(path)).status_code == 403
        posted = await moderator.post("/ui/regulator/requests", data={"question": "x"})
        assert posted.status_code == 403


async def test_an_admin_answers_a_request_and_a_super_complaint_from_the_ui(app, demo) -> None:
    regulator = Principal(key_id="r", name="ofcom", role=Role.REGULATOR)
    filed = demo.information_requests.file(
        regulator,
        "Send the October figures for grooming cases.",
        "Online Safety Act 2023, s.100",
        datetime.now(UTC) + timedelta(days=5),
        (),
    )
    advocate = Principal(key_id="v", name="voices", role=Role.ADVOCATE)
    body = demo.super_complaints.file(advocate, "Slow review of reports", "d" * 60, [])
    async with browser(app, key(demo, Role.ADMIN)) as admin:
        page = (await admin.get("/ui/admin/requests")).text
        assert "Send the October figures" in page
        assert "Slow review of reports" in page
        answered = await admin.post(
            f"/ui/admin/requests/{filed.request_id}/answer",
            data={"response": "Attached."},
            files={"files": ("october.csv", b"cases,missed\n12,1\n", "text/csv")},
        )
        assert answered.status_code == 303
        terse = await admin.post(
            f"/ui/admin/super-complaints/{body.super_complaint_id}/response",
            data={"status": "responded", "response": "No."},
        )
        assert terse.status_code == 422
        reviewing = await admin.post(
            f"/ui/admin/super-complaints/{body.super_complaint_id}/response",
            data={"status": "under_review"},
        )
        assert reviewing.status_code == 303
    (request,) = demo.information_requests.list(ADMIN)
    assert request.status.value == "answered"
    assert request.attachments[0].name == "october.csv"
    (super_complaint,) = demo.super_complaints.list(ADMIN)
    assert super_complaint.status.value == "under_review"
