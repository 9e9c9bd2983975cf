"""The model a text detector scores with: one it was given, or the one shipped with the engine.

A given model stays through ``reload()``. The shipped one is read once per process, on
first use; ``reload()`` forgets it and, if it was in use, reads it again at once, so model
files that no longer load raise there and the model in use stays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

M = TypeVar("M")


class ShippedModel(Generic[M]):
    """``given``, or the shipped model from ``shared()``; ``forget()`` drops the shared one."""

    def __init__(
        self, given: M | None, shared: Callable[[], M], forget: Callable[[], None]
    ) -> None:
        self._model = given
        self._given = given is not None
        self._shared = shared
        self._forget = forget

    def get(self) -> M:
        if self._model is None:
            self._model = self._shared()
        return self._model

    def reload(self) -> None:
        if self._given:
            return
        self._forget()
        if self._model is not None:  # in use: read it now, so files that do not load raise here
            self._model = self._shared()
