"""Migration 0025 keeps every conversation readable: rows from before it read back without a
stream, and a stream kept after it reads back as it was; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.domain.conversations import LiveStream
from tests.conftest import TEST_KEY

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_old_conversations_read_back_without_a_stream_and_new_ones_keep_it(
    database_url: str,
) -> None:
    cipher = ContentCipher(*parse_key_ring(TEST_KEY))
    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine, "0022", cipher=cipher)
        table = sa.Table("conversations", sa.MetaData(), autoload_with=engine)
        with engine.begin() as conn:
            old = {"conversation_id": "dm-old", "kind": "direct", "started_at": T0}
            old |= {"participants": ["a", "b"], "message_count": 2, "detector_state": {}}
            conn.execute(table.insert(), old)
        migrate.upgrade(engine, cipher=cipher)
    finally:
        engine.dispose()
    store = SqlStore(database_url, cipher)
    try:
        with store.write() as uow:
            (held,) = uow.conversations.get(["dm-old"]).values()
            assert (held.stream, held.message_count) == (None, 2)
            stream = LiveStream(owner_id="kid", audience="friends", owner_child=True, started_at=T0)
            uow.conversations.put([held.model_copy(update={"stream": stream})])
        with store.read() as uow:
            assert uow.conversations.get(["dm-old"])["dm-old"].stream == stream
    finally:
        store.close()
