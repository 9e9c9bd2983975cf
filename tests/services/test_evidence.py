"""Preserved evidence: stored once by hash and sealed, read with a reason, held, purged."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from safeguarding.domain.access import Principal, Role
from safeguarding.domain.banks import Bank, HashType
from safeguarding.domain.errors import AccessDenied, InvalidInput, NotFound
from tests.conftest import skip_on_memory
from tests.factories import BASE, benign_png, event, media

IMAGE = benign_png("evidence")
MODERATOR = Principal(key_id="k1", name="sam", role=Role.MODERATOR)
REGULATOR = Principal(key_id="k2", name="ofcom", role=Role.REGULATOR)
REASON = "reviewing case about a known image"


@pytest.fixture
def preserved(container) -> list[str]:
    """Two uploads of the same known image, decided and their side effects carried out."""
    container.banks.create(Bank(name="known", created_at=BASE), "t")
    digest = hashlib.sha256(IMAGE).hexdigest()
    container.banks.import_hashes(
        "known", [(HashType.SHA256, digest)], source="s", licence="", actor="t"
    )
    ids = ["ev-a", "ev-b"]
    container.ingest.ingest(
        [event(media(data=IMAGE, event_id=i, minutes=n)) for n, i in enumerate(ids)], source="t"
    )
    container.outbox.run_once(100)
    return ids


def test_preserved_content_is_stored_once_by_its_hash_and_sealed(container, preserved) -> None:
    records = [container.evidence.record(i) for i in preserved]
    digest = hashlib.sha256(IMAGE).hexdigest()
    assert {r.content_sha256 for r in records} == {digest}
    assert records[0].content_kind == "media"
    assert records[0].hashes["sha256"] == digest
    assert "pdq" in records[0].hashes
    assert records[0].retain_until - records[0].preserved_at == timedelta(days=365)
    skip_on_memory(container, "about a database's files: the in-memory store keeps nothing at rest")
    with container.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT sealed FROM evidence_content").fetchall()
    assert len(rows) == 1
    assert IMAGE[1:8] not in bytes(rows[0][0])  # the PNG is not there in the clear


def test_reading_needs_a_role_and_a_reason_and_is_audited(container, preserved) -> None:
    found = container.evidence.read(preserved[0], MODERATOR, REASON)
    assert found.content == IMAGE
    with pytest.raises(AccessDenied):
        container.evidence.read(preserved[0], REGULATOR, REASON)
    with pytest.raises(InvalidInput, match="reason of at least"):
        container.evidence.read(preserved[0], MODERATOR, "because")
    with pytest.raises(NotFound):
        container.evidence.read("no-such-event", MODERATOR, REASON)
    with container.store.read() as uow:
        reads = [r for r in uow.audit.records() if r.action == "evidence.read"]
    assert [(r.actor, r.subject, r.details["reason"]) for r in reads] == [
        ("moderator:sam", preserved[0], REASON)
    ]


def test_purge_leaves_tombstones_spares_holds_and_drops_unreferenced_content(
    container, preserved
) -> None:
    later = container.clock.now() + timedelta(days=400)
    container.evidence.hold(preserved[1], "court order 2026/117 keeps this", "admin:alex")
    purged = container.evidence.purge("cli", now=later)
    assert [r.event_id for r in purged] == [preserved[0]]
    assert container.evidence.record(preserved[0]).purged_at == later
    assert container.evidence.read(preserved[1], MODERATOR, REASON).content == IMAGE  # held

    container.evidence.hold(preserved[1], None, "admin:alex")
    assert [r.event_id for r in container.evidence.purge("cli", now=later)] == [preserved[1]]
    with pytest.raises(NotFound, match="was purged"):
        container.evidence.read(preserved[1], MODERATOR, REASON)
    with container.store.read() as uow:
        assert uow.evidence.content(hashlib.sha256(IMAGE).hexdigest()) is None
        tombstones = [r for r in uow.audit.records() if r.action == "evidence.purge"]
        holds = [r.action for r in uow.audit.records() if r.action.startswith("evidence.")]
    assert {t.subject for t in tombstones} == set(preserved)
    assert tombstones[0].details["content_sha256"] == hashlib.sha256(IMAGE).hexdigest()
    assert holds.count("evidence.hold") == 1
    assert holds.count("evidence.release") == 1
    skip_on_memory(container, "about a database's files: the in-memory store keeps nothing at rest")
    with container.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM evidence_content").scalar() == 0
