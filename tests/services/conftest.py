"""The clock the service tests share: a ``MovableClock`` at 09:00 on 2 November 2026.

A module (or folder) that needs another start defines its own ``clock`` fixture.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.clocks import MovableClock


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
