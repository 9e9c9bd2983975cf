"""A bounded cache of what is worked out per word (its word pieces, its compound parts).

Words repeat, so most lookups hit; a text stream also brings an endless tail of new words,
so the cache is bounded: when it holds ``limit`` words it is emptied and fills again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
CACHE_LIMIT = 100_000


class WordCache(Generic[T]):
    """``work(word)``, worked out once per word while the word stays cached."""

    def __init__(self, work: Callable[[str], T], limit: int = CACHE_LIMIT) -> None:
        self.work = work
        self.limit = limit
        self._held: dict[str, T] = {}

    def __call__(self, word: str) -> T:
        cached = self._held.get(word)
        if cached is None:
            cached = self.work(word)
            if len(self._held) >= self.limit:
                self._held.clear()
            self._held[word] = cached
        return cached
