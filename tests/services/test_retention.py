"""Retention removes content past its time from the event rows, leaving tombstones, on SQLite
and PostgreSQL; preserved evidence, a legal hold, an undecided case and a per-type setting keep
it; and on SQLite the removed bytes are found nowhere in the database file, its WAL or a
backup made after the run (searched for as an attacker who copies the files would)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from safeguarding.adapters.cli.retention import retention_service
from safeguarding.adapters.storage.memory.store import MemoryStore
from safeguarding.bootstrap import Container, build
from safeguarding.services.access import OPERATOR
from tests.cli.cli_env import run
from tests.clocks import MovableClock
from tests.conftest import TEST_KEY, build_container, make_settings
from tests.detectors.self_harm_data import ACTION_EXAMPLES
from tests.factories import at, event, message, next_id
from tests.reviewing import claim_and_decide

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def container(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path, clock: MovableClock
) -> Iterator[Container]:
    settings = make_settings(database_url, tmp_path, content_retention_by_type={"post": 90})
    built = build_container(pytestconfig, settings, clock=clock)
    yield built
    built.close()


def post(actor: str, words: str) -> dict[str, Any]:
    return {
        "type": "post",
        "event_id": next_id("post"),
        "occurred_at": at(),
        "actor_id": actor,
        "text": words,
    }


def ingest(container: Container, data: dict[str, Any]) -> str:
    container.ingest.ingest([event(data)], source="test")
    container.outbox.run_once()  # cases and evidence, as the worker would
    return str(data["event_id"])


def text_of(container: Container, event_id: str) -> str | None:
    with container.store.read() as uow:
        return getattr(uow.events.get(event_id), "text", None)


def row(database_url: str, event_id: str) -> dict[str, Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT verdict, fingerprint, content_removed_at, payload FROM events "
                    "WHERE event_id = :id"
                ),
                {"id": event_id},
            ).one()
            return dict(found._mapping)
    finally:
        engine.dispose()


def stored(container: Container, database_url: str, event_id: str) -> dict[str, Any]:
    """The event's verdict, fingerprint and content_removed_at as stored: the events table's
    row, or the in-memory store's own."""
    if not isinstance(container.store, MemoryStore):
        return row(database_url, event_id)
    with container.store.read() as uow:
        found = uow.events.s.events[event_id]
    return {
        "verdict": found.decision.verdict.value,
        "fingerprint": found.fingerprint,
        "content_removed_at": found.content_removed_at,
    }


def test_content_past_its_retention_becomes_a_tombstone_and_newer_content_stays(
    container: Container, clock: MovableClock, database_url: str
) -> None:
    old = ingest(container, message("teen1", "teen2", "see you at the match on saturday"))
    clock.advance(days=29)
    new = ingest(container, message("teen1", "teen2", "what time is training"))
    long_lived = ingest(container, post("teen1", "our team won the cup"))
    before = stored(container, database_url, old)
    clock.advance(days=2)

    result = retention_service(container).run("test")

    assert result.events_tombstoned == 1
    assert text_of(container, old) == ""
    assert text_of(container, new) == "what time is training"
    assert text_of(container, long_lived) == "our team won the cup"  # posts: 90 days
    after = stored(container, database_url, old)
    assert after["content_removed_at"] is not None
    assert (after["verdict"], after["fingerprint"]) == (before["verdict"], before["fingerprint"])
    with container.store.read() as uow:
        audited = [r for r in uow.audit.records() if r.action == "retention.content_removed"]
    assert [r.details["event_ids"] for r in audited] == [[old]]
    assert retention_service(container).run("test").events_tombstoned == 0  # once only


def test_an_undecided_case_preserved_evidence_and_a_legal_hold_keep_content(
    container: Container, clock: MovableClock
) -> None:
    urgent = ingest(container, message("teen1", "teen2", ACTION_EXAMPLES["intent_or_plan"]))
    with container.store.read() as uow:
        (case,) = uow.cases.of_event(urgent)
        assert uow.evidence.get(urgent) is not None
    clock.advance(days=31)
    assert retention_service(container).run("test").events_tombstoned == 0  # the case is open

    claim_and_decide(container, case.case_id, OPERATOR, "self_harm_risk")
    assert retention_service(container).run("test").events_tombstoned == 0  # evidence: 1 year
    clock.advance(days=400)
    container.evidence.hold(urgent, "police request 2026/113", "test")
    assert retention_service(container).run("test").events_tombstoned == 0  # on legal hold
    assert text_of(container, urgent) == ACTION_EXAMPLES["intent_or_plan"]

    container.evidence.hold(urgent, None, "test")
    result = retention_service(container).run("test")
    assert (result.evidence_purged, result.events_tombstoned) == (1, 1)
    assert text_of(container, urgent) == ""


def test_on_sqlite_the_removed_bytes_are_nowhere_in_the_files_or_a_later_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "safeguarding.db"
    url = f"sqlite:///{database}"
    data = tmp_path / "data"
    past = MovableClock(datetime.now(UTC).replace(microsecond=0))
    past.advance(days=-40)
    built = build(make_settings(url, data), clock=past)
    try:
        long_text = "thanks for the notes from history class, they really helped. " * 40
        gone = ingest(built, message("teen1", "teen2", long_text))
        ingest(built, message("teen2", "teen1", "ok see you there"))
    finally:
        built.close()
    canary = bytes(row(url, gone)["payload"])[-64:-16]  # the sealed text's tail
    assert canary in files_of(database), "the canary must be findable before the run"

    for name, value in {
        "SAFEGUARDING_DATABASE_URL": url,
        "SAFEGUARDING_DATA_DIR": str(data),
        "SAFEGUARDING_CONTENT_KEY": TEST_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    assert "removed the content of 2 event" in run("retention", "run").stdout
    assert canary not in files_of(database)
    run("db", "backup", "after.backup")
    assert canary not in (tmp_path / "after.backup").read_bytes()


def files_of(database: Path) -> bytes:
    """The database file and its WAL, raw, as someone who copies them reads them."""
    parts = [database, database.with_name(database.name + "-wal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())
