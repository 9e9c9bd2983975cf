"""Entries of URL lists: a listed URL (or its hash) and how it is to be matched.

Hotlines send abuse-material URL lists as plain URLs, or as hashes (SHA-256 or MD5 hex) of
each URL's normal form (``url_normalise.normalise_url``). An entry is written as the URL or
hash followed by its options, separated by spaces:

- ``prefix``: the entry matches every URL whose path starts with its path, segment by
  segment (``example.com/gallery`` matches ``example.com/gallery/1.jpg``, not
  ``example.com/gallery2``); a query does not count. Without it the match is exact.
- ``query=keep`` / ``query=drop``: whether a URL's query is part of what is matched. A plain
  URL listed with a query keeps it by default (``example.com/view?id=3`` matches that query
  only); without one, or for a hash, the query is dropped by default (``example.com/a``
  matches ``example.com/a?utm=x``). A prefix entry always drops it.

A hash is 64 hex digits (SHA-256) or 32 (MD5), bare or written ``sha256:...``/``md5:...``.
An entry's canonical text, what a bank stores, is the normal form (or ``sha256:``/``md5:``
and the lower-case hex) followed by ``prefix`` and ``query=keep`` where they hold.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from safeguarding.domain.url_normalise import normalise_url

_HEX = re.compile(r"^(?:(sha256|md5):)?([0-9a-f]+)$")
_HEX_WIDTH = {64: "sha256", 32: "md5"}
OPTIONS = ("exact", "prefix", "query=keep", "query=drop")


class UrlListed(StrEnum):
    """How an entry gives its URL: as written, or as a hash of its normal form."""

    URL = "url"
    SHA256 = "sha256"
    MD5 = "md5"


@dataclass(frozen=True, slots=True)
class UrlEntry:
    """One entry of a URL list, in canonical form."""

    listed: UrlListed
    form: str  # the normal form, or the lower-case hex of its hash
    prefix: bool = False
    keep_query: bool = False

    @classmethod
    def parse(cls, text: str) -> UrlEntry:
        """An entry from its written form; ValueError says what is wrong."""
        words = text.split()
        if not words:
            raise ValueError("an empty URL entry")
        first, options = words[0], words[1:]
        unknown = [o for o in options if o.lower() not in OPTIONS]
        if unknown:
            raise ValueError(f"unknown option {unknown[0]!r}; options: {', '.join(OPTIONS)}")
        said = {o.lower() for o in options}
        if {"exact", "prefix"} <= said or {"query=keep", "query=drop"} <= said:
            raise ValueError("contradictory options: " + " ".join(options))
        prefix = "prefix" in said
        if prefix and "query=keep" in said:
            raise ValueError("a prefix entry matches by path; it cannot keep a query")
        hashed = _HEX.match(first.lower())
        if hashed and len(hashed.group(2)) in _HEX_WIDTH:
            return cls._hashed(hashed, prefix, "query=keep" in said)
        query = ("query=keep" in said) if said & {"query=keep", "query=drop"} else None
        return cls._plain(first, prefix, query)

    @classmethod
    def _hashed(cls, found: re.Match[str], prefix: bool, keep_query: bool) -> UrlEntry:
        digits = found.group(2)
        named, width = found.group(1), _HEX_WIDTH[len(digits)]
        if named and named != width:
            raise ValueError(f"a {named} hash is {64 if named == 'sha256' else 32} hex digits")
        return cls(UrlListed(width), digits, prefix, keep_query)

    @classmethod
    def _plain(cls, url: str, prefix: bool, keep_query: bool | None) -> UrlEntry:
        with_query = normalise_url(url)
        if with_query is None:
            raise ValueError(f"not a URL with a host name: {url!r}")
        keep = (not prefix and "?" in with_query) if keep_query is None else keep_query
        form = with_query if keep else normalise_url(url, keep_query=False)
        return cls(UrlListed.URL, form or with_query, prefix, keep)

    @classmethod
    def from_canonical(cls, value: str) -> UrlEntry:
        """An entry from what a bank stores (already checked): no normalising again."""
        head, *options = value.split(" ")
        listed = UrlListed.URL
        for hashed in (UrlListed.SHA256, UrlListed.MD5):
            if head.startswith(f"{hashed}:"):
                listed, head = hashed, head[len(hashed) + 1 :]
        return cls(listed, head, "prefix" in options, "query=keep" in options)

    def canonical(self) -> str:
        """What a bank stores: parsing it gives this entry back."""
        head = self.form if self.listed is UrlListed.URL else f"{self.listed}:{self.form}"
        return " ".join([head] + ["prefix"] * self.prefix + ["query=keep"] * self.keep_query)

    def digest(self, algorithm: UrlListed) -> bytes | None:
        """The entry's hash by ``algorithm`` (SHA-256 for a plain URL), or None if unknown."""
        if self.listed is UrlListed.URL:
            return url_digest(self.form, algorithm)
        return bytes.fromhex(self.form) if self.listed is algorithm else None


def url_digest(form: str, algorithm: UrlListed) -> bytes:
    """The hash of a normal form, as hotlines hash their lists (UTF-8 bytes)."""
    if algorithm is UrlListed.MD5:
        return hashlib.md5(form.encode(), usedforsecurity=False).digest()
    return hashlib.sha256(form.encode()).digest()


def url_entry_value(text: str) -> str:
    """The canonical text of a written entry (for ``HashType.URL.normalise``)."""
    return UrlEntry.parse(text).canonical()
