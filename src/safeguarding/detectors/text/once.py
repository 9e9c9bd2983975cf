"""A value read once per process, on first use: the shipped models and encoders.

``OncePerProcess(factory)`` calls ``factory`` on the first ``get()`` and hands every later
caller, on any thread, that same value; threads that ask while it is being read wait for it
rather than read it again. ``forget()`` drops the value, so the next ``get()`` reads it afresh
(after the files it came from changed). A factory that raises leaves nothing stored, and the
next ``get()`` tries again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["OncePerProcess"]

T = TypeVar("T")


class OncePerProcess(Generic[T]):
    """``factory()``, called at most once until ``forget()``, thread-safe."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self) -> T:
        """The value, read by ``factory()`` if this is the first use since start or forget."""
        with self._lock:
            if self._value is None:
                self._value = self._factory()
            return self._value

    def forget(self) -> None:
        """Read the value afresh at next use."""
        with self._lock:
            self._value = None
