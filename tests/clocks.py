"""A clock the tests move on by hand, shared by every service of one container."""

from __future__ import annotations

from datetime import datetime, timedelta


class MovableClock:
    """Says ``at`` until the test sets it or moves it on with ``advance``."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        """Move on by ``timedelta(**delta)``, e.g. ``advance(minutes=5)``."""
        self.at += timedelta(**delta)
