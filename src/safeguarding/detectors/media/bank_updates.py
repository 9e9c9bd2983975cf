"""Keeping a ``BankIndex`` current: a full build streamed into arrays, and changes applied.

A full build (``build_streamed``) takes the live hashes a chunk at a time, as the store
streams them, and packs each chunk into arrays at once: raw PDQ rows, raw exact hashes, ids
and 2-byte bank codes. It never holds every hash as a Python object, which at ten million
hashes would cost gigabytes more than the index itself.

An update (``apply_changes``) takes the hashes a few changes touched, as they stand now, and
makes the next snapshot from the current one: each touched id is taken out and put back if
it is live, switched on and in an enabled blocking bank. The arrays of the current snapshot
are never written to (readers may hold it); the PDQ tables are shared, with the new hashes in
the index's small delta table, so only a compaction rebuilds them. Touched allowlist and vPDQ
entries return ``None``: the caller rebuilds (both are small, and their structures are not
made to change in place).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from safeguarding.detectors.media.bank_index import EXACT, BankIndex, _Pdq, _pdq, _videos
from safeguarding.detectors.media.exact_index import ExactIndex
from safeguarding.detectors.media.pdq_index import PdqIndex
from safeguarding.detectors.urls.index import UrlIndex
from safeguarding.domain.banks import Bank, BankEntry, BankKind, EntryState, HashType

Ids = npt.NDArray[np.int64]


class _Packed:
    """One hash type's blocking entries so far, as lists of per-chunk arrays."""

    def __init__(self) -> None:
        self.values: list[np.ndarray] = []
        self.ids: list[Ids] = []
        self.codes: list[npt.NDArray[np.uint16]] = []

    def take(self, values: np.ndarray, entries: Sequence[BankEntry], code: dict[str, int]) -> None:
        self.values.append(values)
        self.ids.append(np.fromiter((e.entry_id for e in entries), np.int64, len(entries)))
        self.codes.append(np.fromiter((code[e.bank] for e in entries), np.uint16, len(entries)))

    def joined(self, empty: np.ndarray) -> tuple[np.ndarray, Ids, npt.NDArray[np.uint16]]:
        if not self.ids:
            return empty, np.zeros(0, np.int64), np.zeros(0, np.uint16)
        return np.concatenate(self.values), np.concatenate(self.ids), np.concatenate(self.codes)


def build_streamed(
    revision: int,
    banks: Iterable[Bank],
    chunks: Iterable[Sequence[BankEntry]],
    switched_off: Collection[int] = (),
    changed_at: datetime | None = None,
    reenable_at: datetime | None = None,
) -> BankIndex:
    """The same index as ``BankIndex.build`` over the chunks' entries (less ``switched_off``)."""
    by_name = {b.name: b for b in banks if b.enabled}
    names = tuple(sorted(by_name))
    code = {name: at for at, name in enumerate(names)}
    packed = {kind: _Packed() for kind in (*EXACT, HashType.PDQ)}
    allow: list[BankEntry] = []  # allowlists, videos and URL lists: few, built as before
    videos: list[BankEntry] = []
    urls: list[BankEntry] = []
    for chunk in chunks:
        live = [e for e in chunk if e.bank in by_name and e.entry_id not in switched_off]
        urls += [e for e in live if e.hash_type is HashType.URL]
        block = [e for e in live if by_name[e.bank].kind is BankKind.BLOCK]
        allow += [e for e in live if by_name[e.bank].kind is BankKind.ALLOW]
        videos += [e for e in block if e.hash_type is HashType.VPDQ]
        for kind, width in EXACT.items():
            of_kind = [e for e in block if e.hash_type is kind]
            packed[kind].take(_raw(of_kind).view(f"S{width}"), of_kind, code)
        pdqs = [e for e in block if e.hash_type is HashType.PDQ]
        packed[HashType.PDQ].take(_raw(pdqs).reshape(-1, 32), pdqs, code)
    exact = {}
    for kind, width in EXACT.items():
        values, ids, codes = packed[kind].joined(np.zeros(0, f"S{width}"))
        order = np.lexsort((ids, values))
        exact[kind] = ExactIndex(values[order], ids[order], codes[order], names)
    return BankIndex(
        revision=revision,
        banks=by_name,
        exact=exact,
        allowed=frozenset((e.hash_type, e.value) for e in allow),
        pdq=_pdq_arrays(*packed[HashType.PDQ].joined(np.zeros((0, 32), np.uint8)), names, by_name),
        allow_pdq=_pdq([e for e in allow if e.hash_type is HashType.PDQ], by_name),
        videos=_videos(videos),
        changed_at=changed_at,
        reenable_at=reenable_at,
        urls=UrlIndex.build(by_name, urls),
    )


def _raw(entries: Sequence[BankEntry]) -> npt.NDArray[np.uint8]:
    """The entries' hex values as raw bytes, in one parse (they were checked on import)."""
    return np.frombuffer(bytes.fromhex("".join(e.value for e in entries)), np.uint8)


def _pdq_arrays(
    rows: np.ndarray,
    ids: Ids,
    codes: npt.NDArray[np.uint16],
    names: tuple[str, ...],
    banks: dict[str, Bank],
) -> _Pdq | None:
    if not len(ids):
        return None
    order = np.argsort(ids, kind="stable")
    widest = max(banks[names[int(c)]].pdq_threshold for c in np.unique(codes))
    return _Pdq(PdqIndex.build(rows, ids), ids[order], codes[order], names, widest)


def apply_changes(
    index: BankIndex,
    revision: int,
    touched: Sequence[EntryState],
    now: float,
    changed_at: datetime | None = None,
) -> BankIndex | None:
    """The next snapshot with the touched hashes as they are now; ``None``: rebuild instead."""
    banks = index.banks
    relevant = [s for s in touched if s.entry.bank in banks]
    if any(_needs_rebuild(s.entry, banks) for s in relevant):
        return None
    wanted = [s.entry for s in relevant if s.live and _on(s.disable_until_ts, now)]
    exact = {}
    for kind, width in EXACT.items():
        current = index.exact.get(kind) or ExactIndex.build((), width)
        gone, added = _ids_of(touched, kind), [e for e in wanted if e.hash_type is kind]
        exact[kind] = current.changed(gone, added) if len(gone) or added else current
    pdqs = [e for e in wanted if e.hash_type is HashType.PDQ]
    later = [s.disable_until_ts for s in relevant if s.live and s.disable_until_ts > now]
    moments = [m for m in (index.reenable_at, _moment(later)) if m is not None]
    return BankIndex(
        revision=revision,
        banks=banks,
        exact=exact,
        allowed=index.allowed,
        pdq=_pdq_changed(index.pdq, _ids_of(touched, HashType.PDQ), pdqs, banks),
        allow_pdq=index.allow_pdq,
        videos=index.videos,
        changed_at=changed_at,
        reenable_at=min(moments, default=None),
        urls=index.urls,
        accounts=index.accounts,
    )


def _needs_rebuild(entry: BankEntry, banks: dict[str, Bank]) -> bool:
    """Allowlists, videos and URL lists are rebuilt (they are small), not updated in place."""
    kind = entry.hash_type
    return banks[entry.bank].kind is BankKind.ALLOW or kind in (HashType.VPDQ, HashType.URL)


def _on(disable_until_ts: int, now: float) -> bool:
    """HMA's switch: 1 matches, 0 never, a unix time from then on."""
    return disable_until_ts != 0 and disable_until_ts <= now


def _moment(stamps: list[int]) -> datetime | None:
    return datetime.fromtimestamp(min(stamps), UTC) if stamps else None


def _ids_of(touched: Sequence[EntryState], kind: HashType) -> Ids:
    return np.array(
        sorted(s.entry.entry_id for s in touched if s.entry.hash_type is kind), np.int64
    )


def _pdq_changed(
    current: _Pdq | None, gone: Ids, added: list[BankEntry], banks: dict[str, Bank]
) -> _Pdq | None:
    """The PDQ part without ``gone`` and with ``added``, sharing the current tables."""
    if current is None:
        return _pdq(added, banks)
    if not len(gone) and not added:
        return current  # untouched: shared as it is
    matcher = current.index.copy()
    keep = ~np.isin(current.ids, gone) if len(gone) else np.ones(len(current.ids), bool)
    if len(gone):
        matcher.remove(gone.tolist())
    names = current.names + tuple(sorted({e.bank for e in added} - set(current.names)))
    ids, codes = current.ids[keep], current.codes[keep]
    if added:
        position = {name: at for at, name in enumerate(names)}
        new_ids = np.fromiter((e.entry_id for e in added), np.int64, len(added))
        matcher.add([e.value for e in added], new_ids)
        order = np.argsort(new_ids)
        new_codes = np.fromiter((position[e.bank] for e in added), np.uint16, len(added))
        at = np.searchsorted(ids, new_ids[order])
        ids, codes = np.insert(ids, at, new_ids[order]), np.insert(codes, at, new_codes[order])
    if not len(ids):
        return None
    widest = max(banks[names[int(c)]].pdq_threshold for c in np.unique(codes))
    return _Pdq(matcher, ids, codes, names, widest)
