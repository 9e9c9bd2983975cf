"""NCMEC CyberTipline: a confirmed report goes as XML through /submit, /upload, /fileinfo and
/finish to a local fake of the reporting API, which checks each document against the
structure of NCMEC's published schema, written down here from the public documentation
(https://report.cybertip.org/ispws/documentation): elements in the schema's order, the
required ones present, NCMEC's enumerations for incident types, IP events and file
classifications. The UK NCA package stays JSON, beside it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import httpx
import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.reports import as_nca
from safeguarding.services.access import OPERATOR
from safeguarding.settings import Settings
from tests.conftest import auth, make_settings
from tests.factories import benign_png
from tests.servers import serving
from tests.services.test_reporting import a_confirmed_image_case, confirm_case_of, run_seed_case

pytestmark = pytest.mark.anyio
USER, PASSWORD = "esp-test", "tipline-password"
IMAGE = benign_png("cybertipline")
MANY = 1_000

# -- the schema's structure, from NCMEC's public documentation ------------------------------
# Each complex element: its children in the schema's order, with (least, most) occurrences.
PERSON = [
    ("firstName", 0, 1), ("lastName", 0, 1), ("phone", 0, MANY), ("email", 0, MANY),
    ("address", 0, MANY), ("age", 0, 1), ("dateOfBirth", 0, 1),
]  # fmt: skip
IP_EVENT = [
    ("ipAddress", 1, 1), ("eventName", 0, 1), ("dateTime", 0, 1), ("possibleProxy", 0, 1),
    ("port", 0, 1),
]  # fmt: skip
ACCOUNT = [
    ("espIdentifier", 0, 1), ("espService", 0, 1), ("compromisedAccount", 0, 1),
    ("screenName", 0, 1), ("displayName", 0, MANY), ("profileUrl", 0, MANY),
    ("profileBio", 0, 1), ("ipCaptureEvent", 0, MANY), ("deviceId", 0, MANY),
]  # fmt: skip
STRUCTURE: dict[str, list[tuple[str, int, int]]] = {
    "report": [
        ("batchedReport", 0, 1), ("incidentSummary", 1, 1), ("internetDetails", 1, MANY),
        ("lawEnforcement", 0, 1), ("reporter", 1, 1), ("personOrUserReported", 0, 1),
        ("intendedRecipient", 0, MANY), ("victim", 0, MANY), ("additionalInfo", 0, 1),
    ],
    "incidentSummary": [
        ("incidentType", 1, 1), ("platform", 0, 1), ("escalateToHighPriority", 0, 1),
        ("reportAnnotations", 0, 1), ("incidentDateTime", 1, 1),
        ("incidentDateTimeDescription", 0, 1),
    ],
    "chatImIncident": [
        ("chatClient", 0, 1), ("chatRoomName", 0, 1), ("content", 0, 1), ("additionalInfo", 0, 1),
    ],
    "reporter": [
        ("reportingPerson", 1, 1), ("contactPerson", 0, 1), ("companyTemplate", 0, 1),
        ("termsOfService", 0, 1), ("legalURL", 0, 1),
    ],
    "reportingPerson": [(n, 1 if n == "email" else lo, hi) for n, lo, hi in PERSON],
    "personOrUserReportedPerson": PERSON,
    "victimPerson": PERSON,
    "personOrUserReported": [
        ("personOrUserReportedPerson", 0, 1), ("vehicleDescription", 0, 1), *ACCOUNT,
        ("thirdPartyUserReported", 0, 1), ("priorCTReports", 0, MANY), ("groupIdentifier", 0, 1),
        ("accountTemporarilyDisabled", 0, 1), ("accountPermanentlyDisabled", 0, 1),
        ("estimatedLocation", 0, 1), ("allEmailsReported", 0, 1), ("associatedAccount", 0, MANY),
        ("additionalInfo", 0, 1),
    ],
    "victim": [
        ("victimPerson", 1, 1), *ACCOUNT, ("schoolName", 0, 1), ("priorCTReports", 0, MANY),
        ("accountTemporarilyDisabled", 0, 1), ("accountPermanentlyDisabled", 0, 1),
        ("estimatedLocation", 0, 1), ("allEmailsReported", 0, 1), ("associatedAccount", 0, MANY),
        ("additionalInfo", 0, 1),
    ],
    "ipCaptureEvent": IP_EVENT,
    "fileDetails": [
        ("reportId", 1, 1), ("fileId", 1, 1), ("fileName", 0, 1), ("originalFileName", 0, 1),
        ("uploadedToEspTimestamp", 0, 1), ("locationOfFile", 0, 1), ("fileViewedByEsp", 0, 1),
        ("exifViewedByEsp", 0, 1), ("publiclyAvailable", 0, 1), ("fileRelevance", 0, 1),
        ("potentialMeme", 0, 1), ("fileAnnotations", 0, 1), ("industryClassification", 0, 1),
        ("originalFileHash", 0, MANY), ("ipCaptureEvent", 0, 1), ("deviceId", 0, MANY),
        ("details", 0, MANY), ("additionalInfo", 0, MANY),
    ],
}  # fmt: skip
# internetDetails holds exactly one incident of these kinds.
INCIDENTS = {
    "webPageIncident", "emailIncident", "newsgroupIncident", "chatImIncident",
    "onlineGamingIncident", "cellPhoneIncident", "nonInternetIncident", "peer2peerIncident",
}  # fmt: skip
DATE_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"
TEXT: dict[str, str] = {
    "incidentType": "Child Pornography \\(possession, manufacture, and distribution\\)|"
    "Child Sex Trafficking|Child Sex Tourism|Child Sexual Molestation|Misleading Domain Name|"
    "Misleading Words or Digital Images on the Internet|"
    "Online Enticement of Children for Sexual Acts|Unsolicited Obscene Material Sent to a Child",
    "incidentDateTime": DATE_TIME,
    "dateTime": DATE_TIME,
    "eventName": "Login|Registration|Purchase|Upload|Other|Unknown",
    "age": r"\d{1,3}",
    "reportId": r"\d+",
    "fileViewedByEsp": "true|false",
    "industryClassification": "A1|A2|B1|B2",
    "originalFileHash": "[0-9a-fA-F]+",
    "email": r"[^@\s]+@[^@\s]+",
}


def schema_problems(element: ET.Element) -> list[str]:
    """What in ``element`` (and below) breaks the schema's structure; empty when valid."""
    problems = _text_problems(element)
    if element.tag == "internetDetails":
        kinds = [child.tag for child in element]
        if len(kinds) != 1 or kinds[0] not in INCIDENTS:
            problems.append(f"internetDetails holds {kinds}, not one incident")
    elif element.tag in STRUCTURE:
        problems += _sequence_problems(element, STRUCTURE[element.tag])
    for child in element:
        problems += schema_problems(child)
    return problems


def _text_problems(element: ET.Element) -> list[str]:
    pattern = TEXT.get(element.tag)
    if pattern is None or re.fullmatch(pattern, element.text or ""):
        if element.tag == "originalFileHash" and not element.get("hashType"):
            return ["originalFileHash without its hashType"]
        return []
    return [f"{element.tag} = {element.text!r} is not of the schema's type"]


def _sequence_problems(element: ET.Element, sequence: list[tuple[str, int, int]]) -> list[str]:
    order = [name for name, _, _ in sequence]
    tags = [child.tag for child in element]
    problems = [f"{element.tag} may not hold {t}" for t in tags if t not in order]
    known = [order.index(t) for t in tags if t in order]
    if known != sorted(known):
        problems.append(f"{element.tag}'s children {tags} are out of the schema's order")
    for name, least, most in sequence:
        if not least <= tags.count(name) <= most:
            problems.append(f"{element.tag} holds {tags.count(name)} {name}")
    return problems


# -- a fake of the reporting API ------------------------------------------------------------
class FakeCyberTipline(BaseHTTPRequestHandler):
    """Answers as the reporting API does, after checking what it received."""

    steps: ClassVar[list[str]] = []
    problems: ClassVar[list[str]] = []
    documents: ClassVar[dict[str, ET.Element]] = {}
    uploads: ClassVar[dict[str, bytes]] = {}
    refuse: ClassVar[str] = ""  # a step to answer with a non-zero responseCode

    def do_POST(self) -> None:
        step = self.path.rsplit("/", 1)[-1]
        FakeCyberTipline.steps.append(step)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers["Authorization"] != expected:
            self._answer(401, "reportResponse", {"responseCode": "1000"})
        elif step == FakeCyberTipline.refuse:
            self._answer(200, "reportResponse", {"responseCode": "4100"})
        elif hasattr(self, f"_{step}"):
            getattr(self, f"_{step}")(body)
        else:
            self._answer(404, "reportResponse", {"responseCode": "1000"})

    def _xml(self, body: bytes, root: str) -> ET.Element:
        assert self.headers["Content-Type"].startswith("text/xml")
        document = ET.fromstring(body)
        if document.tag != root:
            FakeCyberTipline.problems.append(f"/{root}: root is {document.tag}")
        FakeCyberTipline.problems.extend(schema_problems(document))
        FakeCyberTipline.documents[root] = document
        return document

    def _submit(self, body: bytes) -> None:
        self._xml(body, "report")
        self._answer(200, "reportResponse", {"responseCode": "0", "reportId": "4242"})

    def _upload(self, body: bytes) -> None:
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        form = BytesParser(policy=HTTP).parsebytes(head + body)
        parts = {p.get_param("name", header="content-disposition"): p for p in form.iter_parts()}
        assert parts["id"].get_content() == "4242"
        content = parts["file"].get_payload(decode=True)
        FakeCyberTipline.uploads["file-1"] = content
        md5 = hashlib.md5(content).hexdigest()
        fields = {"responseCode": "0", "reportId": "4242", "fileId": "file-1", "hash": md5}
        self._answer(200, "reportResponse", fields)

    def _fileinfo(self, body: bytes) -> None:
        details = self._xml(body, "fileDetails")
        assert (details.findtext("reportId"), details.findtext("fileId")) == ("4242", "file-1")
        self._answer(200, "reportResponse", {"responseCode": "0", "reportId": "4242"})

    def _finish(self, body: bytes) -> None:
        assert parse_qs(body.decode()) == {"id": ["4242"]}
        self._answer(200, "reportDoneResponse", {"responseCode": "0", "reportId": "4242"})

    def _retract(self, body: bytes) -> None:
        self._answer(200, "reportResponse", {"responseCode": "0", "reportId": "4242"})

    def _answer(self, status: int, root: str, fields: dict[str, str]) -> None:
        document = ET.Element(root)
        for name, value in fields.items():
            ET.SubElement(document, name).text = value
        raw = ET.tostring(document)
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tipline() -> Iterator[str]:
    FakeCyberTipline.steps, FakeCyberTipline.problems = [], []
    FakeCyberTipline.documents, FakeCyberTipline.uploads = {}, {}
    FakeCyberTipline.refuse = ""
    with serving(FakeCyberTipline) as base_url:
        yield f"{base_url}/ispws"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, tipline: str) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        ncmec_url=tipline,
        ncmec_username=USER,
        ncmec_password=PASSWORD,
        report_contact_email="safety@example.org",
        senior_manager="Alex Example, Head of Safety",
        organisation="Example Chat",
    )


def an_image_report(container: Container) -> str:
    a_confirmed_image_case(container, IMAGE, "img-ct")
    return "img-ct"


async def submit(client: httpx.AsyncClient, keys: dict[Role, str], event_id: str) -> httpx.Response:
    base = f"/v1/reports/default/{event_id}"
    confirmed = await client.post(f"{base}/confirm", headers=auth(keys[Role.MODERATOR]))
    assert confirmed.status_code == 200, confirmed.text
    return await client.post(f"{base}/submit", headers=auth(keys[Role.MODERATOR]))


async def test_an_image_report_goes_through_the_four_steps_valid_against_the_schema(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    sent = await submit(client, keys, an_image_report(container))
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "submitted"
    assert FakeCyberTipline.steps == ["submit", "upload", "fileinfo", "finish"]
    assert FakeCyberTipline.problems == []
    report = FakeCyberTipline.documents["report"]
    assert report.findtext("incidentSummary/incidentType", "").startswith("Child Pornography")
    assert report.findtext("reporter/reportingPerson/email") == "safety@example.org"
    assert report.findtext("reporter/reportingPerson/lastName") == "Example"
    assert report.find("internetDetails/chatImIncident") is not None
    assert report.findtext("personOrUserReported/espIdentifier") == "adult1"
    assert FakeCyberTipline.uploads["file-1"] == IMAGE
    details = FakeCyberTipline.documents["fileDetails"]
    hashes = {h.get("hashType"): h.text for h in details.iter("originalFileHash")}
    assert hashes["SHA256"] == hashlib.sha256(IMAGE).hexdigest()
    assert details.findtext("fileViewedByEsp") == "false"  # nobody revealed or read it
    with container.store.read() as uow:
        (audit,) = [r for r in uow.audit.records() if r.action == "report.submit"]
    assert audit.details["files_sent"] == [hashlib.sha256(IMAGE).hexdigest()]


async def test_a_grooming_report_carries_the_chat_and_the_child(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    event_id = run_seed_case(container)
    confirm_case_of(container, event_id)
    sent = await submit(client, keys, event_id)
    assert sent.status_code == 200, sent.text
    assert FakeCyberTipline.steps == ["submit", "finish"]
    assert FakeCyberTipline.problems == []
    report = FakeCyberTipline.documents["report"]
    assert report.findtext("incidentSummary/incidentType") == (
        "Online Enticement of Children for Sexual Acts"
    )
    assert "how old" in report.findtext("internetDetails/chatImIncident/content", "")
    assert report.findtext("personOrUserReported/espIdentifier") == "ryan"
    assert report.findtext("victim/espIdentifier") == "chloe"
    assert report.findtext("victim/victimPerson/age") == "13"


async def test_a_refused_step_retracts_the_report_and_leaves_it_confirmed(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    event_id = an_image_report(container)
    FakeCyberTipline.refuse = "upload"
    sent = await submit(client, keys, event_id)
    assert sent.status_code == 502
    assert sent.headers["content-type"].startswith("application/problem+json")
    assert "refused /upload" in sent.json()["detail"]
    assert FakeCyberTipline.steps == ["submit", "upload", "retract"]
    listed = await client.get("/v1/reports", headers=auth(keys[Role.MODERATOR]))
    assert [r["status"] for r in listed.json()] == ["confirmed"]


def test_an_nca_package_goes_to_the_default_sender_not_the_tipline(container: Container) -> None:
    event_id = run_seed_case(container)
    report = container.reports.build(event_id, "default", OPERATOR)
    destination = container.reports.sender.send("nca-x", as_nca(report).model_dump(mode="json"))
    assert destination.endswith("nca-x.json")
    assert FakeCyberTipline.steps == []


async def test_a_file_someone_read_is_reported_as_viewed(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container
) -> None:
    event_id = an_image_report(container)
    read = await client.post(
        f"/v1/evidence/{event_id}/read",
        json={"reason": "confirming the match before reporting"},
        headers=auth(keys[Role.ADMIN]),
    )
    assert read.status_code == 200, read.text
    sent = await submit(client, keys, event_id)
    assert sent.status_code == 200, sent.text
    assert FakeCyberTipline.documents["fileDetails"].findtext("fileViewedByEsp") == "true"
