"""Two outbox transactions opening a case for the same harm, subject and conversation at once
make one case, holding both events (PostgreSQL, where writers run concurrently)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from safeguarding.bootstrap import Container
from safeguarding.domain.actions import ActionName
from safeguarding.domain.cases import CaseStatus
from safeguarding.domain.effects import SideEffect
from safeguarding.services.outbox import effect_of
from tests.conftest import skip_on_memory
from tests.factories import event, profile, report


def open_case_items(container: Container) -> list[SideEffect]:
    """The pending open_case items' effects, leased as a worker would lease them."""
    leased = []
    with container.store.write() as uow:
        while (item := uow.outbox.next(container.clock.now(), 600)) is not None:
            leased.append(item)
    effects = [effect_of(item) for item in leased]
    return [e for e in effects if e.action is ActionName.OPEN_CASE]


def lock_waiters(container: Container) -> int:
    with container.store.engine.connect() as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        return int(conn.execute(text(query)).scalar_one())


def test_racing_transactions_open_one_case(container: Container) -> None:
    skip_on_memory(container, "one writer at a time, as on SQLite: there is no race to lose")
    if container.store.is_sqlite:
        pytest.skip("SQLite has one writer at a time: there is no race to lose")
    reports = [report("kid1", "adult"), report("kid2", "adult")]
    container.ingest.ingest([event(profile("adult", 40)), *map(event, reports)], source="test")
    first, second = open_case_items(container)
    worker = container.outbox
    done: list[str] = []
    with container.store.write() as uow:
        done.append(worker.internal[ActionName.OPEN_CASE](uow, first))

        def rival() -> None:
            with container.store.write() as other:
                done.append(worker.internal[ActionName.OPEN_CASE](other, second))

        racing = threading.Thread(target=rival)
        racing.start()
        # Hold the first transaction open until the rival waits on it (on the old code it never
        # does, and the bounded wait just runs out).
        for _ in range(200):
            if lock_waiters(container):
                break
            threading.Event().wait(0.05)
    racing.join(30)
    with container.store.read() as uow:
        cases = uow.cases.listed(list(CaseStatus), 10)
    assert len(cases) == 1, done
    assert sorted(cases[0].event_ids) == sorted(r["event_id"] for r in reports)
    assert done[1].startswith("added to")
