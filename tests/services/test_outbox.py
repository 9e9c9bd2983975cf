"""Side effects survive a crash between the decision and the effect, and happen once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from safeguarding.adapters.storage.memory.store import MemoryStore
from safeguarding.adapters.storage.sqlalchemy import tables as t
from safeguarding.bootstrap import Container
from safeguarding.domain.actions import ActionName
from safeguarding.domain.cases import CaseStatus
from safeguarding.domain.effects import SIDE_EFFECTS, SideEffect
from safeguarding.domain.ids import Clock
from safeguarding.ports.store import OutboxItem
from safeguarding.settings import Settings
from tests.clocks import MovableClock
from tests.conftest import another_process, make_settings
from tests.factories import BASE, benign_png, event, media, profile, report

KNOWN = benign_png("outbox-known")


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(hashlib.sha256(KNOWN).hexdigest() + "\n")
    return make_settings(database_url, tmp_path, sha256_list_path=hashes)


class Recorder:
    """Stands in for the platform's webhook receiver (an HTTP server is tested elsewhere)."""

    def __init__(self, fail_times: int = 0) -> None:
        self.deliveries: list[str] = []
        self.bodies: list[tuple[str, dict[str, object]]] = []
        self.fail_times = fail_times

    def send(self, delivery_id: str, topic: str, body: dict[str, object]) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("receiver down")
        self.deliveries.append(delivery_id)
        self.bodies.append((topic, body))


@pytest.fixture
def restarted(container: Container, settings: Settings) -> Iterator[Container]:
    """A second process's container over the same database, as after a restart."""
    built = another_process(container, settings)
    yield built
    built.close()


def cases(container: Container) -> list:
    with container.store.read() as uow:
        return uow.cases.listed(list(CaseStatus), 100)


@dataclass(frozen=True)
class StoredItem:
    """An outbox item as stored, with what the port tells no one: its status, result, error."""

    item_id: str
    kind: str
    payload: dict[str, Any]
    status: str
    result: str | None
    last_error: str | None


def stored_outbox(container: Container) -> list[StoredItem]:
    """Every outbox item as the store holds it: the rows of the outbox table, or the in-memory
    store's own."""
    if isinstance(container.store, MemoryStore):
        with container.store.read() as uow:
            return [
                _stored(r.item, r.status, r.result, r.last_error)
                for r in uow.outbox.s.outbox.values()
            ]
    o = t.outbox.c
    query = select(o.item_id, o.kind, o.payload, o.status, o.result, o.last_error)
    with container.store.engine.connect() as conn:
        return [StoredItem(*row) for row in conn.execute(query)]


def _stored(item: OutboxItem, status: str, result: str | None, error: str | None) -> StoredItem:
    return StoredItem(item.item_id, item.kind, item.payload, status, result, error)


def test_effects_written_before_a_crash_are_carried_out_after_restart(container, restarted) -> None:
    container.ingest.ingest([event(media(data=KNOWN))], source="test")
    container.close()  # the process dies before its worker ran
    assert restarted.outbox.run_once() == 5  # evidence, case, report, suspension, webhook
    (case,) = cases(restarted)
    assert (case.queue, case.priority, case.report_to_authority) == ("abuse_imagery", 1, True)
    assert restarted.outbox.run_once() == 0
    assert len(cases(restarted)) == 1


def test_a_worker_dying_mid_item_leaves_it_to_be_retried_once(container, restarted) -> None:
    container.ingest.ingest([event(report("kid", "adult", "grooming"))], source="test")

    def crash(uow, item):  # dies inside the transaction: nothing it did is kept
        raise SystemExit("killed")

    container.outbox.internal[ActionName.OPEN_CASE] = crash
    with pytest.raises(SystemExit):
        container.outbox.run_once()
    assert cases(restarted) == []
    with restarted.store.read() as uow:  # the case item's lease was rolled back with the crash
        assert uow.outbox.pending() >= 1
    restarted.outbox.run_once()
    with restarted.store.read() as uow:
        assert uow.outbox.pending() == 0
    assert len(cases(restarted)) == 1


def test_webhooks_retry_with_backoff_and_keep_their_delivery_id(container) -> None:
    recorder = Recorder(fail_times=1)
    container.outbox.webhooks = recorder
    container.ingest.ingest([event(media(data=KNOWN))], source="test")
    container.outbox.run_once()
    assert recorder.deliveries == []
    with container.store.read() as uow:
        assert uow.outbox.pending() == 1  # the notify item waits for its retry time
    # Past the first backoff (two seconds): the item is due again.
    container.outbox.clock = MovableClock(container.clock.now() + timedelta(minutes=1))
    container.outbox.run_once()
    assert len(recorder.deliveries) == 1
    assert recorder.deliveries[0].startswith("obx_")


# -- typed side effects (#19 point 3) -----------------------------------------

# The payload services/ingest.py wrote before domain/effects.py existed (db47779 to 19ce711):
# eight keys, the rule's parameters as written. Rows like these may wait in a live outbox.
OLD_PAYLOAD = {
    "action": "open_case",
    "params": {"queue": "grooming", "priority": 2},
    "rule": "reported-grooming",
    "actor_id": "kid",
    "target_ids": ["adult"],
    "report_to_authority": True,
    "verdict": "hold",
    "subject_account_id": "adult",
}


def old_row(item_id: str, kind: str, event_id: str, clock: Clock, **changes: object) -> OutboxItem:
    payload = {**OLD_PAYLOAD, "action": kind, "params": {}, **changes}
    return OutboxItem(item_id, kind, event_id, payload, clock.now() - timedelta(hours=1))


def test_every_side_effecting_action_has_exactly_one_built_in_handler(container) -> None:
    worker = container.outbox
    assert not set(worker.internal) & set(worker.external)
    assert worker.handled() == SIDE_EFFECTS == {a for a in ActionName if a.has_side_effect}


def test_rows_written_by_the_old_code_are_carried_out(container) -> None:
    recorder = Recorder()
    container.outbox.webhooks = recorder
    (stored,) = container.ingest.ingest([event(profile("adult", 40))], source="test")
    clock, on = container.clock, stored.event_id
    with container.store.write() as uow:
        uow.outbox.add(
            [
                old_row("obx_old1", "open_case", on, clock, params=OLD_PAYLOAD["params"]),
                old_row("obx_old2", "suspend_account", on, clock),
                old_row("obx_old3", "preserve_evidence", on, clock),
                old_row("obx_old4", "report_to_authority", on, clock, params={"authority": "nca"}),
                old_row("obx_old5", "notify", on, clock, params={"topic": "grooming"}),
            ]
        )
    assert container.outbox.run_once() == 5
    (case,) = cases(container)
    assert (case.case_id, case.queue, case.priority) == ("case_old1", "grooming", 2)
    assert (case.subject_account_id, case.rule, case.report_to_authority) == (
        "adult",
        "reported-grooming",
        True,
    )
    with container.store.read() as uow:
        assert uow.accounts.restrictions_of(["adult", "kid"]) == {"adult"}
        assert uow.evidence.get(on) is not None
        assert uow.reports.get(on, "nca") is not None
        assert uow.outbox.pending() == 0
    assert recorder.bodies == [
        (
            "grooming",
            {
                "delivery_id": "obx_old5",
                "topic": "grooming",
                "event_id": on,
                "verdict": "hold",
                "rule": "reported-grooming",
                "actor_id": "kid",
            },
        )
    ]


def test_new_rows_keep_the_old_shape(container) -> None:
    container.ingest.ingest([event(report("kid", "adult", "grooming"))], source="test")
    rows = [(item.kind, item.payload) for item in stored_outbox(container)]
    assert rows
    for kind, payload in rows:
        assert set(payload) == set(OLD_PAYLOAD)
        assert (payload["action"], payload["actor_id"]) == (kind, "kid")
        assert payload["subject_account_id"] == "adult"  # the reported account, not the actor


def test_a_row_that_is_not_a_side_effect_is_failed_not_retried(container, caplog) -> None:
    (stored,) = container.ingest.ingest([event(profile("adult", 40))], source="test")
    bad = old_row("obx_bad", "open_case", stored.event_id, container.clock, params={"priority": 9})
    with container.store.write() as uow:
        uow.outbox.add([bad])
    assert container.outbox.run_once() == 1
    assert container.outbox.run_once() == 0
    assert cases(container) == []
    (bad_item,) = [i for i in stored_outbox(container) if i.item_id == "obx_bad"]
    assert bad_item.status == "failed"
    assert bad_item.last_error is not None
    assert "params.priority" in bad_item.last_error
    assert any("marked failed" in r.getMessage() for r in caplog.records)


@given(
    action=st.sampled_from(sorted(SIDE_EFFECTS)),
    subject=st.one_of(st.none(), st.just(""), st.sampled_from(["adult", "kid"])),
)
def test_the_subject_is_the_named_account_else_the_actor(action, subject) -> None:
    payload = {**OLD_PAYLOAD, "params": {}, "subject_account_id": subject}
    read = SideEffect.from_stored(
        item_id="obx_1", kind=action.value, event_id="e1", created_at=BASE, payload=payload
    )
    assert read.subject == (subject or "kid")
    again = SideEffect.from_stored(
        item_id="obx_1", kind=action.value, event_id="e1", created_at=BASE, payload=read.stored()
    )
    assert again == read.model_copy(update={"subject_account_id": read.subject})
