"""Authority reports: complete for text-only grooming and for images, confirmed before sent."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.banks import Bank, HashType
from safeguarding.domain.errors import AccessDenied, Conflict
from safeguarding.domain.reports import NcaReferral, NcmecReport, ReportStatus, as_nca
from safeguarding.services.access import OPERATOR
from tests.conftest import build_container, make_settings
from tests.detectors.test_grooming import _seed_events
from tests.factories import BASE, benign_png, event, media
from tests.reviewing import claim_and_decide

MODERATOR = Principal(key_id="k", name="sam", role=Role.MODERATOR)
IMAGE = benign_png("reported")


def confirm_case_of(container: Container, event_id: str, by: Principal = MODERATOR) -> None:
    """Decide the case about ``event_id`` as confirmed: a report goes forward only after."""
    (case,) = [c for c in container.review.queue() if event_id in c.event_ids]
    claim_and_decide(container, case.case_id, by, "grooming_confirmed")


def a_confirmed_image_case(container: Container, image: bytes, event_id: str) -> None:
    """A banked image uploaded, its case opened by policy and decided as confirmed."""
    container.banks.create(Bank(name="known", created_at=BASE), "t")
    digest = hashlib.sha256(image).hexdigest()
    container.banks.import_hashes(
        "known", [(HashType.SHA256, digest)], source="s", licence="", actor="t"
    )
    container.ingest.ingest([event(media(data=image, event_id=event_id))], source="t")
    container.outbox.run_once(100)
    confirm_case_of(container, event_id)


def run_seed_case(container: Container) -> str:
    """The seed conversation through the live path; the id of the message that went high."""
    high = None
    for data in _seed_events():
        (result,) = container.ingest.ingest([event(data)], source="test")
        if any(s.kind == "grooming_risk_high" for s in result.decision.signals):
            high = result.event_id
    container.outbox.run_once(1000)
    assert high is not None
    return high


def test_a_text_only_grooming_report_is_complete(container) -> None:
    event_id = run_seed_case(container)
    (record,) = container.reports.list(OPERATOR)
    assert (record.event_id, record.status) == (event_id, ReportStatus.AWAITING_CONFIRMATION)
    report = container.reports.build(event_id, "default", OPERATOR)
    assert report.incident_type.value == "online_enticement_of_children"
    assert {(a.account_id, a.role, a.declared_age) for a in report.accounts} == {
        ("ryan", "suspect", 18),
        ("chloe", "child", 13),
    }
    assert report.complete() == []
    assert any("how old" in line.text for line in report.excerpt)
    ncmec = NcmecReport.model_validate(container.reports.package(event_id, "default", OPERATOR))
    assert ncmec.chat_transcript
    assert ncmec.reported_persons[0]["account_id"] == "ryan"
    nca = NcaReferral.model_validate(as_nca(report).model_dump(mode="json"))
    assert nca.communications
    assert nca.subjects[0]["account_id"] == "ryan"


def test_nothing_is_sent_before_a_moderator_confirms(container, tmp_path) -> None:
    event_id = run_seed_case(container)
    with pytest.raises(Conflict, match="as confirmed before its report"):
        container.reports.submit(event_id, "default", OPERATOR)
    platform = Principal(key_id="p", name="app", role=Role.PLATFORM)
    with pytest.raises(AccessDenied):
        container.reports.confirm(event_id, "default", platform)
    with pytest.raises(Conflict, match="as confirmed before its report"):
        container.reports.confirm(event_id, "default", MODERATOR)
    confirm_case_of(container, event_id)
    with pytest.raises(Conflict, match="confirms it before it is sent"):
        container.reports.submit(event_id, "default", OPERATOR)
    confirmed = container.reports.confirm(event_id, "default", MODERATOR)
    assert confirmed.confirmed_by == "moderator:sam"
    sent = container.reports.submit(event_id, "default", OPERATOR)
    written = Path(sent.destination or "")
    assert written.parent == container.settings.data_dir / "reports"
    assert json.loads(written.read_text())["report_id"] == f"default-{event_id}"
    with pytest.raises(Conflict):
        container.reports.confirm(event_id, "default", MODERATOR)
    with container.store.read() as uow:
        actions = [r.action for r in uow.audit.records() if r.action.startswith("report.")]
    assert actions == ["report.confirm", "report.submit"]  # no package was read


class _Receiver(BaseHTTPRequestHandler):
    """A local stand-in for a hotline's intake endpoint (a real HTTP server on a socket)."""

    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/intake"
    server.shutdown()
    server.server_close()


def test_an_image_report_is_posted_to_the_configured_endpoint(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path, receiver: str
) -> None:
    settings = make_settings(database_url, tmp_path, report_endpoint=receiver)
    container = build_container(pytestconfig, settings)
    digest = hashlib.sha256(IMAGE).hexdigest()
    try:
        a_confirmed_image_case(container, IMAGE, "img-1")
        container.reports.confirm("img-1", "default", MODERATOR)
        sent = container.reports.submit("img-1", "default", OPERATOR)
    finally:
        container.close()
    assert sent.destination == receiver
    (package,) = _Receiver.received[-1:]
    assert package["incident_summary"]["incident_type"] == "apparent_child_sexual_abuse_material"
    (file,) = package["files"]
    assert (file["sha256"], file["matched_bank"]) == (digest, "known")
    assert file["evidence_sha256"] == digest


@pytest.mark.anyio
async def test_the_report_flow_over_http(client, keys, container) -> None:
    from tests.conftest import auth

    event_id = run_seed_case(container)
    base = f"/v1/reports/default/{event_id}"
    listed = await client.get("/v1/reports", headers=auth(keys[Role.REGULATOR]))
    assert [r["status"] for r in listed.json()] == ["awaiting_confirmation"]
    early = await client.post(f"{base}/submit", headers=auth(keys[Role.MODERATOR]))
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    assert (
        await client.post(f"{base}/confirm", headers=auth(keys[Role.PLATFORM]))
    ).status_code == 403
    package = await client.get(base, headers=auth(keys[Role.MODERATOR]))
    assert package.json()["format"] == "ncmec-cybertipline-v1"
    early = await client.post(f"{base}/confirm", headers=auth(keys[Role.MODERATOR]))
    assert early.status_code == 409, "its case is not confirmed yet"
    confirm_case_of(container, event_id)
    confirmed = await client.post(f"{base}/confirm", headers=auth(keys[Role.MODERATOR]))
    assert confirmed.json()["status"] == "confirmed"
    sent = await client.post(f"{base}/submit", headers=auth(keys[Role.MODERATOR]))
    assert sent.json()["status"] == "submitted"
    container.reports.acknowledge(event_id, "default", "cli")
    assert container.reports.list(OPERATOR)[0].status is ReportStatus.ACKNOWLEDGED


def test_every_report_names_the_accountable_senior_manager(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, senior_manager="Dr A. Example, Head of Safety")
    named = build_container(pytestconfig, settings)
    try:
        event_id = run_seed_case(named)
        ncmec = NcmecReport.model_validate(named.reports.package(event_id, "default", OPERATOR))
        nca = as_nca(named.reports.build(event_id, "default", OPERATOR))
    finally:
        named.close()
    assert ncmec.reporter["accountable_manager"] == "Dr A. Example, Head of Safety"
    assert nca.accountable_manager == "Dr A. Example, Head of Safety"
