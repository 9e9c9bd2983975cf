"""The compact exact-hash index gives the same answers as a dict of lists (Hypothesis), at
under twice the raw bytes a hash (issue #20 point 5)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.detectors.media.bank_index import BankIndex, UploadHashes
from safeguarding.detectors.media.exact_index import ExactIndex
from safeguarding.domain.banks import Bank, BankEntry, BankKind, HashType

BANKS = ("bank_a", "bank_b", "bank_c")
# A small pool, so the same hash lands in several banks and entries; some end in zero bytes.
POOL = [hashlib.sha256(bytes([n])).hexdigest() for n in range(6)] + ["ab" + "00" * 31, "00" * 32]


@st.composite
def entries(draw: st.DrawFn) -> list[BankEntry]:
    chosen = draw(st.lists(st.tuples(st.sampled_from(POOL), st.sampled_from(BANKS)), max_size=40))
    ids = draw(st.permutations(range(1, len(chosen) + 1)))
    return [
        BankEntry(entry_id, bank, HashType.SHA256, value, 1)
        for entry_id, (value, bank) in zip(ids, chosen, strict=True)
    ]


@settings(max_examples=200, deadline=None)
@given(entries(), st.sampled_from([*POOL, "ff" * 32, "AB" + "00" * 31, "abc", "zz" * 32]))
def test_lookup_answers_as_a_dict_of_lists_would(found: list[BankEntry], query: str) -> None:
    expected: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for e in found:
        expected[e.value].append((e.bank, e.entry_id))
    index = ExactIndex.build(found, 32)
    got = sorted(index.lookup(query), key=lambda owner: owner[1])
    assert got == sorted(expected.get(query.lower(), []), key=lambda owner: owner[1])


def test_ten_thousand_hashes_take_under_twice_their_raw_bytes() -> None:
    n = 10_000
    sha = [
        BankEntry(i, "b", HashType.SHA256, hashlib.sha256(b"%d" % i).hexdigest(), 1)
        for i in range(n)
    ]
    md5 = [BankEntry(i, "b", HashType.MD5, hashlib.md5(b"%d" % i).hexdigest(), 1) for i in range(n)]
    assert ExactIndex.build(sha, 32).nbytes <= 2 * 32 * n
    assert ExactIndex.build(md5, 16).nbytes <= 2 * 16 * n


def test_the_bank_index_matches_exact_hashes_and_honours_allowlists() -> None:
    made = datetime(2026, 12, 7, tzinfo=UTC)
    banks = [
        Bank(name="known", kind=BankKind.BLOCK, created_at=made),
        Bank(name="ok", kind=BankKind.ALLOW, created_at=made),
    ]
    value = POOL[0]
    md5 = hashlib.md5(b"x").hexdigest()
    index = BankIndex.build(
        1,
        banks,
        [
            BankEntry(1, "known", HashType.SHA256, value, 1),
            BankEntry(2, "known", HashType.MD5, md5, 1),
            BankEntry(3, "known", HashType.SHA256, POOL[1], 1),
            BankEntry(4, "ok", HashType.SHA256, POOL[1], 1),
        ],
    )
    assert [(m.bank, m.entry_id) for m in index.match(UploadHashes(sha256=value, md5=md5))] == [
        ("known", 1),
        ("known", 2),
    ]
    assert index.match(UploadHashes(sha256=POOL[1])) == []  # allowlisted
    assert index.counts()["sha256"] == 2
