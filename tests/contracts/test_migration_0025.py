"""Migration 0025 keeps every conversation readable: rows from before it read back without a
stream, and a stream kept after it reads back as it was; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from safeguarding.domain.conversations import LiveStream
from tests.contracts.migrating import engine_at, store_over, upgrade_to_head

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_old_conversations_read_back_without_a_stream_and_new_ones_keep_it(
    database_url: str,
) -> None:
    with engine_at(database_url, "0022") as engine:
        table = sa.Table("conversations", sa.MetaData(), autoload_with=engine)
        with engine.begin() as conn:
            old = {"conversation_id": "dm-old", "kind": "direct", "started_at": T0}
            old |= {"participants": ["a", "b"], "message_count": 2, "detector_state": {}}
            conn.execute(table.insert(), old)
        upgrade_to_head(engine)
    with store_over(database_url) as store:
        with store.write() as uow:
            (held,) = uow.conversations.get(["dm-old"]).values()
            assert (held.stream, held.message_count) == (None, 2)
            stream = LiveStream(owner_id="kid", audience="friends", owner_child=True, started_at=T0)
            uow.conversations.put([held.model_copy(update={"stream": stream})])
        with store.read() as uow:
            assert uow.conversations.get(["dm-old"])["dm-old"].stream == stream
