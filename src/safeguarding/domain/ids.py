"""Typed identifiers, and the clock and id factory the core is given.

The core never reads the clock or makes ids itself: services receive a `Clock`
and an `IdFactory`, so decisions are reproducible in tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import NewType, Protocol

EventId = NewType("EventId", str)
AccountId = NewType("AccountId", str)
ConversationId = NewType("ConversationId", str)
CaseId = NewType("CaseId", str)


class Clock(Protocol):
    """Tells the current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


class IdFactory(Protocol):
    """Makes new opaque identifiers with a readable prefix (``case_...``)."""

    def new(self, prefix: str) -> str: ...
