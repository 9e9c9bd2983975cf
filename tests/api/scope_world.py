"""A store where every kind of scoped thing exists, and keys of the right role but wrong scope.

The demo goes through the live ingest path (its known image in a hash list): a blocked upload
in the abuse_imagery queue, grooming cases with a drafted report and preserved evidence, a
self_harm case. On top: an appeal against the blocked upload, a complaint about a grooming
message, a super-complaint with a file from one advocacy body, and a regulator's information
request that names another event. The keys are named for what they may reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.bootstrap import Container, build
from safeguarding.demo import demo_events, known_hash_list
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.cases import Case, Outcome
from safeguarding.domain.complaints import ComplaintKind
from safeguarding.domain.events import EVENT_ADAPTER
from safeguarding.services.complaints import EvidenceFile, NewComplaint
from safeguarding.services.keys import principal_of
from tests.conftest import make_settings
from tests.factories import report
from tests.reviewing import claim_and_decide

GROOMING_EVENT = "demo-msg-023"  # reached high: opened a case, drafted a report, kept evidence
KNOWN_IMAGE = "demo-upload-known"  # blocked by the known-abuse-image rule
SELF_HARM_EVENT = "demo-report-self-harm"
OPEN_GROOMING_REPORT = "scope-report-grooming"  # a child reports another adult


@dataclass
class World:
    """The ids of the scoped things, and each caller's key by what it may reach."""

    container: Container
    keys: dict[str, str] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def add(self, label: str, name: str, role: Role, **options: Any) -> Principal:
        made, record = self.container.keys.create(name, role.value, **options)
        self.keys[label] = made
        self.principals[label] = principal_of(record)
        return self.principals[label]


def case_of(container: Container, event_id: str) -> Case:
    with container.store.read() as uow:
        (case,) = uow.cases.of_event(event_id)
    return case


def decide(container: Container, case: Case, who: Principal, outcome: Outcome, code: str) -> None:
    claim_and_decide(container, case.case_id, who, code, outcome)


def build_world(database_url: str, tmp_path: Path) -> World:
    hashes = tmp_path / "known.txt"
    hashes.write_text(known_hash_list())
    container = build(make_settings(database_url, tmp_path, sha256_list_path=hashes))
    now = datetime.now(UTC)
    # One more grooming case, about another adult and no conversation: the demo's own child
    # report joins the demo conversation's case (one case per harm, subject and conversation),
    # which the world confirms, and the walk needs a grooming case still open.
    other = {**report("leo", "stranger_2", event_id=OPEN_GROOMING_REPORT), "occurred_at": now}
    container.ingest.ingest(
        [*demo_events(now), EVENT_ADAPTER.validate_python(other)], source="test"
    )
    container.outbox.run_once(1000)
    world = World(container)
    world.add("admin", "ali", Role.ADMIN)
    world.add("platform", "chat-app", Role.PLATFORM)
    groomer = world.add("grooming moderator", "alex", Role.MODERATOR, queues=["grooming"])
    world.add("abuse moderator", "bo", Role.MODERATOR, queues=["abuse_imagery"])
    world.add("self_harm moderator", "cy", Role.MODERATOR, queues=["self_harm"])
    world.add("regulator", "ofcom", Role.REGULATOR)
    body_a = world.add("advocate A", "voice", Role.ADVOCATE, organisation="body-a")
    world.add("advocate B", "other-voice", Role.ADVOCATE, organisation="body-b")
    _things(world, groomer, body_a)
    # Made last, so that no setup step could use them: a name reused for another scope.
    world.add("alex again, self_harm", "alex", Role.MODERATOR, queues=["self_harm"])
    world.add("voice again, other body", "voice", Role.ADVOCATE, organisation="body-c")
    revoked = world.add("revoked grooming moderator", "dee", Role.MODERATOR, queues=["grooming"])
    world.add("revoked advocate A", "voice-2", Role.ADVOCATE, organisation="body-a")
    world.add("revoked admin", "ali-old", Role.ADMIN)
    container.keys.revoke(revoked.key_id)
    container.keys.revoke(world.principals["revoked advocate A"].key_id)
    container.keys.revoke(world.principals["revoked admin"].key_id)
    return world


def _things(world: World, groomer: Principal, body_a: Principal) -> None:
    app = world.container
    confirmed = case_of(app, GROOMING_EVENT)
    decide(app, confirmed, groomer, Outcome.CONFIRM, "grooming_confirmed")
    app.reports.confirm(GROOMING_EVENT, "default", groomer)
    open_grooming = case_of(app, OPEN_GROOMING_REPORT)
    app.review.claim(open_grooming.case_id, groomer)  # in review by "alex"
    platform = world.principals["platform"]
    appeal = app.complaints.file(
        NewComplaint(
            ComplaintKind.APPEAL, "dan", "not_harmful", "It is my own photo.", KNOWN_IMAGE
        ),
        platform,
    )
    complaint = app.complaints.file(
        NewComplaint(
            ComplaintKind.COMPLAINT,
            "priya",
            "harmful_content_still_visible",
            "Those messages are still there.",
            GROOMING_EVENT,
        ),
        platform,
    )
    filed = app.super_complaints.file(
        body_a,
        "Strangers reach children",
        "Children on the service are contacted by adults they do not know, week after week.",
        ["grooming"],
        [EvidenceFile("notes.txt", "text/plain", b"dates and counts of contacts")],
    )
    request = app.information_requests.file(
        world.principals["regulator"],
        "How was the self-harm report handled?",
        "Online Safety Act s.100",
        app.clock.now() + timedelta(days=30),
        (SELF_HARM_EVENT,),
    )
    world.ids |= {
        "grooming_case": confirmed.case_id,
        "open_grooming_case": open_grooming.case_id,
        "abuse_case": case_of(app, KNOWN_IMAGE).case_id,
        "self_harm_case": case_of(app, SELF_HARM_EVENT).case_id,
        "appeal": appeal.complaint_id,
        "complaint": complaint.complaint_id,
        "super_complaint": filed.super_complaint_id,
        "attachment": filed.attachments[0].attachment_id,
        "information_request": request.request_id,
        "grooming_event": GROOMING_EVENT,
        "known_image": KNOWN_IMAGE,
    }


def snapshot(container: Container) -> dict[str, list[str]]:
    """Every row of every table, to prove a refused request changed nothing (audit included)."""
    found = {}
    with container.store.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            found[table.name] = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
    return found
