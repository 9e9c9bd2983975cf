"""Exact hashes (SHA-256, MD5) of the blocking banks in compact sorted arrays.

A Python dict of hex strings to tuples costs a few hundred bytes a hash; at ten million hashes
that is gigabytes in every process. Here one type's hashes are one sorted array of raw bytes
(32 for SHA-256, 16 for MD5) beside the entry id (8 bytes) and the bank as a 2-byte code, so
a SHA-256 costs 42 bytes against its 32 raw and an MD5 26 against 16: under twice the raw
size. A look-up is a binary search (``numpy.searchsorted``); equal hashes in several banks sit
side by side and are all returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from safeguarding.domain.banks import BankEntry


@dataclass(frozen=True)
class ExactIndex:
    """One hash type's entries: sorted raw hashes, their entry ids and bank codes."""

    values: npt.NDArray[np.bytes_]  # sorted, fixed width
    ids: npt.NDArray[np.int64]
    codes: npt.NDArray[np.uint16]  # bank of values[i], as a position in ``names``
    names: tuple[str, ...]

    @classmethod
    def build(cls, entries: Sequence[BankEntry], width: int) -> ExactIndex:
        names = tuple(sorted({e.bank for e in entries}))
        position = {name: at for at, name in enumerate(names)}
        values = np.array([bytes.fromhex(e.value) for e in entries], dtype=f"S{width}")
        ids = np.fromiter((e.entry_id for e in entries), np.int64, len(entries))
        codes = np.fromiter((position[e.bank] for e in entries), np.uint16, len(entries))
        order = np.lexsort((ids, values)) if len(entries) else np.arange(0)
        return cls(values[order], ids[order], codes[order], names)

    def changed(self, gone: npt.NDArray[np.int64], entries: Sequence[BankEntry]) -> ExactIndex:
        """A new index without the ids in ``gone`` and with ``entries`` added; this one is left
        as it is (a snapshot others may be reading). One pass over the arrays, no re-sort."""
        keep = ~np.isin(self.ids, gone) if len(gone) else np.ones(len(self.ids), bool)
        names = self.names + tuple(sorted({e.bank for e in entries} - set(self.names)))
        added = ExactIndex.build(entries, self.values.dtype.itemsize)
        position = {name: at for at, name in enumerate(names)}
        recode = np.array([position[name] for name in added.names], np.uint16)
        values, ids, codes = self.values[keep], self.ids[keep], self.codes[keep]
        at = np.searchsorted(values, added.values, side="right")
        return ExactIndex(
            np.insert(values, at, added.values),
            np.insert(ids, at, added.ids),
            np.insert(codes, at, recode[added.codes] if len(added) else added.codes),
            names,
        )

    def lookup(self, hex_value: str) -> tuple[tuple[str, int], ...]:
        """Every (bank, entry id) holding this hash, in entry order."""
        try:
            key = np.array(bytes.fromhex(hex_value), dtype=self.values.dtype)
        except ValueError:
            return ()
        if len(hex_value) != 2 * self.values.dtype.itemsize:
            return ()
        start = int(np.searchsorted(self.values, key, side="left"))
        end = int(np.searchsorted(self.values, key, side="right"))
        found = ((self.names[int(self.codes[at])], int(self.ids[at])) for at in range(start, end))
        return tuple(sorted(found, key=lambda hit: hit[1]))  # entry order, however inserted

    def __len__(self) -> int:
        return len(self.values)

    @property
    def nbytes(self) -> int:
        """Bytes the arrays hold (the bank names aside: a few, shared by every entry)."""
        return int(self.values.nbytes + self.ids.nbytes + self.codes.nbytes)
