"""Matching reads no store inside ingest's write transaction: the banks' snapshot is brought up
to date before the batch, and a bank another process changed still takes effect (issue #19).

Runs through the HTTP API on SQLite and PostgreSQL (and the in-memory store); the second process
is a second container over the same database, so only the revision check can tell the first one
about the change.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sa_event

from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from safeguarding.domain.banks import Bank, HashType
from tests.conftest import another_process, auth, make_settings
from tests.detectors.media.fixtures.media import lossless, scene
from tests.factories import BASE, media
from tests.services.test_banks import pdq_of

pytestmark = pytest.mark.anyio
KNOWN = lossless(scene(21))


@pytest.fixture
def other_process(container: Container) -> Iterator[Container]:
    settings = make_settings(container.settings.database_url, container.settings.data_dir)
    built = another_process(container, settings)
    yield built
    built.close()


class BankReads:
    """A unit of work's bank repository that notes in ``seen`` every use made of it."""

    def __init__(self, banks: Any, seen: list[str]) -> None:
        self.banks, self.seen = banks, seen

    def __getattr__(self, name: str) -> Any:
        self.seen.append(f"uow.banks.{name}")
        return getattr(self.banks, name)


@contextlib.contextmanager
def bank_reads_inside_writes(container: Container) -> Iterator[list[str]]:
    """Statements naming a bank table run by a thread while it holds the store's write
    transaction, on any engine (SQLite reads through a second one), and any use of the
    transaction's bank repository (the in-memory store runs no statements); a background
    index rebuild, in its own thread, is not counted."""
    inside = threading.local()
    seen: list[str] = []
    store = container.store
    opened = store.write

    @contextlib.contextmanager
    def write() -> Iterator[Any]:
        with opened() as uow:
            uow.banks = BankReads(uow.banks, seen)
            inside.active = True
            try:
                yield uow
            finally:
                inside.active = False

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if getattr(inside, "active", False) and "bank" in statement.lower():
            seen.append(statement)

    sa_event.listen(Engine, "before_cursor_execute", record)
    store.write = write  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        store.write = opened  # type: ignore[method-assign]
        sa_event.remove(Engine, "before_cursor_execute", record)


async def test_ingest_reads_no_bank_inside_its_transaction_yet_sees_a_change(
    client: httpx.AsyncClient, keys: dict[Role, str], container: Container, other_process
) -> None:
    container.banks.recheck_seconds = 0  # look at the revision before every batch
    platform = auth(keys[Role.PLATFORM])
    await client.post("/v1/events", json=media(data=lossless(scene(22))), headers=platform)
    other_process.banks.create(Bank(name="elsewhere", created_at=BASE), "t")
    other_process.banks.import_hashes(
        "elsewhere", [(HashType.PDQ, pdq_of(KNOWN))], source="s", licence="", actor="t"
    )

    with bank_reads_inside_writes(container) as seen:
        first = await client.post("/v1/events", json=media(data=KNOWN), headers=platform)
    assert first.status_code == 200
    assert seen == []

    assert container.banks.building is not None, "the revision moved: a rebuild started"
    container.banks.building.join(timeout=30)
    with bank_reads_inside_writes(container) as seen:
        second = await client.post("/v1/events", json=media(data=KNOWN), headers=platform)
    assert seen == []
    decision = second.json()["decision"]
    assert decision["verdict"] == "block"
    assert decision["signals"][0]["evidence"]["bank"] == "elsewhere"


def test_a_background_look_after_the_store_closed_ends_quietly_and_close_waits_for_it(
    container: Container,
) -> None:
    failures: list[BaseException | None] = []
    before, threading.excepthook = threading.excepthook, lambda a: failures.append(a.exc_value)
    try:
        container.store.close()  # a process shutting down while its next look is due
        container.banks._index.expire()
        container.banks.refresh()
        container.banks.close()
        assert container.banks.building is not None
        assert not container.banks.building.is_alive()
    finally:
        threading.excepthook = before
    assert failures == []
