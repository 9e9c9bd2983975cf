"""The real clock and id factory the core is given in production."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    """Wall-clock time, UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidIds:
    """Time-ordered-enough unique ids: a prefix and a random UUID's hex."""

    def new(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex}"
