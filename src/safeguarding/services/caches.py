"""The two ways a process keeps what changes rarely, so each cache need not invent its own.

``Snapshot``: one value built from stored state that carries a revision (the policy in
force, the bank index, the bank counts, the detectors' model files). ``get()`` reads the
cheap revision, at most once every ``max_staleness`` seconds, and rebuilds only when it moved;
a change made in this process calls ``expire()`` so that it is seen at once.

``TtlLru``: many keyed values with no cheap revision to check (a verified API key, an item's
visibility, a viewer's age band): each is kept for a bounded time, the least recently used
goes first when the map is full, and ``discard`` forgets entries at once (after a
revocation or a reinstatement, told by a domain event).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Generic, NamedTuple, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
V = TypeVar("V")
NEVER = float("-inf")


class _Held(NamedTuple, Generic[T]):
    revision: Hashable
    value: T


class Snapshot(Generic[P, T]):
    """A value and the revision of the state it was built at, rebuilt when the revision moves.

    ``revision(*args)`` must be cheap (one small read); ``build(*args)`` reads the state. Both
    take what ``get`` is given (a caller's unit of work, say). The revision is read before
    building, so a value is never older than the revision ``get()`` saw; where the value
    knows its own revision (``revision_of``) that one is kept instead. Within
    ``max_staleness`` seconds of the last look the held value is served without reading
    anything. Thread-safe: one build at a time; readers of a held value take no lock.
    """

    def __init__(
        self,
        revision: Callable[P, Hashable],
        build: Callable[P, T],
        *,
        max_staleness: float = 0.0,
        revision_of: Callable[[T], Hashable] | None = None,
        initial: tuple[Hashable, T] | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._revision = revision
        self._build = build
        self.max_staleness = max_staleness
        self._revision_of = revision_of
        self._timer = timer
        self._held: _Held[T] | None = _Held(*initial) if initial is not None else None
        # An initial value is as fresh as the moment it is handed over.
        self._looked_at = timer() if initial is not None else NEVER
        self._lock = threading.Lock()

    @property
    def current(self) -> T | None:
        """The value held now, without looking at the revision (None before the first build)."""
        held = self._held
        return held.value if held is not None else None

    def fresh(self) -> bool:
        """Whether the last look at the revision is within ``max_staleness``."""
        return self._held is not None and self._timer() - self._looked_at < self.max_staleness

    def expire(self) -> None:
        """Make the next ``get()`` read the revision (after a change made in this process)."""
        self._looked_at = NEVER

    def get(self, *args: P.args, **kwargs: P.kwargs) -> T:
        """The value, rebuilt first if the revision moved since it was built."""
        held = self._held
        if held is not None and self.fresh():
            return held.value
        looked_at = self._timer()
        revision = self._revision(*args, **kwargs)
        if held is None or held.revision != revision:
            held = self._rebuilt(revision, *args, **kwargs)
        self._looked_at = looked_at
        return held.value

    def _rebuilt(self, revision: Hashable, *args: P.args, **kwargs: P.kwargs) -> _Held[T]:
        with self._lock:
            held = self._held
            if held is not None and held.revision == revision:
                return held  # another thread built it while this one waited
            value = self._build(*args, **kwargs)
            built_at = self._revision_of(value) if self._revision_of is not None else revision
            self._held = _Held(built_at, value)
            return self._held


class TtlLru(Generic[V]):
    """A bounded map whose entries expire; when it is full the least recently used goes first.

    Thread-safe: one lock per call, never per key, so a request of many keys takes it once.
    """

    def __init__(self, max_entries: int, ttl_seconds: float) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._data: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get_many(self, keys: Sequence[str], now: float) -> list[V | None]:
        """Each key's value, or None where it is missing or expired."""
        found: list[V | None] = []
        data, touch = self._data, self._data.move_to_end
        with self._lock:
            for key in keys:
                held = data.get(key)
                if held is None or held[0] <= now:
                    found.append(None)
                else:
                    touch(key)
                    found.append(held[1])
        return found

    def put_many(
        self, items: Iterable[tuple[str, V]], now: float, ttl: float | None = None
    ) -> None:
        ttl = self.ttl_seconds if ttl is None else ttl
        if ttl <= 0 or self.max_entries <= 0:
            return  # nothing would ever be served from it
        expires = now + ttl
        with self._lock:
            for key, value in items:
                self._data[key] = (expires, value)
                self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def discard(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    def discard_where(self, unwanted: Callable[[V], bool]) -> None:
        """Forget every entry whose value is unwanted (a revoked key's, say)."""
        with self._lock:
            for key in [k for k, (_, value) in self._data.items() if unwanted(value)]:
                del self._data[key]
