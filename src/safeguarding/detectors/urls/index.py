"""URL-bank entries as compact sorted keys, and the look-up of the URLs found in a text.

Every entry becomes one 16-byte key: its hash (SHA-256 of the normal form for a plain URL,
or the hash the list gave), cut to 15 bytes after a tag byte that says how it matches
(exact keeping the query, exact without it, or by path prefix) and by which hash. A URL
found in a text becomes the keys it would have under each way of matching: its form with
and without the query, and each path prefix (``example.com``, ``example.com/a``,
``example.com/a/b``). One ``numpy.searchsorted`` over one sorted array answers them all, so a
million entries cost about 27 MB and a look-up a few microseconds. 120 bits of hash make a
false match between different URLs vanishingly unlikely (about 2^-100 a key at a million).

Entries of allowlist banks make a second array: a URL that matches an allow entry matches
nothing in the blocking banks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from safeguarding.detectors.urls.find import FoundText, find_candidates, is_shortener
from safeguarding.domain.banks import Bank, BankEntry, BankKind, HashType
from safeguarding.domain.url_lists import UrlEntry, UrlListed, url_digest
from safeguarding.domain.url_normalise import normalise_url

_WIDTH = 16
_ALGORITHM_TAG = {UrlListed.SHA256: 0x10, UrlListed.MD5: 0x20}


class Way(IntEnum):
    """How an entry matches a URL."""

    EXACT_WITH_QUERY = 1
    EXACT = 2
    PREFIX = 3


_TAGS = {(w, a): bytes((w | tag,)) for w in Way for a, tag in _ALGORITHM_TAG.items()}


def _way(entry: UrlEntry) -> Way:
    if entry.prefix:
        return Way.PREFIX
    return Way.EXACT_WITH_QUERY if entry.keep_query else Way.EXACT


def _key(digest: bytes, way: Way, algorithm: UrlListed) -> bytes:
    return _TAGS[way, algorithm] + digest[1:_WIDTH]


@dataclass(frozen=True, slots=True)
class FoundUrl:
    """A URL found in a text: where, its normal forms, and whether a shortener made it."""

    start: int
    end: int
    form: str  # with its query
    shortener: bool

    @property
    def bare(self) -> str:
        return self.form.partition("?")[0]

    def candidates(self) -> list[tuple[str, Way]]:
        """The forms under which an entry could match this URL, each with its way."""
        bare = self.bare
        found = [(self.form, Way.EXACT_WITH_QUERY), (bare, Way.EXACT), (bare, Way.PREFIX)]
        at = bare.find("/")
        while at > 0:
            found.append((bare[:at], Way.PREFIX))
            at = bare.find("/", at + 1)
        return found


@dataclass(frozen=True, slots=True)
class UrlMatch:
    """One URL-bank entry a found URL matches."""

    bank: str
    entry_id: int
    url: FoundUrl
    way: Way
    listed: UrlListed


@dataclass(frozen=True)
class _Keys:
    keys: npt.NDArray[np.bytes_]  # sorted
    ids: npt.NDArray[np.int64]
    codes: npt.NDArray[np.uint16]
    names: tuple[str, ...]
    listed: npt.NDArray[np.uint8]  # UrlListed of each entry, as a position in LISTED
    asks: dict[Way, tuple[UrlListed, ...]]  # the hashes some entry matches by, by way

    @classmethod
    def build(cls, entries: Sequence[BankEntry]) -> _Keys:
        names = tuple(sorted({e.bank for e in entries}))
        position = {name: at for at, name in enumerate(names)}
        rows = [(k, e, listed) for e in entries for k, listed in _keys_of(e)]
        keys = np.array([k for k, _, _ in rows], dtype=f"S{_WIDTH}")
        ids = np.fromiter((e.entry_id for _, e, _ in rows), np.int64, len(rows))
        codes = np.fromiter((position[e.bank] for _, e, _ in rows), np.uint16, len(rows))
        kinds = np.fromiter((LISTED.index(x) for _, _, x in rows), np.uint8, len(rows))
        order = np.argsort(keys, kind="stable") if len(rows) else np.arange(0)
        tags = {k[0] for k, _, _ in rows}
        asks = {w: tuple(a for a in _ALGORITHM_TAG if w | _ALGORITHM_TAG[a] in tags) for w in Way}
        return cls(keys[order], ids[order], codes[order], names, kinds[order], asks)

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, keys: list[bytes]) -> list[tuple[int, int]]:
        """(position of the key asked, row) for every row holding one of ``keys``."""
        if not len(self.keys) or not keys:
            return []
        asked = np.array(keys, dtype=self.keys.dtype)
        starts = np.searchsorted(self.keys, asked)
        inside = np.minimum(starts, len(self.keys) - 1)
        found = []
        for at in np.flatnonzero(self.keys[inside] == asked).tolist():
            row, key = int(starts[at]), asked[at]  # numpy's own bytes: it drops trailing NULs
            while row < len(self.keys) and self.keys[row] == key:
                found.append((at, row))
                row += 1
        return found


LISTED = (UrlListed.URL, UrlListed.SHA256, UrlListed.MD5)


def _keys_of(entry: BankEntry) -> list[tuple[bytes, UrlListed]]:
    parsed = UrlEntry.from_canonical(entry.value)
    way = _way(parsed)
    if parsed.listed is UrlListed.MD5:
        return [(_key(bytes.fromhex(parsed.form), way, UrlListed.MD5), UrlListed.MD5)]
    digest = parsed.digest(UrlListed.SHA256) or b""
    return [(_key(digest, way, UrlListed.SHA256), parsed.listed)]


@dataclass(frozen=True)
class UrlIndex:
    """The URL entries of every enabled bank: blocking ones, and allowlisted ones."""

    block: _Keys
    allow: _Keys

    @classmethod
    def build(cls, banks: dict[str, Bank], entries: Iterable[BankEntry]) -> UrlIndex:
        urls = [e for e in entries if e.hash_type is HashType.URL and e.bank in banks]
        allowed = [e for e in urls if banks[e.bank].kind is BankKind.ALLOW]
        blocking = [e for e in urls if banks[e.bank].kind is BankKind.BLOCK]
        return cls(_Keys.build(blocking), _Keys.build(allowed))

    def __len__(self) -> int:
        return len(self.block)

    def match_text(self, text: str) -> tuple[list[UrlMatch], list[FoundUrl]]:
        """The entries the URLs in ``text`` match, and every URL found there."""
        urls = found_urls(find_candidates(text))
        if not urls or not len(self.block):
            return [], urls
        allowed = self._allowed(urls)
        return self._matches([u for u in urls if u.form not in allowed]), urls

    def _allowed(self, urls: list[FoundUrl]) -> set[str]:
        if not len(self.allow):
            return set()
        asked, keys = _asked(urls, self.allow.asks)
        return {asked[at][0].form for at, _ in self.allow.lookup(keys)}

    def _matches(self, urls: list[FoundUrl]) -> list[UrlMatch]:
        asked, keys = _asked(urls, self.block.asks)
        found: dict[tuple[int, str], UrlMatch] = {}
        for at, row in self.block.lookup(keys):
            url, way = asked[at]
            entry_id = int(self.block.ids[row])
            bank = self.block.names[int(self.block.codes[row])]
            listed = LISTED[int(self.block.listed[row])]
            found.setdefault((entry_id, url.form), UrlMatch(bank, entry_id, url, way, listed))
        return list(found.values())


def found_urls(candidates: list[FoundText]) -> list[FoundUrl]:
    """The candidates that are URLs, in normal form, each form once."""
    seen: dict[str, FoundUrl] = {}
    for candidate in candidates:
        form = normalise_url(candidate.text)
        if form is not None and form not in seen:
            seen[form] = FoundUrl(candidate.start, candidate.end, form, is_shortener(form))
    return list(seen.values())


def _asked(
    urls: list[FoundUrl], asks: dict[Way, tuple[UrlListed, ...]]
) -> tuple[list[tuple[FoundUrl, Way]], list[bytes]]:
    """The keys to look up for ``urls``: only the ways and hashes some entry matches by."""
    asked: list[tuple[FoundUrl, Way]] = []
    keys: list[bytes] = []
    digests: dict[tuple[str, UrlListed], bytes] = {}  # a form is often asked two ways
    for url in urls:
        for form, way in url.candidates():
            for algorithm in asks[way]:
                digest = digests.get((form, algorithm))
                if digest is None:
                    digest = digests[form, algorithm] = url_digest(form, algorithm)
                asked.append((url, way))
                keys.append(_key(digest, way, algorithm))
    return asked, keys
