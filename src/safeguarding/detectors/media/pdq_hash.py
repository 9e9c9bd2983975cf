"""PDQ hashes as text, bytes and machine words: parsing and checking what callers give.

A hash is 64 hex digits, 32 bytes, or a row of an (n, 32) uint8 array; the matchers work on
uint64 words, bit 0 being the most significant bit of the first byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

PDQ_BYTES = 32
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
HashRows = npt.NDArray[np.uint8]  # (n, 32)
PdqHashLike = str | bytes | HashRows


def parse_pdq_hex(text: str) -> bytes:
    """The 32 bytes of a PDQ hash written as 64 hex digits (either case; outer spaces ok)."""
    cleaned = text.strip()
    if _HEX64.fullmatch(cleaned):
        return bytes.fromhex(cleaned)
    if len(cleaned) != 2 * PDQ_BYTES:
        raise ValueError(f"a PDQ hash is 64 hex digits, not {len(cleaned)} characters")
    bad = next(c for c in cleaned if c not in "0123456789abcdefABCDEF")
    raise ValueError(f"a PDQ hash is 64 hex digits; {bad!r} is not a hex digit")


def format_pdq_hex(pdq: bytes | HashRows) -> str:
    """64 lower-case hex digits."""
    return bytes(pdq).hex()


def pdq_rows(texts: Iterable[str]) -> HashRows:
    """Hex hashes as an (n, 32) uint8 array (ValueError naming the first bad one's index)."""
    rows = []
    for number, text in enumerate(texts):
        try:
            rows.append(parse_pdq_hex(text))
        except ValueError as exc:
            raise ValueError(f"hash {number}: {exc}") from None
    return np.frombuffer(b"".join(rows), np.uint8).reshape(-1, PDQ_BYTES)


def pdq_words(rows: HashRows | Sequence[str]) -> npt.NDArray[np.uint64]:
    """Hash rows as (n, 4) native uint64, bit 0 being the most significant of the first byte."""
    if not isinstance(rows, np.ndarray):
        rows = pdq_rows(rows)
    if rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != PDQ_BYTES:
        raise ValueError(f"PDQ hashes must be an (n, 32) uint8 array, not {rows.dtype}{rows.shape}")
    return np.ascontiguousarray(rows).view(">u8").astype(np.uint64)


def query_words(pdq: PdqHashLike) -> npt.NDArray[np.uint64]:
    """One hash as (1, 4) uint64 words; a hex string takes a short cut (a query's hot path)."""
    if isinstance(pdq, str):
        pdq = parse_pdq_hex(pdq)
        return np.frombuffer(pdq, ">u8").astype(np.uint64).reshape(1, 4)
    if isinstance(pdq, bytes):
        if len(pdq) != PDQ_BYTES:
            raise ValueError(f"a PDQ hash is 32 bytes, not {len(pdq)}")
        pdq = np.frombuffer(pdq, np.uint8)
    return pdq_words(np.asarray(pdq).reshape(1, -1))
