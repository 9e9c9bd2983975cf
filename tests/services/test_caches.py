"""The snapshot helper every rarely-changing cache uses: never older than the revision seen at
the start of ``get()``, rebuilt only when the revision moved, looked at no more often than its
staleness allows; and the expiring map beside it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding.services.caches import Snapshot, TtlLru


@dataclass
class Source:
    """State with a revision; a hook may change it while a snapshot reads or builds."""

    revision: int = 0
    builds: int = 0
    reads: int = 0
    on_read: list[int] = field(default_factory=list)
    on_build: list[int] = field(default_factory=list)

    def read(self) -> int:
        self.reads += 1
        seen = self.revision
        self.revision += self.on_read.pop() if self.on_read else 0
        return seen

    def build(self) -> int:
        self.builds += 1
        self.revision += self.on_build.pop() if self.on_build else 0
        return self.revision  # the value is the state it was built from


class Timer:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


OPS = st.lists(
    st.sampled_from(["bump", "get", "change_while_reading", "change_while_building", "expire"]),
    max_size=40,
)


@given(OPS, st.booleans())
def test_a_snapshot_is_never_older_than_the_revision_seen_when_get_began(
    ops: list[str], value_knows_its_revision: bool
) -> None:
    source = Source()
    revision_of = (lambda value: value) if value_knows_its_revision else None
    snapshot: Snapshot[[], int] = Snapshot(source.read, source.build, revision_of=revision_of)
    for op in ops:
        if op == "bump":
            source.revision += 1
        elif op == "expire":
            snapshot.expire()
        else:
            if op == "change_while_reading":
                source.on_read.append(1)
            if op == "change_while_building":
                source.on_build.append(1)
            at_start = source.revision
            got = snapshot.get()
            assert got >= at_start
            source.on_read.clear()  # a change that did not happen during this get never will
            source.on_build.clear()
            if op == "get":  # nothing moved while it ran: the next get builds nothing
                builds = source.builds
                assert (snapshot.get(), source.builds) == (got, builds)


def test_it_rebuilds_only_when_the_revision_moves() -> None:
    source = Source()
    snapshot: Snapshot[[], int] = Snapshot(source.read, source.build)
    assert [snapshot.get(), snapshot.get()] == [0, 0]
    assert source.builds == 1
    source.revision = 7
    assert snapshot.get() == 7
    assert (source.builds, source.reads) == (2, 3)


def test_within_its_staleness_it_reads_nothing_until_expired() -> None:
    source, timer = Source(), Timer()
    snapshot: Snapshot[[], int] = Snapshot(
        source.read, source.build, max_staleness=1.0, timer=timer
    )
    assert snapshot.get() == 0
    source.revision = 1
    assert (snapshot.get(), source.reads) == (0, 1), "looked at less than a second ago"
    timer.now += 1.0
    assert (snapshot.get(), source.reads) == (1, 2)
    source.revision = 2
    snapshot.expire()  # a change made in this process is seen at once
    assert (snapshot.get(), source.reads) == (2, 3)


def test_an_initial_value_is_fresh_and_a_failed_build_is_tried_again() -> None:
    source, timer = Source(revision=3), Timer()
    failing = [RuntimeError("half-copied file")]

    def build() -> int:
        if failing:
            raise failing.pop()
        return source.build()

    snapshot: Snapshot[[], int] = Snapshot(
        source.read, build, max_staleness=5, initial=(3, 3), timer=timer
    )
    source.revision = 4
    assert (snapshot.get(), source.reads) == (3, 0)
    timer.now += 5
    with pytest.raises(RuntimeError):
        snapshot.get()
    assert snapshot.current == 3, "the value held survives a failed build"
    assert snapshot.get() == 4


def test_threads_changing_and_reading_never_get_an_older_value() -> None:
    lock = threading.Lock()
    state = {"revision": 0}

    def read() -> int:
        with lock:
            return state["revision"]

    snapshot: Snapshot[[], int] = Snapshot(read, read)
    start, failures = threading.Barrier(8), []

    def work() -> None:
        start.wait()
        for _ in range(200):
            with lock:
                state["revision"] += 1
            before = read()
            got = snapshot.get()
            if got < before:
                failures.append((before, got))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_discard_where_forgets_only_the_unwanted() -> None:
    cache: TtlLru[str] = TtlLru(10, 30)
    cache.put_many([("a", "key-1"), ("b", "key-2"), ("c", "key-1")], now=0)
    cache.discard_where(lambda owner: owner == "key-1")
    assert cache.get_many(["a", "b", "c"], now=1) == [None, "key-2", None]
