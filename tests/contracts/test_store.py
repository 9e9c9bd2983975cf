"""The storage contract, run on every backend (SQLite, PostgreSQL and the in-memory store).

Any new store must pass this suite unchanged. What only a database can show (content sealed in
its files) is skipped on the in-memory store, saying why (``skip_on_memory``, tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safeguarding.adapters.storage.memory.store import MemoryStore
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.bootstrap import Container, build
from safeguarding.domain.accounts import Account
from safeguarding.domain.audit import AuditEntry, first_break
from safeguarding.domain.cases import Case, CaseStatus
from safeguarding.domain.errors import StoreClosed
from safeguarding.ports.store import OutboxItem, Restriction
from safeguarding.settings import Settings
from tests.conftest import fresh_postgres, skip_on_memory
from tests.factories import event, message

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MEMORY = "memory"


@pytest.fixture(params=["sqlite", "postgres", MEMORY])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_base_url: str | None
) -> str:
    """The backends of tests/conftest.py, and the in-memory store (its settings name a
    SQLite file that is never opened)."""
    if request.param in ("sqlite", MEMORY):
        return f"sqlite:///{tmp_path / 'safeguarding.db'}"
    if postgres_base_url is None:
        pytest.skip("no PostgreSQL server (run `make test`, or set SAFEGUARDING_TEST_POSTGRES_URL)")
    return fresh_postgres(postgres_base_url)


@pytest.fixture
def container(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Container]:
    memory = request.node.callspec.params.get("database_url") == MEMORY
    built = build(settings, store=MemoryStore() if memory else None)
    yield built
    built.close()


def test_event_round_trips_and_content_is_encrypted_at_rest(container: Container) -> None:
    sent = event(message(text="a distinctive sentence about homework"))
    container.ingest.ingest([sent], source="test")
    with container.store.read() as uow:
        assert uow.events.get(sent.event_id) == sent
        assert uow.events.get("missing") is None
    skip_on_memory(container, "about a database's files: the in-memory store keeps nothing at rest")
    raw = _raw_payloads(container.store)
    assert raw
    assert all(b"distinctive" not in blob for blob in raw)


def _raw_payloads(store: SqlStore) -> list[bytes]:
    from sqlalchemy import select

    from safeguarding.adapters.storage.sqlalchemy.tables import events

    with store.engine.connect() as conn:
        return [bytes(row.payload) for row in conn.execute(select(events.c.payload))]


def test_write_rolls_back_everything_on_error(container: Container) -> None:
    with container.store.read() as uow:
        head_before = uow.audit.head()
    with pytest.raises(RuntimeError), container.store.write() as uow:  # noqa: PT012
        uow.accounts.put([Account.first_seen("ghost", T0)])
        uow.audit.append([AuditEntry(at=T0, actor="t", action="x", subject="y")])
        raise RuntimeError("boom")
    with container.store.read() as uow:
        assert uow.accounts.get(["ghost"]) == {}
        assert uow.audit.head() == head_before


def test_accounts_upsert_and_connections_are_symmetric(container: Container) -> None:
    with container.store.write() as uow:
        uow.accounts.put([Account.first_seen("a", T0).declare_age(14, T0)])
        uow.accounts.put([Account.first_seen("a", T0).declare_age(14, T0).declare_age(15, T0)])
        uow.accounts.connections_add([("b", "a"), ("a", "b")])
    with container.store.read() as uow:
        assert [d.age for d in uow.accounts.get(["a"])["a"].declared_ages] == [14, 15]
        assert uow.accounts.connections_among([("a", "b"), ("a", "c")]) == {("a", "b")}
        assert uow.accounts.connections_among([("b", "a")]) == {("b", "a")}


def test_restrictions_and_contacts(container: Container) -> None:
    with container.store.write() as uow:
        uow.accounts.restriction_add(Restriction("a", "suspend_account", "e1", T0))
        uow.accounts.restriction_add(Restriction("a", "suspend_account", "e2", T0))
        uow.conversations.contacts_add([("a", "b", T0), ("a", "b", T0)])
    with container.store.read() as uow:
        assert uow.accounts.restrictions_of(["a", "b"]) == {"a"}
        assert uow.conversations.contacts_among([("a", "b"), ("a", "c"), ("b", "a")]) == {
            ("a", "b")
        }


def test_review_holds_stand_per_pair_until_every_case_holding_them_is_decided(
    container: Container,
) -> None:
    """A pair held by two cases (a flag and a report) stays held until both are decided."""
    with container.store.write() as uow:
        uow.conversations.holds_add([("adult", "kid", "flag", T0), ("adult", "kid", "flag", T0)])
        uow.conversations.holds_add(
            [("adult", "kid", "report", T0), ("adult", "sib", "report", T0)]
        )
    pairs = [("adult", "kid"), ("adult", "sib"), ("kid", "adult"), ("adult", "other")]
    with container.store.read() as uow:
        assert uow.conversations.holds_among(pairs) == {("adult", "kid"), ("adult", "sib")}
    with container.store.write() as uow:
        assert uow.conversations.holds_remove(["report"]) == 2
    with container.store.read() as uow:
        assert uow.conversations.holds_among(pairs) == {("adult", "kid")}
    with container.store.write() as uow:
        assert uow.conversations.holds_remove(["flag", "missing"]) == 1
        assert uow.conversations.holds_remove([]) == 0
    with container.store.read() as uow:
        assert uow.conversations.holds_among(pairs) == set()


def test_outbox_leases_items_and_done_items_are_not_returned(container: Container) -> None:
    item = OutboxItem("obx_1", "open_case", "e1", {"actor_id": "a"}, T0)
    with container.store.write() as uow:
        uow.outbox.add([item])
    with container.store.write() as uow:
        leased = uow.outbox.next(T0, lease_seconds=60)
        assert leased is not None
        assert leased.attempts == 1
    with container.store.write() as uow:
        assert uow.outbox.next(T0 + timedelta(seconds=30), 60) is None
        again = uow.outbox.next(T0 + timedelta(seconds=61), 60)
        assert again is not None
        assert again.attempts == 2
        uow.outbox.done("obx_1", T0, "ok")
    with container.store.write() as uow:
        assert uow.outbox.next(T0 + timedelta(days=1), 60) is None
        assert uow.outbox.pending() == 0


def test_case_is_added_once_per_source_key(container: Container) -> None:
    case = Case(
        case_id="case_1",
        queue="grooming",
        priority=2,
        status=CaseStatus.OPEN,
        subject_account_id="a",
        event_ids=("e1",),
        rule="r",
        opened_at=T0,
        deadline=T0 + timedelta(hours=4),
    )
    with container.store.write() as uow:
        assert uow.cases.add(case, source_key="obx_1") is True
        assert (
            uow.cases.add(case.model_copy(update={"case_id": "case_2"}), source_key="obx_1")
            is False
        )
    with container.store.read() as uow:
        assert uow.cases.listed([CaseStatus.OPEN], 10) == [case]
        assert uow.cases.get("case_1") == case


def test_audit_chain_appends_gapless_and_verifies(container: Container) -> None:
    entries = [AuditEntry(at=T0, actor="t", action="x", subject=str(i)) for i in range(5)]
    with container.store.write() as uow:
        uow.audit.append(entries[:2])
    with container.store.write() as uow:
        uow.audit.append(entries[2:])
    with container.store.read() as uow:
        records = list(uow.audit.records())
    # The first record is the initial policy being stored.
    assert [r.seq for r in records] == list(range(1, 7))
    assert first_break(records) is None
    with container.store.read() as uow:
        assert [r.seq for r in uow.audit.records(after_seq=4)] == [5, 6]


def test_close_is_idempotent_and_use_after_close_raises(container: Container) -> None:
    container.store.close()
    container.store.close()
    with pytest.raises(StoreClosed), container.store.read():
        pass
    with pytest.raises(StoreClosed), container.store.write():
        pass


def test_a_duplicate_row_is_reported_as_a_concurrent_write(container: Container) -> None:
    from safeguarding.domain.errors import ConcurrentWrite
    from safeguarding.ports.store import NewEvent

    sent = event(message())
    (result,) = container.ingest.ingest([sent], source="test")
    with pytest.raises(ConcurrentWrite), container.store.write() as uow:
        uow.events.add([NewEvent(sent, "x" * 64, T0, result.decision)])
