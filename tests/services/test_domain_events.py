"""Domain events recorded on a unit of work reach their handlers once, after the commit, and
never when the transaction rolls back; on both backends, and through the services that record
them (a policy change prompts the risk review, a reinstatement clears the feed cache)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from safeguarding.adapters.storage.memory.store import MemoryStore
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.bootstrap import Container
from safeguarding.domain.domain_events import ContentReinstated, DomainEvent
from safeguarding.ports.store import ApiKeyRecord
from safeguarding.services.domain_events import DomainEventBus
from safeguarding.services.policy import default_policy_source

AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
REINSTATED = ContentReinstated(("evt-1",))


class Listening:
    """A store on the container's database (or a second one on its in-memory state) whose bus
    tells ``heard`` what it hears, with whether the key written in the same transaction was
    already committed by then."""

    def __init__(self, container: Container) -> None:
        self.bus = DomainEventBus()
        self.store: SqlStore | MemoryStore = (
            container.store.another()
            if isinstance(container.store, MemoryStore)
            else SqlStore(container.settings.database_url, container.store.cipher)
        )
        self.store.publish = self.bus.publish
        self.heard: list[tuple[DomainEvent, bool]] = []
        self.bus.subscribe(ContentReinstated, self.hear)

    def hear(self, event: DomainEvent) -> None:
        with self.store.write() as uow:  # a handler may write: the write lock is free again
            committed = uow.keys.get("k-events") is not None
        self.heard.append((event, committed))

    def write_key_and_record(self, *events: DomainEvent) -> None:
        with self.store.write() as uow:
            uow.keys.add(ApiKeyRecord("k-events", "events", "platform", "hash", AT))
            for event in events:
                uow.record(event)


@pytest.fixture
def listening(container: Container) -> Iterator[Listening]:
    made = Listening(container)
    yield made
    made.store.close()


def test_a_handler_does_not_run_when_the_transaction_rolls_back(listening: Listening) -> None:
    def record_then_fail() -> None:
        with listening.store.write() as uow:
            uow.record(REINSTATED)
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        record_then_fail()
    with listening.store.scratch() as uow:  # always rolled back
        uow.record(REINSTATED)
    assert listening.heard == []


def test_a_handler_runs_once_after_commit(listening: Listening) -> None:
    listening.write_key_and_record(REINSTATED)
    assert listening.heard == [(REINSTATED, True)], "once, and the change already committed"
    with listening.store.write() as uow:
        uow.keys.revoke("k-events", AT)
    assert len(listening.heard) == 1, "a later transaction does not tell it again"


def test_a_failing_handler_leaves_the_change_and_the_other_handlers(
    listening: Listening, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(_: ContentReinstated) -> None:
        raise RuntimeError("handler down")

    listening.bus = DomainEventBus()
    listening.bus.subscribe(ContentReinstated, fail)
    listening.bus.subscribe(ContentReinstated, listening.hear)
    listening.store.publish = listening.bus.publish
    listening.write_key_and_record(REINSTATED)
    assert listening.heard == [(REINSTATED, True)]
    assert "a domain event handler failed" in caplog.text


def test_a_policy_rolled_back_prompts_no_review(container: Container) -> None:
    container.risk.assess("admin:ops")
    policies = container.policies

    def store_then_fail() -> None:
        with container.store.write() as uow:
            checked = policies.check(default_policy_source())
            policies._store(uow, checked, "admin:ops", "never kept")
            raise RuntimeError("the caller's transaction fails after storing")

    with pytest.raises(RuntimeError, match="after storing"):
        store_then_fail()
    assert not container.risk.review_due()
    assert _audited(container, "risk.review_due") == 0
    policies.replace(default_policy_source(), by="admin:ops", note="kept")
    assert container.risk.review_due()
    assert _audited(container, "risk.review_due") == 1


def _audited(container: Container, action: str) -> int:
    with container.store.read() as uow:
        return sum(1 for r in uow.audit.records() if r.action == action)
