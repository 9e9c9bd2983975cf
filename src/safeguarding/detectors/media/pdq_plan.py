"""How a PDQ multi-index hashing table is cut and probed: chunk widths, per-chunk radii, and
the flip masks of each probe, chosen by an estimate of the work each choice costs.

The table and its compiled loops are in ``pdq_mih``; this module only plans. Widths are chosen
from ``n`` for the least expected work within 126 bytes per hash (``plan_widths``); radii are
spread per query threshold (``allocate_radii``), greedily, since each chunk's cost is convex.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import numpy.typing as npt

HASH_BITS = 256
MAX_BYTES_PER_HASH = 126  # the issue allows 128; 2 left for the delta table and Python objects
SCAN_BELOW = 4096  # hashes; a sequential scan of fewer is cheaper than any probe plan
# Relative costs of one bucket probe, one candidate check and one hash of a sequential scan,
# measured on the benchmark machine (bench/pdq_match.py); they only steer choices, never results.
PROBE_COST, CANDIDATE_COST, SCAN_COST = 1.0, 1.0, 0.1

Ints = npt.NDArray[np.int64]


@lru_cache(maxsize=256)
def flip_masks(width: int, radius: int) -> tuple[int, ...]:
    """Every value of `width` bits with at most `radius` bits set, fewest bits first."""
    return tuple(
        sum(1 << bit for bit in bits)
        for weight in range(radius + 1)
        for bits in combinations(range(width), weight)
    )


def ball(width: int, radius: int) -> int:
    """How many values lie within `radius` bits of one value of `width` bits."""
    return sum(math.comb(width, k) for k in range(radius + 1))


def split_bits(chunks: int) -> tuple[int, ...]:
    """256 bits cut into `chunks` widths that differ by at most one bit."""
    base, wider = divmod(HASH_BITS, chunks)
    return (base + 1,) * wider + (base,) * (chunks - wider)


def bytes_per_hash(widths: tuple[int, ...], n: int) -> float:
    """Index memory per hash: the hash, its id, postings and bucket offsets."""
    offsets = sum((1 << w) + 1 for w in widths) * 4
    return 32 + 8 + 4 * (len(widths) - 1) + offsets / max(n, 1)


def allocate_radii(widths: tuple[int, ...], n: int, threshold: int) -> tuple[int, ...] | None:
    """Per-chunk radii with sum(t + 1) = threshold + 1 at least expected work; None if none."""
    radii = [-1] * len(widths)

    def extra_work(i: int) -> float:
        w, t = widths[i], radii[i]
        if t >= w:
            return math.inf
        return math.comb(w, t + 1) * (PROBE_COST + CANDIDATE_COST * n / 2**w)

    for _ in range(threshold + 1):  # convex costs: greedy is optimal
        cheapest = min(range(len(widths)), key=extra_work)
        if extra_work(cheapest) == math.inf:
            return None
        radii[cheapest] += 1
    return tuple(radii)


def probe_work(widths: tuple[int, ...], radii: tuple[int, ...], n: int) -> float:
    return sum(
        ball(w, t) * (PROBE_COST + CANDIDATE_COST * n / 2**w)
        for w, t in zip(widths, radii, strict=True)
    )


def plan_widths(n: int, threshold: int, chunk_bits: int | None = None) -> tuple[int, ...]:
    """Chunk widths for n hashes (empty: scan); `chunk_bits` forces a width, for tests."""
    if chunk_bits is not None:
        return split_bits(math.ceil(HASH_BITS / chunk_bits))
    if n < SCAN_BELOW:
        return ()
    best: tuple[int, ...] = ()
    best_work = SCAN_COST * n
    for chunks in range(8, 33):  # 8 chunks keep widths within 32 bits
        widths = split_bits(chunks)
        radii = allocate_radii(widths, n, threshold)
        if radii is None or bytes_per_hash(widths, n) > MAX_BYTES_PER_HASH:
            continue
        work = probe_work(widths, radii, n)
        if work < best_work:
            best, best_work = widths, work
    return best


def chunk_masks(widths: tuple[int, ...]) -> npt.NDArray[np.uint64]:
    """(m, 4) uint64: each chunk's bits, as masks over the four 64-bit words of a hash."""
    masks, start = np.zeros((len(widths), 4), np.uint64), 0
    for i, width in enumerate(widths):
        bits = ((1 << width) - 1) << (HASH_BITS - start - width)  # bit 0 is the top bit
        masks[i] = [(bits >> (192 - 64 * w)) & (2**64 - 1) for w in range(4)]
        start += width
    return masks


@dataclass(frozen=True)
class ProbePlan:
    """How one threshold is searched in one table: radii and their flip masks, or a scan."""

    radii: Ints
    masks: Ints
    mask_ranges: Ints  # chunk i probes masks[mask_ranges[i]:mask_ranges[i + 1]]

    @classmethod
    def make(cls, widths: tuple[int, ...], radii: tuple[int, ...]) -> ProbePlan:
        per_chunk = [flip_masks(w, t) if t >= 0 else () for w, t in zip(widths, radii, strict=True)]
        ranges = np.cumsum([0, *map(len, per_chunk)]).astype(np.int64)
        masks = np.fromiter((x for chunk in per_chunk for x in chunk), np.int64, int(ranges[-1]))
        return cls(np.asarray(radii, np.int64), masks, ranges)

    @property
    def arrays(self) -> tuple[Ints, Ints, Ints]:
        return self.radii, self.masks, self.mask_ranges
