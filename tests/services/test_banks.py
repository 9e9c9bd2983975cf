"""Hash banks end to end: versions, rollback, allowlists, the shared index, and the decision.

Images are benign Pillow scenes; hash lists are synthetic or hashes of those scenes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.bootstrap import Container
from safeguarding.detectors.media.bank_index import BankIndex, UploadHashes
from safeguarding.detectors.media.hashing import hash_image_bytes, pdq_distance
from safeguarding.domain.banks import Bank, BankEntry, BankKind, HashType, ImportMode
from safeguarding.domain.cases import CaseStatus
from safeguarding.domain.errors import MediaRefused, NotFound
from tests.clocks import MovableClock
from tests.conftest import another_process, make_settings
from tests.detectors.media.fixtures.media import encode, lossless, png_bomb, scene
from tests.factories import BASE, event, media

ORIGINAL = lossless(scene(11))
NEAR_DUPLICATE = encode(scene(11).resize((320, 240)), "JPEG", quality=60)
OTHER = lossless(scene(12))


def pdq_of(data: bytes) -> str:
    return hash_image_bytes(data).pdq


def bank(name: str, **fields: object) -> Bank:
    return Bank(name=name, created_at=BASE, **fields)


def random_pdq(rng: np.random.Generator) -> str:
    return rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def flip(pdq: str, bits: int, rng: np.random.Generator) -> str:
    value = int(pdq, 16)
    for bit in rng.choice(256, bits, replace=False):
        value ^= 1 << int(bit)
    return f"{value:064x}"


# -- versions and rollback -------------------------------------------------------------------
def test_imports_are_versioned_and_a_rollback_restores_an_earlier_content(container) -> None:
    banks = container.banks
    banks.create(bank("synthetic"), "test")
    rng = np.random.default_rng(1)
    first = [(HashType.PDQ, random_pdq(rng)) for _ in range(3)]
    second = [(HashType.MD5, hashlib.md5(b"x%d" % i).hexdigest()) for i in range(2)]
    v1 = banks.import_hashes("synthetic", first, source="list-a.txt", licence="test", actor="t")
    v2 = banks.import_hashes("synthetic", second, source="list-b.csv", licence="", actor="t")
    v3 = banks.import_hashes(
        "synthetic", first[:1], source="c", licence="", actor="t", mode=ImportMode.REPLACE
    )
    assert (v1.version, v1.added, v1.total) == (1, 3, 3)
    assert (v2.version, v2.added, v2.total) == (2, 2, 5)
    assert (v3.version, v3.added, v3.removed, v3.total) == (3, 0, 4, 1)
    back = banks.rollback("synthetic", 2, "t")
    assert (back.version, back.rolled_back_to, back.added, back.total) == (4, 2, 4, 5)
    with container.store.read() as uow:
        assert set(uow.banks.hashes_live("synthetic")) == set(first + second)
        assert uow.banks.hashes_at("synthetic", 3) == set(first[:1])
    saved, versions = banks.get("synthetic")
    assert saved.version == 4
    assert [v.source for v in versions] == [
        "list-a.txt",
        "list-b.csv",
        "c",
        "rollback to version 2",
    ]
    with pytest.raises(NotFound):
        banks.rollback("synthetic", 9, "t")


def test_every_bank_change_is_audited(container) -> None:
    container.banks.create(bank("audited"), "admin-key")
    container.banks.update("audited", {"enabled": False}, "admin-key")
    container.banks.delete("audited", "admin-key")
    with container.store.read() as uow:
        actions = [r.action for r in uow.audit.records(0, 100) if r.subject == "audited"]
    assert actions == ["bank.create", "bank.update", "bank.delete"]


# -- matching ---------------------------------------------------------------------------------
def test_pdq_matches_real_transformations_of_a_picture_not_another(container) -> None:
    container.banks.create(bank("images"), "t")
    container.banks.import_hashes(
        "images", [(HashType.PDQ, pdq_of(ORIGINAL))], source="s", licence="", actor="t"
    )
    index = container.banks.index()
    (hit,) = index.match(UploadHashes(pdq=pdq_of(NEAR_DUPLICATE)))
    assert (hit.bank, hit.matched_hash) == ("images", pdq_of(ORIGINAL))
    assert hit.distance == pdq_distance(pdq_of(ORIGINAL), pdq_of(NEAR_DUPLICATE)) <= 31
    assert index.match(UploadHashes(pdq=pdq_of(OTHER))) == []


def test_thresholds_are_per_bank_and_allowlists_and_disabled_banks_stop_matches() -> None:
    rng = np.random.default_rng(2)
    known = random_pdq(rng)
    near = flip(known, 12, rng)
    banks = [bank("strict", pdq_threshold=8), bank("loose"), bank("fp", kind=BankKind.ALLOW)]
    entries = [
        BankEntry(entry_id=1, bank="strict", hash_type=HashType.PDQ, value=known, version=1),
        BankEntry(entry_id=2, bank="loose", hash_type=HashType.PDQ, value=known, version=1),
    ]
    index = BankIndex.build(1, banks, entries)
    assert [m.bank for m in index.match(UploadHashes(pdq=near))] == ["loose"]
    allow = BankEntry(
        entry_id=3, bank="fp", hash_type=HashType.PDQ, value=flip(near, 3, rng), version=1
    )
    assert BankIndex.build(2, banks, [*entries, allow]).match(UploadHashes(pdq=near)) == []
    disabled = [bank("strict", pdq_threshold=8), bank("loose", enabled=False)]
    assert BankIndex.build(3, disabled, entries).match(UploadHashes(pdq=near)) == []


def test_exact_hashes_match_and_an_allowlisted_hash_never_does() -> None:
    digest = hashlib.sha256(b"benign").hexdigest()
    md5 = hashlib.md5(b"benign").hexdigest()
    banks = [bank("exact"), bank("fp", kind=BankKind.ALLOW)]
    entries = [
        BankEntry(entry_id=1, bank="exact", hash_type=HashType.SHA256, value=digest, version=1),
        BankEntry(entry_id=2, bank="exact", hash_type=HashType.MD5, value=md5, version=1),
    ]
    index = BankIndex.build(1, banks, entries)
    assert [m.hash_type for m in index.match(UploadHashes(sha256=digest, md5=md5))] == [
        HashType.SHA256,
        HashType.MD5,
    ]
    allowed = BankEntry(entry_id=3, bank="fp", hash_type=HashType.SHA256, value=digest, version=1)
    index = BankIndex.build(2, banks, [*entries, allowed])
    assert [m.hash_type for m in index.match(UploadHashes(sha256=digest, md5=md5))] == [
        HashType.MD5
    ]


def test_vpdq_matches_by_the_share_of_frames_both_ways() -> None:
    rng = np.random.default_rng(3)
    frames = [random_pdq(rng) for _ in range(10)]
    video = BankEntry(
        entry_id=1, bank="videos", hash_type=HashType.VPDQ, value=",".join(frames), version=1
    )
    index = BankIndex.build(1, [bank("videos")], [video])
    similar = (*tuple(flip(f, 5, rng) for f in frames[:9]), random_pdq(rng))
    (hit,) = index.match(UploadHashes(vpdq=similar))
    assert (hit.query_share, hit.compared_share) == (0.9, 0.9)
    half = tuple(frames[:5]) + tuple(random_pdq(rng) for _ in range(5))
    assert index.match(UploadHashes(vpdq=half)) == []


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(1, 120),
    thresholds=st.lists(st.integers(0, 60), min_size=1, max_size=3),
)
def test_index_matches_equal_a_brute_force_scan(
    seed: int, size: int, thresholds: list[int]
) -> None:
    rng = np.random.default_rng(seed)
    centres = [random_pdq(rng) for _ in range(3)]
    values = [flip(centres[i % 3], int(rng.integers(0, 40)), rng) for i in range(size)]
    banks = [bank(f"b{i}", pdq_threshold=t) for i, t in enumerate(thresholds)]
    entries = [
        BankEntry(
            entry_id=i + 1, bank=f"b{i % len(banks)}", hash_type=HashType.PDQ, value=v, version=1
        )
        for i, v in enumerate(values)
    ]
    index = BankIndex.build(1, banks, entries)
    for query in [flip(c, int(rng.integers(0, 45)), rng) for c in centres] + [random_pdq(rng)]:
        expected = {
            (e.entry_id, pdq_distance(e.value, query))
            for e in entries
            if pdq_distance(e.value, query) <= banks[int(e.bank[1:])].pdq_threshold
        }
        assert {(m.entry_id, m.distance) for m in index.match(UploadHashes(pdq=query))} == expected


# -- the decision -----------------------------------------------------------------------------
def test_an_upload_matching_a_bank_is_blocked_preserved_cased_and_reported(container) -> None:
    container.banks.create(bank("known"), "t")
    container.banks.import_hashes(
        "known", [(HashType.PDQ, pdq_of(ORIGINAL))], source="s", licence="", actor="t"
    )
    (result,) = container.ingest.ingest([event(media(data=NEAR_DUPLICATE))], source="test")
    decision = result.decision
    assert decision.verdict.value == "block"
    (signal,) = [s for s in decision.signals if s.detector == "hash_bank"]
    assert (signal.kind, signal.evidence.bank, signal.evidence.hash_type) == (
        "hash_match",
        "known",
        "pdq",
    )
    assert "known-abuse-image" in {r.rule for r in decision.rules}
    container.outbox.run_once(100)
    with container.store.read() as uow:
        (case,) = uow.cases.listed(list(CaseStatus), 10)
        stored = uow.events.get(result.event_id)
    assert (case.queue, case.priority, case.report_to_authority) == ("abuse_imagery", 1, True)
    assert stored is not None
    assert stored.hashes is not None
    assert stored.hashes.pdq == pdq_of(NEAR_DUPLICATE)


def test_a_hostile_upload_is_refused_and_nothing_is_stored(container) -> None:
    with pytest.raises(MediaRefused) as refused:
        container.ingest.ingest([event(media(data=png_bomb(100_000, 100_000)))], source="t")
    assert refused.value.reason == "too_many_pixels"
    assert "100000x100000" in refused.value.detail
    with container.store.read() as uow:
        assert uow.figures.counts().events_by_type == {}


@pytest.fixture
def second_process(container: Container) -> Iterator[Container]:
    """Another process over the same database, looking for bank changes on every match."""
    settings = make_settings(
        container.settings.database_url, container.settings.data_dir, bank_recheck_seconds=0
    )
    built = another_process(container, settings)
    yield built
    built.close()


def test_another_process_rebuilds_its_index_when_a_bank_changes(container, second_process) -> None:
    assert second_process.banks.index().size == 0
    container.banks.create(bank("shared"), "t")
    container.banks.import_hashes(
        "shared", [(HashType.PDQ, pdq_of(ORIGINAL))], source="s", licence="", actor="t"
    )
    deadline = time.monotonic() + 10
    while second_process.banks.index().size == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # the rebuild runs in the background; matching went on meanwhile
    assert second_process.banks.index().match(UploadHashes(pdq=pdq_of(NEAR_DUPLICATE)))


def test_a_known_video_is_matched_by_its_frames_through_ingest(container, tmp_path) -> None:
    from safeguarding.detectors.media.hashing import hash_video_bytes
    from tests.detectors.media.fixtures.media import FFMPEG, video

    if FFMPEG is None:
        pytest.skip("ffmpeg is not installed (scripts/install-system-deps.sh installs it)")
    known = video(tmp_path, "mp4", seconds=4)
    frames = ",".join(f.pdq for f in hash_video_bytes(known).frames)
    container.banks.create(bank("videos"), "t")
    container.banks.import_hashes(
        "videos", [(HashType.VPDQ, frames)], source="s", licence="", actor="t"
    )
    upload = {**media(data=known), "media_kind": "video"}
    (result,) = container.ingest.ingest([event(upload)], source="test")
    (signal,) = [s for s in result.decision.signals if s.detector == "hash_bank"]
    assert (signal.evidence.hash_type, signal.evidence.bank) == ("vpdq", "videos")
    assert signal.evidence.details["upload_frames_matched"] == 1.0
    assert result.decision.verdict.value == "block"


def test_a_retried_upload_is_not_hashed_again(container) -> None:
    upload = event(media(data=ORIGINAL, event_id="retry-me"))
    (first,) = container.ingest.ingest([upload], source="t")
    container.media.close()  # a retry must not need the workers: its decision is stored
    (again,) = container.ingest.ingest([upload], source="t")
    assert again.replayed
    assert again.decision == first.decision


def test_an_entry_switched_off_for_a_while_matches_again_when_the_time_comes(container) -> None:
    clock = MovableClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    container.banks.clock, container.banks.recheck_seconds = clock, 0
    container.banks.create(bank("timed"), "t")
    pdq = pdq_of(ORIGINAL)
    container.banks.import_hashes("timed", [(HashType.PDQ, pdq)], source="s", licence="", actor="t")
    (entry_id,) = container.banks.entry_ids("timed", [(HashType.PDQ, pdq)])
    back = int(clock.now().timestamp()) + 60
    container.banks.switch_entry("timed", entry_id, back, actor="t")
    assert container.banks.index().match(UploadHashes(pdq=pdq)) == []
    assert container.banks.entry("timed", entry_id)[2] == back
    clock.at += timedelta(seconds=61)  # no bank changed: the index must see the time pass
    deadline = time.monotonic() + 10
    while not container.banks.index().match(UploadHashes(pdq=pdq)) and time.monotonic() < deadline:
        time.sleep(0.05)  # the rebuild runs in the background; matching went on meanwhile
    assert [m.entry_id for m in container.banks.index().match(UploadHashes(pdq=pdq))] == [entry_id]
