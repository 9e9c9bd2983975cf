"""The transparency tests' container: SQLite or PostgreSQL, with a clock the test sets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safeguarding.bootstrap import Container, build
from tests.conftest import make_settings
from tests.services.transparency.world import KNOWN, MovableClock


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2018, 1, 1, tzinfo=UTC))


@pytest.fixture
def world(database_url: str, tmp_path: Path, clock: MovableClock) -> Iterator[Container]:
    """A container whose clock the test sets, with one listed image hash."""
    hashes = tmp_path / "known.txt"
    hashes.write_text(KNOWN + "\n")
    settings = make_settings(
        database_url,
        tmp_path,
        sha256_list_path=hashes,
        organisation="Example Chat Ltd",
        senior_manager="Sam Example, Head of Trust and Safety",
    )
    built = build(settings, clock=clock)
    yield built
    built.close()
