"""The audit log's vocabulary: ``AuditAction`` names every action written, ``AuditSubject``
renders the subjects as the log has always held them, and only the auditor appends.

A stored chain hashes each record's action and subject, and the docs name them, so the
strings must not change when the code that writes them does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.audit_actions import AuditAction, AuditSubject, Listing
from tests.web.conftest import case_in, key
from tests.web.session import browser

SRC = Path(__file__).parents[2] / "src" / "safeguarding"
pytestmark = pytest.mark.anyio


def test_subjects_render_the_strings_the_log_has_always_held() -> None:
    rendered = {
        AuditSubject.case("case_1"): "case_1",
        AuditSubject.event("e-1"): "e-1",
        AuditSubject.events(3): "3 events",
        AuditSubject.decisions(2, "e-1"): "2 event(s) from e-1",
        AuditSubject.decision("e-1"): "decision:e-1",
        AuditSubject.evidence_record("e-1"): "evidence record e-1",
        AuditSubject.policy(4): "policy:v4",
        AuditSubject.rule("no_adult_dm"): "rule:no_adult_dm",
        AuditSubject.key("k1"): "key:k1",
        AuditSubject.bank("csam"): "csam",
        AuditSubject.bank_read("csam"): "bank:csam",
        AuditSubject.information_request("irq_1"): "irq_1",
        AuditSubject.risk_assessment(2): "risk_assessment:v2",
        AuditSubject.checkpoint(9): "audit:9",
        AuditSubject.page("risk.export"): "ui:risk.export",
        AuditSubject.transparency("api", "2026-01-01", "2026-01-31"): (
            "api:transparency 2026-01-01..2026-01-31"
        ),
        AuditSubject.transparency("ui", "2026-01-01", "2026-01-31", "csv"): (
            "ui:transparency.csv 2026-01-01..2026-01-31"
        ),
        AuditSubject.of(Listing.AUTHORITY_REPORTS): "authority reports",
        AuditSubject.of(Listing.DECISION_SAMPLES): "decision_samples",
        AuditSubject.of(Listing.INFORMATION_REQUESTS): "information_requests",
    }
    assert {subject: str(subject) for subject in rendered} == rendered


def _source(skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        str(path.relative_to(SRC)): path.read_text()
        for path in SRC.rglob("*.py")
        if not str(path.relative_to(SRC)).startswith(skip)
    }


def test_every_action_is_written_somewhere_and_none_as_a_bare_string() -> None:
    code = _source(skip=("domain/audit_actions.py",))
    text = "\n".join(code.values())
    unused = [a.name for a in AuditAction if f"AuditAction.{a.name}" not in text]
    assert unused == [], "actions no code writes: drop them or write them through the auditor"
    # The dotted ones: "decisions" is also a details key.
    dotted = "|".join(re.escape(a.value) for a in AuditAction if "." in a.value)
    literal = re.compile(rf"""["']({dotted})["']""")
    bare = {
        name: sorted(set(literal.findall(body)))
        for name, body in code.items()
        if name.startswith("services/") and literal.search(body)
    }
    assert bare == {}, "services name audit actions through AuditAction, never as strings"


def test_only_the_auditor_appends_to_the_log() -> None:
    code = _source(skip=("adapters/storage/", "ports/"))
    appending = sorted(name for name, body in code.items() if ".audit.append(" in body)
    assert appending == ["services/auditor.py"]


async def test_what_the_service_writes_is_named_by_the_enum(demo: Container, app: object) -> None:
    """A regulator's and a moderator's visits through the web UI, over the demo's ingest and
    outbox, write only actions of the enum; the regulator's page reads keep their subjects."""
    async with browser(app, key(demo, Role.REGULATOR)) as regulator:
        for path in ("/ui/regulator", "/ui/risk", "/ui/compliance", "/ui/regulator/policy"):
            assert (await regulator.get(path)).status_code == 200, path
    case = case_in(demo, "grooming", "newacct_88")
    async with browser(app, key(demo, Role.MODERATOR)) as moderator:
        assert (await moderator.get(f"/ui/cases/{case.case_id}")).status_code == 200
        claimed = await moderator.post(f"/ui/cases/{case.case_id}/claim")
        assert claimed.status_code == 303
    with demo.store.read() as uow:
        records = list(uow.audit.records())
    assert {r.action for r in records} <= {a.value for a in AuditAction}
    written = {r.action for r in records}
    assert {"decisions", "session.start", "case.view", "case.claim", "regulator.read"} <= written
    reads = {r.subject for r in records if r.action == AuditAction.REGULATOR_READ}
    assert {"ui:overview", "ui:risk", "ui:compliance", "ui:policy"} <= reads


def test_no_adapter_records_a_read_itself() -> None:
    """Routes and pages say who reads what (``auditor.Read``, the one name they may import from
    the auditor); the service that reads records it, in its own transaction. An adapter that
    wrote the record could forget it, or keep it for a read that then failed."""
    imports = re.compile(
        r"from safeguarding\.services(?:\.auditor import ([^\n]+)| import auditor)"
    )
    writes = re.compile(r"regulator_read\(|\.audit\.append\(")
    recording = sorted(
        name
        for name, body in _source(skip=()).items()
        if name.startswith("adapters/")
        and (writes.search(body) or any(m != "Read" for m in imports.findall(body)))
    )
    assert recording == []


async def test_a_regulators_read_is_kept_with_the_read_and_only_if_it_succeeds(
    client, keys, container: Container
) -> None:
    regulator = {"Authorization": f"Bearer {keys[Role.REGULATOR]}"}
    admin = {"Authorization": f"Bearer {keys[Role.ADMIN]}"}
    assert (
        await client.post("/v1/banks", json={"name": "read-me"}, headers=admin)
    ).status_code == 201
    assert (await client.get("/v1/banks/read-me", headers=regulator)).status_code == 200
    assert (await client.get("/v1/banks/not-there", headers=regulator)).status_code == 404
    assert (
        await client.get("/v1/events/not-stored/decision", headers=regulator)
    ).status_code == 404
    assert (await client.get("/v1/banks/read-me", headers=admin)).status_code == 200
    with container.store.read() as uow:
        reads = [
            (r.actor, r.subject)
            for r in uow.audit.records()
            if r.action == AuditAction.REGULATOR_READ.value
        ]
    assert reads == [("regulator:test-regulator", str(AuditSubject.bank_read("read-me")))]
