"""The index kept current in place answers as one built at once (issue #20 point 4).

``build_streamed`` over any chunking equals ``BankIndex.build``; ``apply_changes`` of any
touched hashes equals a build of what is live afterwards, and leaves the snapshot it started
from answering as before (readers may still hold it).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.detectors.media.bank_index import BankIndex
from safeguarding.detectors.media.bank_updates import apply_changes, build_streamed
from safeguarding.domain.banks import (
    Bank,
    BankEntry,
    BankKind,
    EntryState,
    HashType,
    UploadHashes,
)
from tests.factories import BASE

RNG = np.random.default_rng(4)
PDQS = [RNG.bytes(32).hex() for _ in range(5)]
PDQS += [f"{int(PDQS[0], 16) ^ 0b1011:064x}", f"{int(PDQS[1], 16) ^ (1 << 200) - 1:064x}"]
VALUES = {
    HashType.PDQ: PDQS,
    HashType.MD5: [RNG.bytes(16).hex() for _ in range(3)],
    HashType.SHA256: [RNG.bytes(32).hex() for _ in range(3)],
}
BANKS = [
    Bank(name="a", created_at=BASE),
    Bank(name="b", created_at=BASE, pdq_threshold=4),
    Bank(name="off", created_at=BASE, enabled=False),
    Bank(name="ok", created_at=BASE, kind=BankKind.ALLOW),
]
QUERIES = [UploadHashes(pdq=p) for p in PDQS] + [
    UploadHashes(**{kind.value: v})
    for kind in (HashType.MD5, HashType.SHA256)
    for v in VALUES[kind]
]


@st.composite
def entries(
    draw: st.DrawFn, first_id: int = 1, banks: tuple[str, ...] = ("a", "b", "off")
) -> list[BankEntry]:
    kinds = st.sampled_from([HashType.PDQ, HashType.MD5, HashType.SHA256])
    found = []
    for at, kind in enumerate(draw(st.lists(kinds, max_size=12))):
        value = draw(st.sampled_from(VALUES[kind]))
        found.append(BankEntry(first_id + at, draw(st.sampled_from(banks)), kind, value, 1))
    return found


def answers(index: BankIndex) -> list[object]:
    return [index.match(q) for q in QUERIES]


@settings(max_examples=60, deadline=None)
@given(entries(banks=("a", "b", "off", "ok")), st.integers(1, 5))
def test_a_streamed_build_equals_a_build_at_once(found: list[BankEntry], size: int) -> None:
    chunks = [found[at : at + size] for at in range(0, len(found), size)]
    streamed = build_streamed(1, BANKS, chunks)
    assert answers(streamed) == answers(BankIndex.build(1, BANKS, found))
    assert streamed.counts() == BankIndex.build(1, BANKS, found).counts()


@settings(max_examples=80, deadline=None)
@given(
    entries(),
    entries(first_id=100),
    st.data(),
)
def test_changes_applied_in_place_equal_a_build_of_what_is_live(
    before: list[BankEntry], added: list[BankEntry], data: st.DataObject
) -> None:
    index = BankIndex.build(1, BANKS, before)
    was = answers(index)
    states = [EntryState(e, True, 1) for e in added]
    for entry in before:
        fate = data.draw(st.sampled_from(["keep", "remove", "off", "on"]))
        if fate != "keep":
            states.append(EntryState(entry, fate != "remove", 0 if fate == "off" else 1))
    updated = apply_changes(index, 2, states, now=1e9)
    assert updated is not None
    touched = {s.entry.entry_id for s in states}
    live = [e for e in before if e.entry_id not in touched]
    live += [s.entry for s in states if s.live and s.disable_until_ts == 1]
    assert answers(updated) == answers(BankIndex.build(2, BANKS, live))
    assert answers(index) == was, "the snapshot readers hold is left as it was"


def test_a_touched_allowlist_or_video_entry_asks_for_a_rebuild() -> None:
    index = BankIndex.build(1, BANKS, [])
    allow = BankEntry(1, "ok", HashType.PDQ, PDQS[0], 1)
    video = BankEntry(2, "a", HashType.VPDQ, ",".join(PDQS[:2]), 1)
    assert apply_changes(index, 2, [EntryState(allow, True, 1)], now=1e9) is None
    assert apply_changes(index, 2, [EntryState(video, True, 1)], now=1e9) is None
