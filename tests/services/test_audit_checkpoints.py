"""Automatic audit checkpoints: made by the outbox loop every M minutes while records are added
(an injected clock moves time on), and made once per interval however many processes run it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding.bootstrap import Container
from safeguarding.domain.audit import CHECKPOINT_ACTION
from safeguarding.wiring import checkpoint_folder
from tests.clocks import MovableClock
from tests.conftest import another_process, build_container, make_settings

WAIT_SECONDS = 20.0


@pytest.fixture
def timed(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path, clock: MovableClock
) -> Iterator[Container]:
    """Checkpoints every 10 minutes only (the record count trigger off)."""
    settings = make_settings(
        database_url, tmp_path, audit_checkpoint_records=0, audit_checkpoint_minutes=10
    )
    container = build_container(pytestconfig, settings, clock=clock)
    yield container
    container.close()


def add_record(container: Container, name: str) -> None:
    container.keys.create(name, "platform")  # key creation is audited


def checkpoint_seqs(container: Container) -> list[int]:
    held = checkpoint_folder(container.settings).read_all()
    return [item.checkpoint.seq for item in held if item.checkpoint is not None]


def wait_for_checkpoints(container: Container, count: int) -> list[int]:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(seqs := checkpoint_seqs(container)) < count:
        assert time.monotonic() < deadline, f"no checkpoint {count} within {WAIT_SECONDS}s"
        time.sleep(0.02)
    return seqs


def test_the_outbox_loop_makes_a_checkpoint_every_m_minutes_while_records_are_added(
    timed: Container, clock: MovableClock
) -> None:
    add_record(timed, "first")
    clock.advance(minutes=9)
    timed.outbox.run_periodic()
    assert checkpoint_seqs(timed) == []  # not yet ten minutes

    stop = threading.Event()
    loop = timed.outbox.start_thread(stop, poll_seconds=0.01)
    try:
        clock.advance(minutes=1)
        (first,) = wait_for_checkpoints(timed, 1)
        add_record(timed, "second")
        clock.advance(minutes=10)
        assert wait_for_checkpoints(timed, 2) == [first, first + 2]
    finally:
        stop.set()
        loop.join(timeout=10)
    clock.advance(minutes=30)
    timed.outbox.run_periodic()
    assert len(checkpoint_seqs(timed)) == 2  # nothing added since: no new checkpoint needed


def test_several_processes_make_one_checkpoint_per_interval(
    pytestconfig: pytest.Config, database_url: str, tmp_path: Path, clock: MovableClock
) -> None:
    settings = make_settings(
        database_url, tmp_path, audit_checkpoint_records=3, audit_checkpoint_minutes=0
    )
    first = build_container(pytestconfig, settings, clock=clock)
    workers = [first, *(another_process(first, settings, clock=clock) for _ in range(2))]
    try:
        for i in range(3):
            add_record(workers[0], f"k{i}")
        start = threading.Barrier(len(workers))

        def each(container: Container) -> None:
            start.wait()
            container.checkpoints.maybe_take()

        threads = [threading.Thread(target=each, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with workers[0].store.read() as uow:
            made = [r for r in uow.audit.records() if r.action == CHECKPOINT_ACTION]
        assert len(made) == 1
        assert len(checkpoint_seqs(workers[0])) == 1
    finally:
        for container in workers:
            container.close()
