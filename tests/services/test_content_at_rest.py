"""What someone who copies the database files or the data folder learns, fresh and after
retention has run. Written by an independent reviewer; each test failed on the code before.

Benign events with distinctive markers go through the engine; the database is then read as an
attacker who copies it would read it (every row of every table, and on SQLite the raw file and
its WAL), before and after `retention run` with the test clock moved past every retention.
docs/security.md: a copier learns metadata only (account ids, times, verdicts, signal kinds,
age bands, queues), never message text, uploads or report packages; docs/operations.md: the
tombstone keeps no content, and the report package made from an event goes with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from safeguarding.adapters.cli.retention import retention_service
from safeguarding.adapters.storage.memory.store import MemoryStore
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Principal, Role
from safeguarding.domain.cases import Outcome
from safeguarding.services.access import OPERATOR
from tests.clocks import MovableClock
from tests.conftest import auth, build_container, make_settings
from tests.detectors.self_harm_data import ACTION_EXAMPLES
from tests.factories import at, event, message, next_id, profile
from tests.reviewing import claim_and_decide
from tests.services.test_reporting import run_seed_case

pytestmark = pytest.mark.anyio

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MODERATOR = Principal(key_id="k", name="sam", role=Role.MODERATOR)
# A link a child was sent, under a listed prefix: the path after the prefix is the sender's own.
LISTED_PREFIX = "example.org/gallery prefix\n"
LINK_PATH = "marker-7731-st-olaves-year8-photos"
LINK_TEXT = f"see example.org/gallery/{LINK_PATH} now"
SELF_HARM = ACTION_EXAMPLES["intent_or_plan"]
COMMENT = "MARKER-LSCOMMENT-6602 which school do you go to"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def container(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path, clock: MovableClock
) -> Iterator[Container]:
    built = build_container(pytestconfig, make_settings(database_url, tmp_path), clock=clock)
    yield built
    built.close()


def as_copied(container: Container) -> str:
    """Everything a copier of the database reads without a key: every row of every table as
    text and, on SQLite, the raw database file and its WAL decoded as Latin-1."""
    if isinstance(container.store, MemoryStore):
        pytest.skip("not on the in-memory store: what the database files hold")
    engine = container.store.engine
    parts: list[str] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(f"{table}: {[v for v in row if not isinstance(v, bytes)]}")
    url = make_url(container.settings.database_url)
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "")
        for path in database.parent.glob(database.name + "*"):
            if path.is_file():
                parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def stored_decision(container: Container, event_id: str) -> str:
    """The events.decision column as stored, unopened."""
    from safeguarding.adapters.storage.sqlalchemy import tables as t

    with container.store.engine.connect() as conn:
        value = conn.execute(
            select(t.events.c.decision).where(t.events.c.event_id == event_id)
        ).scalar_one()
    return str(value)


def quoted_cues(decision: dict[str, Any]) -> list[str]:
    """The words a self-harm signal quotes from the message (after "; cues: ")."""
    (line,) = [s["explanation"] for s in decision["signals"] if s["detector"] == "self_harm"]
    found = re.findall(r"'([^']+)'", line.split("; cues: ", 1)[1])
    assert found, line
    return found


def readable_quotes(container: Container, sent: dict[str, Any]) -> list[str]:
    """What a copier reads of the two messages without a key: the link's own path anywhere in
    the database, and the cue words in the self-harm message's stored decision."""
    found = [LINK_PATH] if LINK_PATH in as_copied(container) else []
    stored = stored_decision(container, sent["sad"])
    return found + [c for c in quoted_cues(sent["decisions"][sent["sad"]]) if c in stored]


async def sent_content(client: httpx.AsyncClient, keys: dict[Role, str]) -> dict[str, Any]:
    """A listed link sent by an adult, and a teenager's self-harm message: their decisions."""
    admin, platform = auth(keys[Role.ADMIN]), auth(keys[Role.PLATFORM])
    made = await client.post("/v1/banks", json={"name": "hotline"}, headers=admin)
    assert made.status_code == 201, made.text
    body = {"format": "text", "hash_type": "url", "source": "s", "content": LISTED_PREFIX}
    imported = await client.post("/v1/banks/hotline/import", json=body, headers=admin)
    assert imported.status_code == 201, imported.text
    link = message("adult-a", "adult-b", LINK_TEXT, conversation="c-link")
    sad = message("teen-s", "teen-f", SELF_HARM, conversation="c-sad")
    sent = [profile("adult-a", 30), profile("adult-b", 31), profile("teen-s", 15), link, sad]
    answer = await client.post("/v1/events", json={"events": sent}, headers=platform)
    assert answer.status_code == 200, answer.text
    decisions = {r["event_id"]: r["decision"] for r in answer.json()["results"]}
    assert decisions[link["event_id"]]["verdict"] == "block"
    return {"link": link["event_id"], "sad": sad["event_id"], "decisions": decisions}


async def test_retention_leaves_no_quoted_content_in_the_tombstone(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container, clock: MovableClock
) -> None:
    """docs/operations.md: retention removes the content; what is left holds none. The
    tombstone keeps the decision, and the decision still quotes the link and the cue words."""
    sent = await sent_content(client, keys)
    container.outbox.run_once(100)
    for case in container.review.queue():
        claim_and_decide(container, case.case_id, OPERATOR, "false_positive", Outcome.DISMISS)
    clock.advance(days=800)  # past the content's and any evidence's retention
    retention_service(container).run("test")
    with container.store.read() as uow:
        assert uow.retention.content_removed_at(sent["link"]) is not None
        assert uow.retention.content_removed_at(sent["sad"]) is not None
        assert getattr(uow.events.get(sent["sad"]), "text", None) == ""
    assert readable_quotes(container, sent) == []


def test_a_livestream_comments_text_is_removed_at_its_retention(
    container: Container, clock: MovableClock
) -> None:
    """docs/events.md: a live-stream comment's text is user content; docs/operations.md:
    retention removes content once past its retention (30 days by default). A comment's text
    is never removed: it is not one of the types retention knows as content."""
    start = {
        "type": "livestream_start",
        "event_id": next_id("ls"),
        "occurred_at": at(),
        "actor_id": "streamer-a",
        "stream_id": "st-leak",
    }
    comment = {
        "type": "livestream_comment",
        "event_id": next_id("lc"),
        "occurred_at": at(1),
        "actor_id": "viewer-b",
        "stream_id": "st-leak",
        "text": COMMENT,
    }
    for data in (profile("streamer-a", 30), profile("viewer-b", 32), start, comment):
        (result,) = container.ingest.ingest([event(data)], source="test")
    assert result.decision.verdict.value == "allow"
    container.outbox.run_once(100)
    clock.advance(days=31)
    retention_service(container).run("test")
    with container.store.read() as uow:
        kept = getattr(uow.events.get(comment["event_id"]), "text", None)
        removed = uow.retention.content_removed_at(comment["event_id"])
    assert (kept, removed is not None) == ("", True), "the comment outlives its retention"


def test_a_submitted_report_file_goes_with_its_package_at_retention(
    container: Container, clock: MovableClock
) -> None:
    """docs/operations.md: when retention tombstones an event, "the report package drafted from
    that event goes with it". Submitted to the reports folder (the default, data_dir/reports),
    the package stays there in clear, transcript and all, after retention dropped the sealed
    copy: inside the data folder, for as long as nobody deletes it by hand."""
    event_id = run_seed_case(container)
    (case,) = [c for c in container.review.queue() if event_id in c.event_ids]
    claim_and_decide(container, case.case_id, MODERATOR, "grooming_confirmed")
    for other in container.review.queue():
        claim_and_decide(container, other.case_id, OPERATOR, "duplicate", Outcome.DISMISS)
    container.reports.confirm(event_id, "default", MODERATOR)
    package = container.reports.package(event_id, "default", OPERATOR)
    lines = [m["text"] for m in package["chat_transcript"]]
    written = Path(container.reports.submit(event_id, "default", OPERATOR).destination or "")
    assert written.is_relative_to(container.settings.data_dir)
    clock.advance(days=800)
    retention_service(container).run("test")
    with container.store.read() as uow:
        assert uow.retention.content_removed_at(event_id) is not None
        assert uow.reports.get(event_id, "default").status.value == "submitted"
    left = [p for p in written.parent.glob("*.json") if any(x in p.read_text() for x in lines)]
    assert left == [], f"{left} still quote the removed messages in clear"


def test_the_stores_writer_zeroes_freed_pages_after_migrating(container: Container) -> None:
    """Retention relies on SQLite's secure_delete; a migration that turned it off on the
    pooled connection it ran on left every later deletion readable in the free pages."""
    if isinstance(container.store, MemoryStore) or not container.store.is_sqlite:
        pytest.skip("about SQLite's files")
    with container.store.write() as uow:
        assert uow.conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
