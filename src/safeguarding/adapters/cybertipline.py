"""NCMEC's CyberTipline reporting API: a confirmed package as XML, sent in four steps.

The XML follows the structure of NCMEC's published schema (``report`` and ``fileDetails``,
elements in the schema's order): ``incidentSummary`` with NCMEC's incident types,
``internetDetails/chatImIncident`` carrying the conversation excerpt, ``reporter/
reportingPerson``, one ``personOrUserReported`` (the first suspect; others are named in its
``additionalInfo``), a ``victim`` per child, and per file a ``fileDetails`` with
``originalFileHash``, ``fileViewedByEsp`` and, when known, ``industryClassification``.

Sending is ``/submit`` (the report; NCMEC answers its report id), ``/upload`` (each preserved
file, multipart ``id`` and ``file``), ``/fileinfo`` (each file's details) and ``/finish``. A
failure after ``/submit`` retracts the report (``/retract``) so no half report stays open.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from safeguarding.domain.errors import InvalidInput, UpstreamRefused
from safeguarding.settings import Settings
from safeguarding.urls import endpoint_problem

RECEIVER = "NCMEC CyberTipline"
# Our incident types (domain.reports.IncidentType) as NCMEC names them.
INCIDENT_TYPES = {
    "apparent_child_sexual_abuse_material": (
        "Child Pornography (possession, manufacture, and distribution)"
    ),
    "online_enticement_of_children": "Online Enticement of Children for Sexual Acts",
}
# Our hash names as NCMEC's originalFileHash@hashType.
HASH_TYPES = {"md5": "MD5", "sha256": "SHA256", "pdq": "PDQ"}


@dataclass(frozen=True)
class ReportingContact:
    """Who reports: the reportingPerson (email required by NCMEC) and the service's name."""

    email: str
    first_name: str = ""
    last_name: str = ""
    service: str = ""


def _add(parent: ET.Element, tag: str, value: object = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if value is not None:
        child.text = str(value).lower() if isinstance(value, bool) else str(value)
    return child


def _add_if(parent: ET.Element, tag: str, value: object) -> None:
    if value not in (None, "", [], ()):
        _add(parent, tag, value)


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def report_xml(package: Mapping[str, Any], contact: ReportingContact) -> bytes:
    """The ``report`` document of a confirmed ``ncmec-cybertipline-v1`` package."""
    root = ET.Element("report")
    _incident_summary(root, package["incident_summary"])
    _chat_incident(_add(root, "internetDetails"), package, contact)
    person = _add(_add(root, "reporter"), "reportingPerson")
    _add_if(person, "firstName", contact.first_name)
    _add_if(person, "lastName", contact.last_name)
    _add(person, "email", contact.email)
    suspects = list(package.get("reported_persons", []))
    if suspects:
        _reported_person(root, suspects[0], suspects[1:], contact.service)
    for child in package.get("victims", []):
        _victim(root, child, contact.service)
    notes = [f"Reporter's reference: {package['report_id']}", *package.get("additional_info", [])]
    _add(root, "additionalInfo", "\n".join(notes))
    return _document(root)


def _incident_summary(root: ET.Element, summary: Mapping[str, str]) -> None:
    ours = summary["incident_type"]
    if ours not in INCIDENT_TYPES:
        raise InvalidInput(f"the incident type {ours!r} has no CyberTipline equivalent")
    element = _add(root, "incidentSummary")
    _add(element, "incidentType", INCIDENT_TYPES[ours])
    _add(element, "incidentDateTime", summary["incident_date_time"])


def _chat_incident(
    details: ET.Element, package: Mapping[str, Any], contact: ReportingContact
) -> None:
    chat = _add(details, "chatImIncident")
    _add_if(chat, "chatClient", contact.service)
    lines = package.get("chat_transcript", [])
    transcript = "\n".join(f"[{x['sent_at']}] {x['sender']}: {x['text']}" for x in lines)
    _add_if(chat, "content", transcript)
    if not lines:
        _add(chat, "additionalInfo", "No messages: the incident is the files reported.")


def _person(parent: ET.Element, tag: str, account: Mapping[str, Any]) -> None:
    element = _add(parent, tag)
    _add_if(element, "age", account.get("declared_age"))


def _age_facts(account: Mapping[str, Any]) -> str:
    facts = [f"age band {account.get('age_band', 'unknown')}"]
    if account.get("declared_age") is not None:
        facts.append(f"declared age {account['declared_age']}")
    if account.get("age_assurance"):
        facts.append(f"age assurance by {account['age_assurance']}")
    return "; ".join(facts)


def _ip_events(parent: ET.Element, events: Iterable[Mapping[str, Any]]) -> None:
    for event in events:
        element = _add(parent, "ipCaptureEvent")
        _add(element, "ipAddress", event["ip_address"])
        _add_if(element, "eventName", event.get("event_name"))
        _add_if(element, "dateTime", event.get("date_time"))


def _account(element: ET.Element, account: Mapping[str, Any], service: str) -> None:
    """What the schema's person-or-user and victim share, in its order."""
    _add(element, "espIdentifier", account["account_id"])
    _add_if(element, "espService", service)
    _add_if(element, "screenName", account.get("screen_name"))
    _ip_events(element, account.get("ip_capture_events", []))


def _reported_person(
    root: ET.Element,
    suspect: Mapping[str, Any],
    others: list[Mapping[str, Any]],
    service: str,
) -> None:
    element = _add(root, "personOrUserReported")
    _person(element, "personOrUserReportedPerson", suspect)
    _account(element, suspect, service)
    notes = [_age_facts(suspect)]
    notes += [f"Also reported: account {o['account_id']} ({_age_facts(o)})" for o in others]
    _add(element, "additionalInfo", "\n".join(notes))


def _victim(root: ET.Element, child: Mapping[str, Any], service: str) -> None:
    element = _add(root, "victim")
    _person(element, "victimPerson", child)
    _account(element, child, service)
    _add(element, "additionalInfo", _age_facts(child))


def file_details_xml(report_id: str, file_id: str, file: Mapping[str, Any]) -> bytes:
    """The ``fileDetails`` document for one uploaded file of a package."""
    root = ET.Element("fileDetails")
    _add(root, "reportId", report_id)
    _add(root, "fileId", file_id)
    _add(root, "fileName", file_name(file))
    _add_if(root, "fileViewedByEsp", file.get("viewed_by_esp"))
    _add_if(root, "industryClassification", file.get("industry_classification"))
    for ours, theirs in HASH_TYPES.items():
        if file.get(ours):
            _add(root, "originalFileHash", file[ours]).set("hashType", theirs)
    notes = [f"Event {file['event_id']}, sent {file['sent_at']}"]
    if file.get("matched_bank"):
        notes.append(f"Matched the hash bank {file['matched_bank']}")
    for note in notes:
        _add(root, "additionalInfo", note)
    return _document(root)


def file_name(file: Mapping[str, Any]) -> str:
    return f"{file['event_id']}.{file.get('kind', 'file')}"


class CyberTiplineSender:
    """Submits confirmed NCMEC packages to the CyberTipline API (Basic auth, https only)."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        contact: ReportingContact,
        timeout: float = 60.0,
        allow_insecure: bool = False,
    ) -> None:
        problem = endpoint_problem(base_url, allow_insecure)
        if problem:
            raise InvalidInput(f"the CyberTipline URL {problem}")
        self.base_url = base_url.rstrip("/")
        self.contact = contact
        self.client = httpx.Client(
            base_url=self.base_url,
            auth=(username, password),
            timeout=timeout,
            follow_redirects=False,
        )

    def wants_files(self, package: dict[str, Any]) -> bool:
        return True  # each preserved file is uploaded with its details

    def withdraw(self, name: str) -> bool:
        return False  # submitted to the CyberTipline; nothing is kept here

    def send(
        self, name: str, package: dict[str, Any], files: Mapping[str, bytes] | None = None
    ) -> str:
        files = files or {}
        if package.get("format") != "ncmec-cybertipline-v1":
            raise InvalidInput(f"{name} is not an NCMEC package; the CyberTipline takes none other")
        report_id = self._call("/submit", content=report_xml(package, self.contact))["reportId"]
        try:
            for file in package.get("files", []):
                content = files.get(str(file.get("evidence_sha256")))
                if content is not None:
                    self._send_file(report_id, file, content)
            self._call("/finish", data={"id": report_id})
        except Exception:
            self.client.post("/retract", data={"id": report_id})
            raise
        return f"{self.base_url} report {report_id}"

    def _send_file(self, report_id: str, file: Mapping[str, Any], content: bytes) -> None:
        upload = {"file": (file_name(file), content, "application/octet-stream")}
        file_id = self._call("/upload", data={"id": report_id}, files=upload)["fileId"]
        self._call("/fileinfo", content=file_details_xml(report_id, file_id, file))

    def _call(self, path: str, **request: Any) -> dict[str, str]:
        headers = {"Content-Type": "text/xml; charset=utf-8"} if "content" in request else None
        answer = self.client.post(path, headers=headers, **request)
        try:
            found = {e.tag: (e.text or "") for e in ET.fromstring(answer.content)}
        except ET.ParseError:
            found = {}
        code = found.get("responseCode", "")
        if answer.status_code != 200 or code != "0":
            raise UpstreamRefused(
                f"the {RECEIVER} refused {path} (HTTP {answer.status_code}, code {code or '-'}): "
                f"{found.get('responseDescription', '')}".rstrip(": "),
                RECEIVER,
            )
        return found

    def close(self) -> None:
        self.client.close()


def sender_from_settings(settings: Settings, url: str) -> CyberTiplineSender:
    """The CyberTipline API client; its credentials and contact email are all required."""
    needed = {
        "SAFEGUARDING_NCMEC_USERNAME": settings.ncmec_username,
        "SAFEGUARDING_NCMEC_PASSWORD": settings.ncmec_password,
        "SAFEGUARDING_REPORT_CONTACT_EMAIL": settings.report_contact_email,
    }
    missing = [name for name, value in needed.items() if not value]
    if missing or settings.ncmec_password is None:
        raise InvalidInput(f"SAFEGUARDING_NCMEC_URL is set but {', '.join(missing)} is not")
    name = settings.senior_manager.split(",")[0].strip()
    first, _, last = name.rpartition(" ") if " " in name else ("", "", name)
    contact = ReportingContact(
        email=settings.report_contact_email or "",
        first_name=first,
        last_name=last,
        service=settings.organisation,
    )
    return CyberTiplineSender(
        url,
        settings.ncmec_username or "",
        settings.ncmec_password.get_secret_value(),
        contact,
        allow_insecure=settings.allow_insecure_endpoints,
    )
