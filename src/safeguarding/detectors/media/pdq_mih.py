"""A multi-index hashing (MIH) table of 256-bit PDQ hashes, and the compiled loops that use it.

Exact range search by pigeonhole (Norouzi, Punjani and Fleet, "Fast search in Hamming space
with multi-index hashing", CVPR 2012). The 256 bits are cut into ``m`` chunks. If the query
``q`` and a stored hash ``h`` are within ``r`` and each chunk ``i`` is given a radius ``t_i``
(``-1`` meaning "not probed") with ``sum(t_i + 1) >= r + 1``, then some chunk has
``d_i(q, h) <= t_i``; otherwise ``d(q, h) = sum(d_i) >= sum(t_i + 1) > r``. So probing, in
every chunk, each bucket within ``t_i`` bits of the query's chunk finds every match. Each
candidate is then checked by its full 256-bit distance, and reported only from the first
chunk that finds it, so there is no de-duplication set and no per-query state.

Layout, compressed sparse rows (CSR) per chunk, about ``log2 n`` bits wide:

    halves    (2, n, 2) uint64  the hashes' first and last 128 bits, rows in chunk-0 order
    ids       (n,) int64        the caller's id of each hash, in the same order
    offsets   flat uint32       per chunk, 2**w + 1 offsets; bucket v is [off[v], off[v+1])
    postings  (m-1, n) uint32   per chunk 1..m-1, rows ordered by that chunk's value

Chunk 0 needs no postings because the rows themselves are in its order, which also makes
its probes read memory in sequence. A candidate's last 128 bits are read only if its first
128 are within the threshold, which halves the memory traffic. Widths are chosen from ``n``
for the least expected work within 126 bytes per hash, and radii spread per query threshold,
by ``pdq_plan``; a threshold too wide to pay falls back to a scan.

numba compiles the inner loops: a probe touches a few thousand scattered rows, and numpy
pays microseconds per call where each candidate is worth nanoseconds. ``cache=True`` keeps
the machine code in ``__pycache__`` so only the first import on a machine compiles;
``nogil=True`` lets threads that share one table query at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from safeguarding.detectors.media.pdq_plan import (
    HASH_BITS,
    SCAN_BELOW,
    SCAN_COST,
    Ints,
    ProbePlan,
    allocate_radii,
    ball,
    chunk_masks,
    probe_work,
)

_AHEAD = 16  # loads prefetched this many iterations ahead: enough to cover DRAM latency

Words = npt.NDArray[np.uint64]  # (2, n, 2): see `MihTable.halves`


@intrinsic
def _popcount(typingctx: Any, x: Any) -> Any:
    """llvm.ctpop, one POPCNT instruction; numba has no popcount of its own."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return types.int64(types.uint64), codegen


@intrinsic
def _prefetch(typingctx: Any, array: Any, i: Any, j: Any, k: Any) -> Any:
    """llvm.prefetch of array[i, j, k] into all caches; numba has no prefetch of its own."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        where = cgutils.get_item_pointer(context, builder, array_type, view, list(args[1:]))
        where = builder.bitcast(where, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        llvm_prefetch = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [where.type, i32, i32, i32]),
            "llvm.prefetch.p0",
        )
        builder.call(llvm_prefetch, [where, i32(0), i32(3), i32(1)])  # read, keep, data
        return context.get_dummy_value()

    return types.void(array, i, j, k), codegen


@njit(cache=True, nogil=True)
def _word(halves: Words, row: int, word: int) -> np.uint64:
    return halves[word >> 1, row, word & 1]


@njit(cache=True, nogil=True)
def _chunk(halves: Words, row: int, start: int, width: int) -> int:
    """Bits [start, start + width) of a row, bit 0 being the most significant of word 0."""
    word, shift = start >> 6, np.uint64(start & 63)
    value = (_word(halves, row, word) << shift) >> np.uint64(64 - width)
    if (start & 63) + width > 64:
        value |= _word(halves, row, word + 1) >> np.uint64(128 - (start & 63) - width)
    return np.int64(value)


@njit(cache=True, nogil=True)
def _half_distance(halves: Words, half: int, row: int, q: Words) -> int:
    return _popcount(halves[half, row, 0] ^ q[half, 0, 0]) + _popcount(
        halves[half, row, 1] ^ q[half, 0, 1]
    )


@njit(cache=True, nogil=True)
def _emit(rows: Ints, dists: Ints, count: int, row: int, d: int) -> int:
    """Write one result if there is room; the count goes on regardless (see `scan`)."""
    if count < rows.shape[0]:
        rows[count] = row
        dists[count] = d
    return count + 1


@njit(cache=True, nogil=True)
def bucket_sort(halves: Words, start: int, width: int) -> tuple[Any, Any]:
    """Counting sort of the rows by one chunk: (offsets, rows in bucket order), stable."""
    n = halves.shape[1]
    values = np.empty(n, np.int64)
    offsets = np.zeros((1 << width) + 1, np.uint32)
    for row in range(n):
        values[row] = _chunk(halves, row, start, width)
        offsets[values[row] + 1] += 1
    for bucket in range(1 << width):
        offsets[bucket + 1] += offsets[bucket]
    fill = offsets[:-1].astype(np.int64)
    order = np.empty(n, np.uint32)
    for row in range(n):
        order[fill[values[row]]] = row
        fill[values[row]] += 1
    return offsets, order


@njit(cache=True, nogil=True)
def scan(q: Words, halves: Words, threshold: int, rows: Ints, dists: Ints) -> int:
    """Every row within threshold of q, a (2, 1, 2) array, by checking them all.

    Writes (row, distance) pairs into `rows` and `dists` as far as they reach and returns how
    many there are: the caller retries with room for that many if it was more. Growing arrays
    inside the loop would make numba count references on every iteration, four times slower.
    """
    count = 0
    for row in range(halves.shape[1]):
        d = _half_distance(halves, 0, row, q)
        if d <= threshold:
            d += _half_distance(halves, 1, row, q)
            if d <= threshold:
                count = _emit(rows, dists, count, row, d)
    return count


@njit(cache=True, nogil=True)
def _found_earlier(halves: Words, row: int, q: Words, table: Any, radii: Ints, chunk: int) -> bool:
    """Whether an earlier chunk's probes also reach this row (so it was reported there).

    Each chunk's distance is the popcount of the row-query XOR under that chunk's bit mask:
    no shifts and no branches per word, which is what makes clustered banks cheap.
    """
    masks = table[6]
    x0, x1 = halves[0, row, 0] ^ q[0, 0, 0], halves[0, row, 1] ^ q[0, 0, 1]
    x2, x3 = halves[1, row, 0] ^ q[1, 0, 0], halves[1, row, 1] ^ q[1, 0, 1]
    for j in range(chunk):
        d = _popcount(x0 & masks[j, 0]) + _popcount(x1 & masks[j, 1])
        d += _popcount(x2 & masks[j, 2]) + _popcount(x3 & masks[j, 3])
        if d <= radii[j]:  # a radius of -1 never holds
            return True
    return False


@njit(cache=True, nogil=True)
def _bucket_bounds(q: Words, table: Any, plan: Any) -> tuple[Any, Any]:
    """Pass 1 of `probe`: each probed bucket's [low, high), and the probes of each chunk."""
    _, starts, widths, bases, offsets = table[:5]
    masks, mask_ranges = plan[1], plan[2]
    m, n_probes = widths.shape[0], mask_ranges[widths.shape[0]]
    qc, buckets = np.empty(m, np.int64), np.empty(n_probes, np.int64)
    for i in range(m):
        qc[i] = _chunk(q, 0, starts[i], widths[i])
        for k in range(mask_ranges[i], mask_ranges[i + 1]):
            buckets[k] = bases[i] + (qc[i] ^ masks[k])
    bounds, flat = np.empty((n_probes, 2), np.int64), offsets.reshape((1, 1, offsets.shape[0]))
    for k in range(n_probes):
        if k + _AHEAD < n_probes:
            _prefetch(flat, 0, 0, buckets[k + _AHEAD])
        bounds[k, 0], bounds[k, 1] = offsets[buckets[k]], offsets[buckets[k] + 1]
    return bounds, mask_ranges


@njit(cache=True, nogil=True)
def _candidates(table: Any, bounds: Ints, mask_ranges: Ints) -> tuple[Any, Any]:
    """Pass 2 of `probe`: the rows in the probed buckets, and where each chunk's rows end."""
    postings, m = table[5], mask_ranges.shape[0] - 1
    total = np.sum(bounds[:, 1] - bounds[:, 0])
    rows, ends, filled = np.empty(total, np.int64), np.empty(m, np.int64), 0
    ahead = postings.reshape((1, postings.shape[0], postings.shape[1]))
    for i in range(m):
        for k in range(mask_ranges[i], mask_ranges[i + 1]):
            if i > 0 and k + _AHEAD // 2 < mask_ranges[i + 1]:
                _prefetch(ahead, 0, i - 1, bounds[k + _AHEAD // 2, 0])
            for p in range(bounds[k, 0], bounds[k, 1]):
                rows[filled] = p if i == 0 else np.int64(postings[i - 1, p])
                filled += 1
        ends[i] = filled
    return rows, ends


@njit(cache=True, nogil=True)
def probe(q: Words, table: Any, plan: Any, threshold: int, rows: Ints, dists: Ints) -> int:
    """Every row within threshold of q, by probing each chunk's buckets; output as `scan`.

    `table` is `MihTable.arrays`, `plan` a `ProbePlan.arrays`. In three flat passes, bucket
    bounds, candidate rows, distances: the loads of each pass are independent and prefetched
    a few iterations ahead, so many cache misses are in flight (twice as fast as one loop).
    """
    halves, radii = table[0], plan[0]
    bounds, mask_ranges = _bucket_bounds(q, table, plan)
    candidates, ends = _candidates(table, bounds, mask_ranges)
    count, first = 0, 0
    for i in range(ends.shape[0]):
        for c in range(first, ends[i]):
            if c + _AHEAD < candidates.shape[0]:
                _prefetch(halves, 0, candidates[c + _AHEAD], 0)
            row = candidates[c]
            d = _half_distance(halves, 0, row, q)
            if d > threshold:
                continue
            d += _half_distance(halves, 1, row, q)
            if d <= threshold and not _found_earlier(halves, row, q, table, radii, i):
                count = _emit(rows, dists, count, row, d)
        first = ends[i]
    return count


@dataclass(frozen=True, eq=False)
class MihTable:
    """An immutable MIH table; build it with `build` or `from_arrays`, share it freely."""

    halves: Words
    ids: Ints
    widths: tuple[int, ...]
    offsets: npt.NDArray[np.uint32]
    postings: npt.NDArray[np.uint32]
    arrays: tuple[Any, ...] = field(init=False, repr=False)  # what the compiled loops take
    _plans: dict[int, ProbePlan | None] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        for array in (self.halves, self.ids, self.offsets, self.postings):
            array.flags.writeable = False  # shared by every reader: nobody may change it
        sizes = [(1 << w) + 1 for w in self.widths]
        starts = np.cumsum([0, *self.widths[:-1]], dtype=np.int64)
        bases = np.cumsum([0, *sizes[:-1]], dtype=np.int64)
        widths = np.asarray(self.widths, np.int64)
        arrays = (
            self.halves,
            starts,
            widths,
            bases,
            self.offsets,
            self.postings,
            chunk_masks(self.widths),
        )
        object.__setattr__(self, "arrays", arrays)

    @classmethod
    def build(cls, words: npt.NDArray[np.uint64], ids: Ints, widths: tuple[int, ...]) -> MihTable:
        """Index (n, 4) uint64 hash words with their ids; `widths` from `plan_widths`."""
        if len(words) >= 2**32:
            raise ValueError("a PDQ index holds at most 2**32 - 1 hashes")
        halves = np.ascontiguousarray(np.asarray(words, np.uint64).reshape(-1, 2, 2).swapaxes(0, 1))
        ids = np.asarray(ids, np.int64)
        if not widths:
            postings = np.zeros((0, len(ids)), np.uint32)
            return cls(halves, ids.copy(), (), np.zeros(0, np.uint32), postings)
        first_offsets, order = bucket_sort(halves, 0, widths[0])
        halves, ids = np.ascontiguousarray(halves[:, order]), ids[order]
        offsets, postings = [first_offsets], np.empty((len(widths) - 1, len(ids)), np.uint32)
        starts = np.cumsum([0, *widths[:-1]])
        for i in range(1, len(widths)):
            chunk_offsets, postings[i - 1] = bucket_sort(halves, int(starts[i]), widths[i])
            offsets.append(chunk_offsets)
        return cls(halves, ids, widths, np.concatenate(offsets), postings)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def words(self) -> npt.NDArray[np.uint64]:
        """The hashes as (n, 4) uint64 words, in the table's row order (a copy)."""
        return np.ascontiguousarray(self.halves.swapaxes(0, 1)).reshape(-1, 4)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.halves, self.ids, self.offsets, self.postings))

    def plan(self, threshold: int) -> ProbePlan | None:
        """The probe plan for a threshold, or None where scanning every row is cheaper."""
        if threshold not in self._plans:  # a race only computes the same plan twice
            radii = allocate_radii(self.widths, len(self), threshold) if self.widths else None
            worth = radii is not None and self._worth_probing(radii)
            self._plans[threshold] = ProbePlan.make(self.widths, radii) if radii and worth else None
        return self._plans[threshold]

    def _worth_probing(self, radii: tuple[int, ...]) -> bool:
        if len(self) < SCAN_BELOW:  # only a test forces chunks on so few rows: probe them
            return sum(ball(w, t) for w, t in zip(self.widths, radii, strict=True)) <= 4096
        return probe_work(self.widths, radii, len(self)) < SCAN_COST * len(self)

    def search(self, q: npt.NDArray[np.uint64], threshold: int) -> tuple[Ints, Ints]:
        """(ids, distances) of every row within threshold of one query, (1, 4) uint64 words."""
        plan, q = self.plan(threshold), q.reshape(2, 1, 2)
        room = 64
        while True:
            rows, dists = np.empty(room, np.int64), np.empty(room, np.int64)
            if plan is None:
                count = scan(q, self.halves, threshold, rows, dists)
            else:
                count = probe(q, self.arrays, plan.arrays, threshold, rows, dists)
            if count <= room:
                return self.ids[rows[:count]], dists[:count]
            room = count

    def to_arrays(self) -> dict[str, np.ndarray]:
        widths = np.asarray(self.widths, np.int64)
        return {
            "halves": self.halves,
            "ids": self.ids,
            "widths": widths,
            "offsets": self.offsets,
            "postings": self.postings,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> MihTable:
        """Rebuild a saved table, checking that its parts fit together (ValueError if not)."""
        halves = np.ascontiguousarray(arrays["halves"], np.uint64)
        ids = np.ascontiguousarray(arrays["ids"], np.int64)
        widths = tuple(int(w) for w in arrays["widths"])
        offsets = np.ascontiguousarray(arrays["offsets"], np.uint32)
        postings = np.ascontiguousarray(arrays["postings"], np.uint32)
        n = len(ids)
        problems = [
            halves.shape != (2, n, 2),
            ids.shape != (n,),
            bool(widths) and (sum(widths) != HASH_BITS or not all(1 <= w <= 32 for w in widths)),
            len(offsets) != sum((1 << w) + 1 for w in widths),
            postings.shape != (max(len(widths) - 1, 0), n),
        ]
        if not any(problems):
            table = cls(halves, ids, widths, offsets, postings)
            ends = offsets[table.arrays[3] + (1 << table.arrays[2])]
            too_far = bool(offsets.size) and int(offsets.max()) > n
            if not (ends != n).any() and not too_far and not (postings >= n).any():
                return table
        raise ValueError("the index arrays do not fit together")
