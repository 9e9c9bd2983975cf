"""In-memory near-duplicate matching of 256-bit PDQ hashes within a Hamming distance.

Two matchers with one interface (`PdqMatcher`):

- `BruteForcePdqIndex` checks every stored hash. It is the trivial default and the oracle
  that the tests hold the fast one to.
- `PdqIndex` answers exactly the same, in time that grows far slower than the bank, with a
  multi-index hashing table (`pdq_mih`). It is built once per bank and shared by every
  request in a process: readers take the current immutable snapshot, writers build a new
  one beside it and swap it in with one assignment, so matching never stops for an update.
  New hashes go to a small delta table that is searched too, removed ids are hidden until
  the next compaction, and `save` and `load` let each worker process read the same file.

Hashes are 64 hex characters or rows of an (n, 32) uint8 array (see `pdq_hash`); each
stored hash carries an integer id that the caller maps to its bank entry.
"""

from __future__ import annotations

import functools
import operator
import os
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol, Self

import numpy as np
import numpy.typing as npt

from safeguarding.detectors.media.pdq_hash import (
    PDQ_BYTES,
    HashRows,
    PdqHashLike,
    pdq_rows,
    pdq_words,
    query_words,
)
from safeguarding.detectors.media.pdq_mih import MihTable
from safeguarding.detectors.media.pdq_plan import plan_widths

DEFAULT_THRESHOLD = 31  # PDQ's own "confident match" distance, as ThreatExchange uses
FORMAT_VERSION = 1
Ints = npt.NDArray[np.int64]


class PdqMatch(NamedTuple):
    """One stored hash within the threshold of a query: its id and distance."""

    id: int
    distance: int


def _ids(ids: Iterable[int] | npt.NDArray[np.integer] | None, n: int, next_id: int) -> Ints:
    """The given ids, checked; or, if none, n ids counting on from next_id."""
    if ids is None:
        return np.arange(next_id, next_id + n, dtype=np.int64)
    array = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
    if array.shape != (n,) or (n and not np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"need one integer id per hash: {n} hashes, ids of shape {array.shape}")
    return array.astype(np.int64)


def _check_threshold(threshold: int) -> int:
    if not 0 <= threshold <= 8 * PDQ_BYTES:
        raise ValueError(f"a PDQ distance threshold is between 0 and 256, not {threshold}")
    return int(threshold)


_new_match = functools.partial(tuple.__new__, PdqMatch)  # half the cost of PdqMatch(i, d)
_NEAREST_FIRST = operator.itemgetter(1, 0)  # (distance, id)


def _matches(ids: Ints, distances: Ints) -> list[PdqMatch]:
    """Matches nearest first, ties by id, so that every matcher lists them the same way."""
    order = np.lexsort((ids, distances))
    pairs = zip(ids[order].tolist(), distances[order].tolist(), strict=True)
    return list(map(_new_match, pairs))


class PdqMatcher(Protocol):
    """What `PdqIndex` and `BruteForcePdqIndex` both offer."""

    threshold: int

    def query(self, pdq: PdqHashLike, threshold: int | None = None) -> list[PdqMatch]: ...

    def query_many(
        self, pdqs: HashRows | Sequence[str], threshold: int | None = None
    ) -> list[list[PdqMatch]]: ...

    def add(
        self,
        hashes: HashRows | Sequence[str],
        ids: Iterable[int] | npt.NDArray[np.integer] | None = None,
    ) -> None: ...

    def remove(self, ids: Iterable[int]) -> int: ...

    def __len__(self) -> int: ...

    @property
    def nbytes(self) -> int: ...


class _Matcher:
    """What both matchers share: the threshold, default ids and the writers' lock; ``build``,
    and ``query_many`` as one ``query`` per hash."""

    def __init__(self, *, threshold: int = DEFAULT_THRESHOLD) -> None:
        self.threshold = _check_threshold(threshold)
        self._next_id = 0  # default ids count on from the largest ever held
        self._write_lock = threading.Lock()

    @classmethod
    def build(
        cls,
        hashes: HashRows | Sequence[str],
        ids: Iterable[int] | npt.NDArray[np.integer] | None = None,
        **options: Any,
    ) -> Self:
        """An index of the hashes with their ids (0, 1, 2, ... if none are given); the
        options are the constructor's (``threshold``, and ``chunk_bits`` for `PdqIndex`)."""
        index = cls(**options)
        index.add(hashes, ids)
        return index

    def query(self, pdq: PdqHashLike, threshold: int | None = None) -> list[PdqMatch]:
        raise NotImplementedError

    def add(
        self,
        hashes: HashRows | Sequence[str],
        ids: Iterable[int] | npt.NDArray[np.integer] | None = None,
    ) -> None:
        """Store more hashes; ids default to counting on from the largest this index has held."""
        words = pdq_words(hashes)
        with self._write_lock:
            new_ids = _ids(ids, len(words), self._next_id)
            self._next_id = max(self._next_id, int(new_ids.max(initial=-1)) + 1)
            self._store(words, new_ids)

    def _store(self, words: npt.NDArray[np.uint64], ids: Ints) -> None:
        """Take in checked (n, 4) words and their ids; called under the write lock."""
        raise NotImplementedError

    def query_many(
        self, pdqs: HashRows | Sequence[str], threshold: int | None = None
    ) -> list[list[PdqMatch]]:
        rows = pdqs if isinstance(pdqs, np.ndarray) else pdq_rows(pdqs)
        return [self.query(row, threshold) for row in rows]


class BruteForcePdqIndex(_Matcher):
    """Checks every stored hash: obviously correct, and the oracle for `PdqIndex`."""

    _BLOCK = 32768  # rows per step, so the temporaries stay in cache

    def __init__(self, *, threshold: int = DEFAULT_THRESHOLD) -> None:
        super().__init__(threshold=threshold)
        self._entries = (np.zeros((0, 4), np.uint64), np.zeros(0, np.int64))

    def query(self, pdq: PdqHashLike, threshold: int | None = None) -> list[PdqMatch]:
        limit = _check_threshold(self.threshold if threshold is None else threshold)
        q, (words, ids) = query_words(pdq), self._entries
        found_ids, found_distances = [], []
        for start in range(0, len(words), self._BLOCK):
            distances = np.bitwise_count(words[start : start + self._BLOCK] ^ q).sum(axis=1)
            hits = np.flatnonzero(distances <= limit)
            found_ids.append(ids[start + hits])
            found_distances.append(distances[hits].astype(np.int64))
        if not found_ids:
            return []
        return _matches(np.concatenate(found_ids), np.concatenate(found_distances))

    def _store(self, words: npt.NDArray[np.uint64], ids: Ints) -> None:
        old_words, old_ids = self._entries
        self._entries = (np.concatenate((old_words, words)), np.concatenate((old_ids, ids)))

    def remove(self, ids: Iterable[int]) -> int:
        with self._write_lock:
            words, stored = self._entries
            gone = np.isin(stored, np.fromiter(ids, np.int64))
            self._entries = (words[~gone], stored[~gone])
            return int(gone.sum())

    def __len__(self) -> int:
        return len(self._entries[1])

    @property
    def nbytes(self) -> int:
        return sum(array.nbytes for array in self._entries)


@dataclass(frozen=True)
class _Part:
    """One table of a snapshot and the ids hidden in it (removed since it was built)."""

    table: MihTable
    removed: frozenset[int] = frozenset()
    hidden: int = 0  # rows whose id is in `removed`

    def __len__(self) -> int:
        return len(self.table) - self.hidden

    def live(self) -> tuple[npt.NDArray[np.uint64], Ints]:
        if not self.removed:
            return self.table.words, self.table.ids
        keep = ~np.isin(self.table.ids, np.fromiter(self.removed, np.int64))
        return self.table.words[keep], self.table.ids[keep]

    def search(self, q: npt.NDArray[np.uint64], threshold: int) -> list[PdqMatch]:
        found = _matches(*self.table.search(q, threshold))
        return [m for m in found if m.id not in self.removed] if self.removed else found


class PdqIndex(_Matcher):
    """Exact PDQ matching within a threshold, sub-linear in the bank; safe to share.

    Readers take `self._parts` once per query: a tuple that is never changed, only replaced.
    It holds the main table and, after `add`, a delta table; writers (one at a time) build
    the next tuple beside it. A delta past a quarter of the main table, or removals past a
    quarter of it, trigger a compaction into one table, in the writer's thread.
    """

    def __init__(self, *, threshold: int = DEFAULT_THRESHOLD, chunk_bits: int | None = None):
        """An empty index; `chunk_bits` forces the chunk width (tests), else it follows size."""
        super().__init__(threshold=threshold)
        if chunk_bits is not None and not 2 <= chunk_bits <= 24:
            raise ValueError(f"chunk_bits is between 2 and 24, not {chunk_bits}")
        self._chunk_bits = chunk_bits
        self._parts: tuple[_Part, ...] = ()

    def query(self, pdq: PdqHashLike, threshold: int | None = None) -> list[PdqMatch]:
        """Every stored (id, distance) within threshold of the hash, nearest first."""
        limit = _check_threshold(self.threshold if threshold is None else threshold)
        q, parts = query_words(pdq), self._parts  # one snapshot for the whole query
        if len(parts) == 1:
            return parts[0].search(q, limit)  # already nearest first
        found = [match for part in parts for match in part.search(q, limit)]
        return sorted(found, key=_NEAREST_FIRST)

    def _store(self, words: npt.NDArray[np.uint64], ids: Ints) -> None:
        main, *delta = self._parts or (None,)
        if main is None:
            self._parts = self._fresh((words, ids))
            return
        pending = [part.live() for part in delta] + [(words, ids)]
        if sum(len(w) for w, _ in pending) > len(main) // 4:
            self._parts = self._fresh(main.live(), *pending)
        else:
            self._parts = (main, *self._fresh(*pending))

    def remove(self, ids: Iterable[int]) -> int:
        """Stop matching every hash carrying one of these ids; returns how many were hidden."""
        doomed = np.fromiter(ids, np.int64)
        with self._write_lock:
            parts, total = [], 0
            for part in self._parts:
                hits = np.isin(part.table.ids, doomed) & ~np.isin(
                    part.table.ids, np.fromiter(part.removed, np.int64)
                )
                count = int(hits.sum())
                total += count
                hidden = part.removed | set(part.table.ids[hits].tolist())
                parts.append(_Part(part.table, hidden, part.hidden + count) if count else part)
            compact = any(part.hidden > len(part.table) // 4 for part in parts)
            self._parts = self._fresh(*(p.live() for p in parts)) if compact else tuple(parts)
            return total

    def copy(self) -> PdqIndex:
        """A second index over the same immutable tables: adding to or removing from it
        leaves this one as it is, so a snapshot can be changed copy-on-write."""
        twin = PdqIndex(threshold=self.threshold, chunk_bits=self._chunk_bits)
        twin._parts, twin._next_id = self._parts, self._next_id
        return twin

    def rebuild(self) -> None:
        """Compact the snapshot into one table (also re-plans it for its size)."""
        with self._write_lock:
            self._parts = self._fresh(*(part.live() for part in self._parts))

    def _fresh(self, *entries: tuple[npt.NDArray[np.uint64], Ints]) -> tuple[_Part, ...]:
        """One new table of these (words, ids) pairs; none if they are empty."""
        entries = tuple(entry for entry in entries if len(entry[1]))
        if not entries:
            return ()
        words, ids = (np.concatenate(arrays) for arrays in zip(*entries, strict=True))
        widths = plan_widths(len(words), self.threshold, self._chunk_bits)
        return (_Part(MihTable.build(words, ids, widths)),)

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    def hash_of(self, id: int) -> str | None:
        """The stored hash with this id, as hex; a scan, for reporting a match, not matching."""
        for part in self._parts:
            rows = np.flatnonzero(part.table.ids == id)
            if rows.size and id not in part.removed:
                words = part.table.halves[:, int(rows[0]), :].reshape(4)
                return np.asarray(words, dtype=">u8").tobytes().hex()
        return None

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays: hashes, ids, postings and bucket offsets."""
        return sum(part.table.nbytes for part in self._parts)

    def save(self, path: str | Path) -> None:
        """Write the index (compacted) to a .npz file, atomically: a reader never sees half."""
        parts = self._parts
        table = parts[0].table if len(parts) == 1 and not parts[0].removed else None
        if table is None:
            fresh = self._fresh(*(part.live() for part in parts)) if parts else ()
            empty = MihTable.build(np.zeros((0, 4), np.uint64), np.zeros(0, np.int64), ())
            table = fresh[0].table if fresh else empty
        target = Path(path)
        with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".tmp", delete=False) as out:
            try:
                header = {"format_version": FORMAT_VERSION, "threshold": self.threshold}
                np.savez(out, **header, **table.to_arrays())
            except BaseException:
                Path(out.name).unlink()
                raise
        os.replace(out.name, target)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read an index written by `save` (ValueError if the file is not one)."""
        try:
            saved = np.load(path, allow_pickle=False)
            if not isinstance(saved, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            with saved:
                arrays = {name: saved[name] for name in saved.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a PDQ index file ({exc})") from None
        expected = {"format_version", "threshold", "halves", "ids", "widths", "offsets", "postings"}
        if set(arrays) != expected or int(arrays["format_version"]) != FORMAT_VERSION:
            raise ValueError(f"{path}: not a PDQ index file of format {FORMAT_VERSION}")
        try:
            table = MihTable.from_arrays(arrays)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        index = cls(threshold=int(arrays["threshold"]))
        index._parts = (_Part(table),) if len(table) else ()
        index._next_id = int(table.ids.max(initial=-1)) + 1
        return index
