"""What the tests of one migration share: a database at the revision before it, to seed rows
as they were stored then, and afterwards the store over the upgraded database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from tests.conftest import TEST_KEY

CIPHER = ContentCipher(*parse_key_ring(TEST_KEY))


@contextmanager
def engine_at(database_url: str, revision: str) -> Iterator[sa.Engine]:
    """An engine over the database upgraded to ``revision``; disposed of on leaving."""
    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine, revision, cipher=CIPHER)
        yield engine
    finally:
        engine.dispose()


def upgrade_to_head(engine: sa.Engine) -> None:
    migrate.upgrade(engine, cipher=CIPHER)


@contextmanager
def store_over(database_url: str) -> Iterator[SqlStore]:
    """The store over the (upgraded) database; closed on leaving."""
    store = SqlStore(database_url, CIPHER)
    try:
        yield store
    finally:
        store.close()
