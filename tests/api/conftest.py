"""The scope world (tests/api/scope_world.py) for the tests that attack scope."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.scope_world import World, build_world


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    built = build_world(database_url, tmp_path)
    yield built
    built.container.close()
