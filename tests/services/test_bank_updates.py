"""Bank changes reach every process's index in place, from the change log (issue #20 point 4).

A change to hashes alone (import, removal, rollback, an entry switched) is applied to a copy
of each process's snapshot, reading only the hashes it touched; the index then answers as one
rebuilt from the database would. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.adapters.storage.memory.banks import MemoryBanks
from safeguarding.adapters.storage.sqlalchemy.banks import BankRows
from safeguarding.bootstrap import Container
from safeguarding.detectors.media.bank_index import BankIndex, IndexHolder
from safeguarding.domain.access import Role
from safeguarding.domain.banks import BankKind, HashType, ImportMode, UploadHashes
from safeguarding.services.banks import BankService
from tests.conftest import auth
from tests.detectors.media.fixtures.media import lossless, scene
from tests.factories import media
from tests.services import test_bank_refresh
from tests.services.test_banks import bank, flip, pdq_of, random_pdq

pytestmark = pytest.mark.anyio
RNG = np.random.default_rng(20)
BASES = [random_pdq(RNG) for _ in range(4)]
PDQS = BASES + [flip(b, 6, RNG) for b in BASES[:2]] + [flip(BASES[0], 20, RNG)]
MD5S = [RNG.bytes(16).hex() for _ in range(3)]
SHAS = [RNG.bytes(32).hex() for _ in range(3)]
POOL = (
    [(HashType.PDQ, p) for p in PDQS]
    + [(HashType.MD5, m) for m in MD5S]
    + [(HashType.SHA256, s) for s in SHAS]
)
CHANGED = ["wide", "narrow", "dormant"]  # two blocking banks and a disabled one
LATER = int(time.time()) + 24 * 3600  # an entry switched off until tomorrow
FULL_READS = ("entries_live", "entries_chunks")  # what a rebuild reads, on every store


other_process = test_bank_refresh.other_process  # a second process over the same database


@pytest.fixture
def full_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time any process reads every live hash (what a rebuild does), from any store."""
    seen: list[str] = []
    for store, name in itertools.product((BankRows, MemoryBanks), FULL_READS):
        original = getattr(store, name)  # a rename must not leave the spy watching nothing

        def spy(self: Any, *args: Any, _original: Any = original, _name: str = name) -> Any:
            seen.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(store, name, spy)
    return seen


def uploads() -> list[UploadHashes]:
    near = [flip(p, 3, RNG) for p in PDQS]
    return (
        [UploadHashes(pdq=p) for p in PDQS + near]
        + [UploadHashes(md5=m) for m in MD5S]
        + [UploadHashes(sha256=s) for s in SHAS]
    )


QUERIES = uploads()

change = st.one_of(
    st.tuples(
        st.just("import"),
        st.sampled_from(CHANGED),
        st.lists(st.sampled_from(POOL), min_size=1, max_size=5),
        st.sampled_from(list(ImportMode)),
    ),
    st.tuples(st.just("remove"), st.sampled_from(CHANGED), st.integers(0, 50)),
    st.tuples(
        st.just("switch"),
        st.sampled_from(CHANGED),
        st.integers(0, 50),
        st.sampled_from([0, 1, LATER]),
    ),
    st.tuples(st.just("rollback"), st.sampled_from(CHANGED), st.integers(1, 50)),
)


def apply(banks: BankService, step: tuple[Any, ...]) -> None:
    action, name, *rest = step
    if action == "import":
        hashes, mode = rest
        banks.import_hashes(name, hashes, source="s", licence="", actor="t", mode=mode)
        return
    if action == "rollback":
        versions = banks.get(name)[1]
        if versions:
            banks.rollback(name, versions[rest[0] % len(versions)].version, "t")
        return
    with banks.store.read() as uow:
        live = sorted(uow.banks.hashes_live(name).values())
    if not live:
        return
    entry_id = live[rest[0] % len(live)]
    if action == "remove":
        banks.remove_entry(name, entry_id, "t")
    else:
        banks.switch_entry(name, entry_id, rest[1], "t")


def from_scratch(banks: BankService) -> BankIndex:
    """The index as a rebuild from the database makes it, and as the old one-read build did."""
    rebuilt = BankService(banks.store, banks.clock, IndexHolder()).rebuild()
    with banks.store.read() as uow:
        switched = uow.banks.entries_switched_off()
        live = [e for e in uow.banks.entries_live() if e.entry_id not in switched]
        oracle = BankIndex.build(rebuilt.revision, uow.banks.listed(), live)
    assert [oracle.match(q) for q in QUERIES] == [rebuilt.match(q) for q in QUERIES]
    return rebuilt


def test_hash_changes_applied_in_place_match_a_rebuild_from_the_database(
    container: Container, other_process: Container, full_reads: list[str]
) -> None:
    container.banks.create(bank("wide"), "t")
    container.banks.create(bank("narrow", pdq_threshold=8), "t")
    container.banks.create(bank("dormant", enabled=False), "t")
    container.banks.create(bank("allowed", kind=BankKind.ALLOW), "t")
    container.banks.import_hashes(
        "allowed", [(HashType.PDQ, BASES[3])], source="s", licence="", actor="t"
    )
    other_process.banks.catch_up()

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(change, min_size=1, max_size=6))
    def changes_then_compare(steps: list[tuple[Any, ...]]) -> None:
        full_reads.clear()
        for step in steps:
            apply(container.banks, step)
        updated = other_process.banks.catch_up()
        assert full_reads == [], "a change to hashes alone made a process read every hash"
        expected = from_scratch(container.banks)
        assert updated.revision == expected.revision
        assert updated.counts() == expected.counts()
        assert [updated.match(q) for q in QUERIES] == [expected.match(q) for q in QUERIES]
        assert container.banks.holder.current.counts() == expected.counts()

    changes_then_compare()


def test_a_bank_level_change_or_a_large_one_rebuilds(
    container: Container, other_process: Container, full_reads: list[str]
) -> None:
    container.banks.create(bank("wide"), "t")
    other_process.banks.catch_up()
    other_process.banks.max_incremental = 2
    full_reads.clear()
    container.banks.import_hashes("wide", POOL[:3], source="s", licence="", actor="t")
    assert other_process.banks.catch_up().size == 3
    assert full_reads, "three hashes past a limit of two: rebuilt"
    full_reads.clear()
    container.banks.update("wide", {"enabled": False}, "t")
    assert other_process.banks.catch_up().size == 0
    assert full_reads, "a bank switched off: rebuilt"


KNOWN = lossless(scene(31))
LATE = lossless(scene(32))


async def verdict(
    client: httpx.AsyncClient, container: Container, headers: dict[str, str], data: bytes
) -> str:
    """Post an upload, let the refresh it starts finish, and post it again: its verdict then."""
    await client.post("/v1/events", json=media(data=data), headers=headers)
    if container.banks.building is not None:
        container.banks.building.join(timeout=30)
    answer = await client.post("/v1/events", json=media(data=data), headers=headers)
    return str(answer.json()["decision"]["verdict"])


async def test_a_change_in_one_process_takes_effect_in_another_without_a_rebuild(
    client: httpx.AsyncClient,
    keys: dict[Role, str],
    container: Container,
    other_process: Container,
    full_reads: list[str],
) -> None:
    platform = auth(keys[Role.PLATFORM])
    container.banks.recheck_seconds = 0  # look at the revision before every batch
    other_process.banks.create(bank("shared"), "t")
    other_process.banks.import_hashes(
        "shared", [(HashType.PDQ, pdq_of(KNOWN))], source="s", licence="", actor="t"
    )
    assert await verdict(client, container, platform, KNOWN) == "block"
    (entry_id,) = other_process.banks.entry_ids("shared", [(HashType.PDQ, pdq_of(KNOWN))])
    full_reads.clear()

    other_process.banks.switch_entry("shared", entry_id, 0, "t")
    assert await verdict(client, container, platform, KNOWN) != "block"
    other_process.banks.switch_entry("shared", entry_id, 1, "t")
    other_process.banks.import_hashes(
        "shared", [(HashType.PDQ, pdq_of(LATE))], source="s", licence="", actor="t"
    )
    assert await verdict(client, container, platform, KNOWN) == "block"
    assert await verdict(client, container, platform, LATE) == "block"
    other_process.banks.remove_entry("shared", entry_id, "t")
    assert await verdict(client, container, platform, KNOWN) != "block"
    assert full_reads == [], "no process read every live hash for a change to hashes alone"
