"""PdqIndex finds exactly what a brute-force scan finds, whatever the data and the updates.

Hash sets are synthetic: uniformly random, or clustered (hashes a few bits from shared
centres, so the index's buckets are skewed), with queries placed exactly at the threshold
and one bit beyond it. Chunk widths are forced small so that the multi-index probe path,
not only the scan a small index would choose, is what these tests exercise.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.detectors.media.pdq_hash import format_pdq_hex, parse_pdq_hex, pdq_rows
from safeguarding.detectors.media.pdq_index import BruteForcePdqIndex, PdqIndex, PdqMatch
from safeguarding.detectors.media.pdq_plan import allocate_radii, split_bits

THRESHOLDS = (0, 1, 31, 32, 70)
CHUNK_BITS = (None, 5, 8, 11, 16)  # None: the size-chosen layout (a scan at these sizes)


def flip(rng: np.random.Generator, row: np.ndarray, bits: int) -> np.ndarray:
    """A copy of one hash with exactly `bits` distinct bits flipped."""
    out = np.unpackbits(row.copy())
    chosen = rng.choice(256, size=bits, replace=False)
    out[chosen] ^= 1
    return np.packbits(out)


def make_bank(seed: int, size: int, clustered: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if not clustered:
        return rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
    centres = rng.integers(0, 256, size=(int(rng.integers(1, 5)), 32), dtype=np.uint8)
    rows = [
        flip(rng, centres[rng.integers(len(centres))], int(rng.integers(0, 9))) for _ in range(size)
    ]
    return np.array(rows, np.uint8).reshape(size, 32)


def make_queries(seed: int, bank: np.ndarray, threshold: int) -> np.ndarray:
    """Bank hashes at distance 0, threshold and threshold + 1, and unrelated random hashes."""
    rng = np.random.default_rng(seed + 1)
    queries = list(rng.integers(0, 256, size=(3, 32), dtype=np.uint8))
    for row in bank[rng.integers(0, len(bank), size=min(len(bank), 6))] if len(bank) else []:
        queries += [row.copy(), flip(rng, row, threshold), flip(rng, row, min(threshold + 1, 256))]
    return np.array(queries, np.uint8)


hash_sets = st.tuples(
    st.integers(0, 2**32 - 1), st.integers(0, 300), st.booleans(), st.sampled_from(THRESHOLDS)
)


@settings(max_examples=80, deadline=None)
@given(case=hash_sets, chunk_bits=st.sampled_from(CHUNK_BITS))
def test_matches_are_exactly_those_of_brute_force(
    case: tuple[int, int, bool, int], chunk_bits: int | None
) -> None:
    seed, size, clustered, threshold = case
    bank = make_bank(seed, size, clustered)
    ids = np.random.default_rng(seed).permutation(size) * 7 - 50  # arbitrary, even negative
    fast = PdqIndex.build(bank, ids, threshold=threshold, chunk_bits=chunk_bits)
    oracle = BruteForcePdqIndex.build(bank, ids, threshold=threshold)
    queries = make_queries(seed, bank, threshold)
    assert fast.query_many(queries) == oracle.query_many(queries)
    other = THRESHOLDS[(THRESHOLDS.index(threshold) + 2) % len(THRESHOLDS)]  # per-query threshold
    assert fast.query_many(queries, other) == oracle.query_many(queries, other)


@settings(max_examples=40, deadline=None)
@given(
    case=hash_sets,
    chunk_bits=st.sampled_from(CHUNK_BITS),
    steps=st.lists(st.tuples(st.sampled_from(["add", "remove", "rebuild"]), st.integers(0, 120))),
)
def test_updates_keep_matches_exact(
    case: tuple[int, int, bool, int],
    chunk_bits: int | None,
    steps: list[tuple[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    seed, size, clustered, threshold = case
    pool = make_bank(seed, size + 400, clustered)
    fast = PdqIndex.build(pool[:size], threshold=threshold, chunk_bits=chunk_bits)
    oracle = BruteForcePdqIndex.build(pool[:size], threshold=threshold)
    used = size
    for action, amount in steps:
        if action == "add":
            batch = pool[used : used + amount]
            used += len(batch)
            fast.add(batch)
            oracle.add(batch)
        elif action == "remove":  # ids are 0.. upwards, so this removes some that exist
            doomed = range(amount % 7, used, 5 + amount % 4)
            assert fast.remove(doomed) == oracle.remove(doomed)
        else:
            fast.rebuild()
    queries = make_queries(seed, pool[:used], threshold)
    assert len(fast) == len(oracle)
    assert fast.query_many(queries) == oracle.query_many(queries)
    saved = tmp_path_factory.mktemp("index") / "bank.npz"
    fast.save(saved)
    assert PdqIndex.load(saved).query_many(queries) == oracle.query_many(queries)


def test_forced_chunks_probe_rather_than_scan() -> None:
    bank = make_bank(1, 300, clustered=True)
    index = PdqIndex.build(bank, chunk_bits=8)
    table = index._parts[0].table
    assert table.widths == split_bits(32)
    assert table.plan(31) is not None
    assert table.plan(0) is not None


def test_radii_satisfy_the_pigeonhole_bound() -> None:
    for threshold in (0, 1, 31, 70):
        radii = allocate_radii(split_bits(14), 10**6, threshold)
        assert radii is not None
        assert sum(t + 1 for t in radii) == threshold + 1


def test_known_distances_from_hex() -> None:
    base = "0" * 64
    bank = [base, "f" + "0" * 63, "ff" + "0" * 62, "f" * 64]
    index = PdqIndex.build(bank, [10, 11, 12, 13])
    assert index.query(base) == [PdqMatch(10, 0), PdqMatch(11, 4), PdqMatch(12, 8)]
    assert index.query(base, threshold=4) == [PdqMatch(10, 0), PdqMatch(11, 4)]
    assert index.query(base, threshold=256)[-1] == PdqMatch(13, 256)
    assert index.query(bytes(32), threshold=0) == [PdqMatch(10, 0)]


def test_remove_then_add_an_id_again() -> None:
    bank = make_bank(5, 50, clustered=False)
    index = PdqIndex.build(bank)
    assert index.remove([3, 3, 999]) == 1
    assert index.query(bank[3], 0) == []
    index.add(bank[3:4], [3])
    assert index.query(bank[3], 0) == [PdqMatch(3, 0)]
    assert len(index) == 50


def test_readers_keep_matching_while_a_writer_adds() -> None:
    bank = make_bank(7, 2000, clustered=False)
    index = PdqIndex.build(bank[:500], chunk_bits=16)
    failures: list[object] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            found = index.query(bank[0], 0)
            if found != [PdqMatch(0, 0)]:
                failures.append(found)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    for start in range(500, 2000, 100):
        index.add(bank[start : start + 100])
    stop.set()
    for reader in readers:
        reader.join()
    assert failures == []
    assert index.query(bank[1999], 0) == [PdqMatch(1999, 0)]


def test_index_memory_stays_within_four_times_the_hashes() -> None:
    bank = make_bank(9, 300_000, clustered=False)
    index = PdqIndex.build(bank)
    assert index._parts[0].table.widths  # big enough for the probe layout
    assert index.nbytes / len(index) <= 128


def test_load_rejects_a_file_that_is_not_an_index(tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not an index")
    with pytest.raises(ValueError, match="not a PDQ index file"):
        PdqIndex.load(junk)
    np.savez(tmp_path / "other.npz", words=np.zeros(3))
    with pytest.raises(ValueError, match="not a PDQ index file"):
        PdqIndex.load(tmp_path / "other.npz")


def test_an_empty_index_matches_nothing_and_saves(tmp_path: Path) -> None:
    index = PdqIndex.build(np.zeros((0, 32), np.uint8))
    assert index.query("a" * 64) == []
    index.save(tmp_path / "empty.npz")
    assert len(PdqIndex.load(tmp_path / "empty.npz")) == 0


def test_hex_round_trip_and_errors() -> None:
    text = "0123456789abcdef" * 4
    assert format_pdq_hex(parse_pdq_hex(text.upper())) == text
    assert pdq_rows([text]).shape == (1, 32)
    with pytest.raises(ValueError, match="64 hex digits, not 63 characters"):
        parse_pdq_hex(text[:-1])
    with pytest.raises(ValueError, match="'g' is not a hex digit"):
        parse_pdq_hex("g" + text[1:])
    with pytest.raises(ValueError, match="hash 1: "):
        pdq_rows([text, "xyz"])
    with pytest.raises(ValueError, match="between 0 and 256"):
        PdqIndex(threshold=300)
    with pytest.raises(ValueError, match="one integer id per hash"):
        PdqIndex.build([text], [1, 2])
