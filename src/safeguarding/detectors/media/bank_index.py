"""What the banks hold, as one immutable in-memory snapshot that every request in a process shares.

``BankIndex`` answers "which bank entries does this upload match?": exact look-ups for
SHA-256 and MD5, the multi-index ``PdqIndex`` for PDQ within each bank's distance, and for
vPDQ the share of matching frames both ways (of the upload's frames, and of the banked
video's). Entries of disabled banks are left out; allowlist banks (kind ``allow``) remove
matches: an upload whose hash is on an allowlist exactly, or whose PDQ is within an
allowlist's distance of an allowlisted PDQ, matches nothing of that type.

``IndexHolder`` holds the current snapshot. A new snapshot is built beside it and swapped
in with one assignment, so matching never waits for a rebuild.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import numpy.typing as npt

from safeguarding.detectors.media.exact_index import ExactIndex
from safeguarding.detectors.media.pdq_index import PdqIndex
from safeguarding.detectors.urls.index import UrlIndex
from safeguarding.domain.banks import (
    Bank,
    BankEntry,
    BankKind,
    BankMatch,
    HashType,
    UploadHashes,
)
from safeguarding.domain.sharing import PartnerAccount

EXACT = {HashType.SHA256: 32, HashType.MD5: 16}  # raw bytes a hash


@dataclass(frozen=True)
class _Pdq:
    """PDQ entries: the index, and each id's bank as a 2-byte code (not a dict of strings:
    at ten million hashes the index must stay within four times the raw 32 bytes a hash)."""

    index: PdqIndex
    ids: npt.NDArray[np.int64]  # sorted
    codes: npt.NDArray[np.uint16]  # bank of ids[i], as a position in ``names``
    names: tuple[str, ...]
    widest: int  # the largest distance any of these banks accepts

    def bank_of(self, entry_id: int) -> str:
        return self.names[int(self.codes[np.searchsorted(self.ids, entry_id)])]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class _Videos:
    index: PdqIndex  # one row per frame; its id is the frame's position in ``frame_entry``
    frame_entry: tuple[int, ...]  # frame id -> entry id
    frames: dict[int, int]  # entry id -> frame count
    entries: dict[int, tuple[str, str]]  # entry id -> (bank, value)


@dataclass(frozen=True)
class BankIndex:
    """One snapshot of every enabled bank, ready to match."""

    revision: int
    banks: dict[str, Bank]
    exact: dict[HashType, ExactIndex] = field(default_factory=dict)
    allowed: frozenset[tuple[HashType, str]] = frozenset()
    pdq: _Pdq | None = None
    allow_pdq: _Pdq | None = None
    videos: _Videos | None = None
    changed_at: datetime | None = None  # when the banks it was built from last changed
    reenable_at: datetime | None = None  # when an entry switched off for a while comes back
    urls: UrlIndex = field(default_factory=lambda: UrlIndex.build({}, ()))  # URL lists
    # Partners' account signals by salted hash (kept apart from the banks; docs/sharing.md).
    accounts: Mapping[str, tuple[PartnerAccount, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        revision: int,
        banks: Iterable[Bank],
        entries: Iterable[BankEntry],
        changed_at: datetime | None = None,
        reenable_at: datetime | None = None,
    ) -> BankIndex:
        by_name = {b.name: b for b in banks if b.enabled}
        live = [e for e in entries if e.bank in by_name]
        block = [e for e in live if by_name[e.bank].kind is BankKind.BLOCK]
        allow = [e for e in live if by_name[e.bank].kind is BankKind.ALLOW]
        exact = {
            kind: ExactIndex.build([e for e in block if e.hash_type is kind], width)
            for kind, width in EXACT.items()
        }
        return cls(
            revision=revision,
            banks=by_name,
            exact=exact,
            allowed=frozenset((e.hash_type, e.value) for e in allow),
            pdq=_pdq([e for e in block if e.hash_type is HashType.PDQ], by_name),
            allow_pdq=_pdq([e for e in allow if e.hash_type is HashType.PDQ], by_name),
            videos=_videos([e for e in block if e.hash_type is HashType.VPDQ]),
            changed_at=changed_at,
            reenable_at=reenable_at,
            urls=UrlIndex.build(by_name, live),
        )

    @property
    def size(self) -> int:
        pdq = len(self.pdq) if self.pdq else 0
        videos = len(self.videos.entries) if self.videos else 0
        exact = sum(len(index) for index in self.exact.values())
        return exact + pdq + videos + len(self.urls)

    def counts(self) -> dict[str, int]:
        """Live hashes per type across enabled blocking banks (for status pages)."""
        found = {t.value: 0 for t in HashType}
        for kind, index in self.exact.items():
            found[kind.value] = len(index)
        found["pdq"] = len(self.pdq) if self.pdq else 0
        found["vpdq"] = len(self.videos.entries) if self.videos else 0
        found["url"] = len(self.urls)
        return found

    def match(self, upload: UploadHashes) -> list[BankMatch]:
        """Every entry the upload matches, exact first, then nearest first."""
        found: list[BankMatch] = []
        for kind, value in ((HashType.SHA256, upload.sha256), (HashType.MD5, upload.md5)):
            index = self.exact.get(kind)
            if value and index is not None and (kind, value) not in self.allowed:
                found += [BankMatch(b, i, kind, value) for b, i in index.lookup(value)]
        # A known still is matched in any frame: an animation's or a video's sampled frames.
        for pdq in dict.fromkeys(p for p in (upload.pdq, *upload.vpdq) if p):
            if not self._pdq_allowed(pdq):
                found += self._pdq_matches(pdq)
        if upload.vpdq:
            found += self._video_matches(upload.vpdq)
        return [replace(m, harm=self.banks[m.bank].harm) for m in _closest(found)]

    def _pdq_allowed(self, pdq: str) -> bool:
        if (HashType.PDQ, pdq) in self.allowed:
            return True
        if self.allow_pdq is None:
            return False
        allow = self.allow_pdq
        hits = allow.index.query(pdq, allow.widest)
        return any(hit.distance <= self.banks[allow.bank_of(hit.id)].pdq_threshold for hit in hits)

    def _pdq_matches(self, pdq: str) -> list[BankMatch]:
        if self.pdq is None:
            return []
        found = []
        for hit in self.pdq.index.query(pdq, self.pdq.widest):
            bank = self.pdq.bank_of(hit.id)
            if hit.distance > self.banks[bank].pdq_threshold:
                continue
            value = self.pdq.index.hash_of(hit.id) or ""
            if (HashType.PDQ, value) not in self.allowed:
                found.append(BankMatch(bank, hit.id, HashType.PDQ, value, hit.distance))
        return found

    def _video_matches(self, frames: Sequence[str]) -> list[BankMatch]:
        videos = self.videos
        if videos is None:
            return []
        widest = max(self.banks[b].pdq_threshold for b, _ in videos.entries.values())
        query_hits: dict[int, set[int]] = defaultdict(set)  # entry -> upload frames matched
        bank_hits: dict[int, set[int]] = defaultdict(set)  # entry -> banked frames matched
        best: dict[int, int] = {}
        for at, frame in enumerate(dict.fromkeys(frames)):
            for hit in videos.index.query(frame, widest):
                entry = videos.frame_entry[hit.id]
                if hit.distance <= self.banks[videos.entries[entry][0]].pdq_threshold:
                    query_hits[entry].add(at)
                    bank_hits[entry].add(hit.id)
                    best[entry] = min(best.get(entry, 256), hit.distance)
        unique = len(dict.fromkeys(frames))
        found = []
        for entry, matched in query_hits.items():
            bank, value = videos.entries[entry]
            query_share = len(matched) / unique
            compared = len(bank_hits[entry]) / videos.frames[entry]
            needed = self.banks[bank].vpdq_match_percent / 100
            if query_share >= needed and compared >= needed:
                found.append(
                    BankMatch(bank, entry, HashType.VPDQ, value, best[entry], query_share, compared)
                )
        return found


def _pdq(entries: list[BankEntry], banks: dict[str, Bank]) -> _Pdq | None:
    if not entries:
        return None
    ids = np.fromiter((e.entry_id for e in entries), np.int64, len(entries))
    index = PdqIndex.build([e.value for e in entries], ids)
    names = tuple(sorted({e.bank for e in entries}))
    position = {name: at for at, name in enumerate(names)}
    codes = np.fromiter((position[e.bank] for e in entries), np.uint16, len(entries))
    order = np.argsort(ids, kind="stable")
    widest = max(banks[name].pdq_threshold for name in names)
    return _Pdq(index, ids[order], codes[order], names, widest)


def _videos(entries: list[BankEntry]) -> _Videos | None:
    if not entries:
        return None
    hashes: list[str] = []
    owners: list[int] = []
    counts: dict[int, int] = {}
    for e in entries:
        frames = list(dict.fromkeys(e.value.split(",")))
        hashes += frames
        owners += [e.entry_id] * len(frames)
        counts[e.entry_id] = len(frames)
    index = PdqIndex.build(hashes, list(range(len(hashes))))
    return _Videos(index, tuple(owners), counts, {e.entry_id: (e.bank, e.value) for e in entries})


class IndexHolder:
    """The current ``BankIndex``; readers take it without a lock, a swap is one assignment."""

    def __init__(self, index: BankIndex | None = None) -> None:
        self.current = index or BankIndex.build(0, (), ())
        self._lock = threading.Lock()

    def swap(self, index: BankIndex) -> None:
        with self._lock:
            if index.revision >= self.current.revision:
                self.current = index


def _closest(found: list[BankMatch]) -> list[BankMatch]:
    """Each bank entry once, at its closest (several frames may match the same still)."""
    best: dict[tuple[str, int, HashType], BankMatch] = {}
    for match in found:
        key = (match.bank, match.entry_id, match.hash_type)
        held = best.get(key)
        if held is None or (match.distance or 0) < (held.distance or 0):
            best[key] = match
    return list(best.values())
