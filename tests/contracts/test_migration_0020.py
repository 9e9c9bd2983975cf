"""Migration 0020 keeps every banked hash matching: each reads back switched on
(``disable_until_ts`` 1), and matches; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from tests.contracts.migrating import engine_at, store_over, upgrade_to_head

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def insert_old_bank(conn: sa.Connection) -> None:
    """A blocking bank "old" holding PDQ, as the schema before these migrations stored it."""
    meta = sa.MetaData()
    banks = sa.Table("banks", meta, autoload_with=conn)
    hashes = sa.Table("bank_hashes", meta, autoload_with=conn)
    old = {"name": "old", "kind": "block", "description": "", "enabled": True}
    old |= {"pdq_threshold": 31, "vpdq_match_percent": 80.0, "created_at": T0, "version": 1}
    conn.execute(banks.insert(), old)
    row = {"bank": "old", "hash_type": "pdq", "value": PDQ, "added_version": 1}
    conn.execute(hashes.insert(), row)


def test_banked_hashes_stay_switched_on(database_url: str) -> None:
    with engine_at(database_url, "0018") as engine:
        with engine.begin() as conn:
            insert_old_bank(conn)
        upgrade_to_head(engine)
        with engine.connect() as conn:
            switches = conn.execute(sa.text("SELECT disable_until_ts FROM bank_hashes")).all()
    with store_over(database_url) as store, store.read() as uow:
        assert uow.banks.entries_switched_off() == {}
        assert [e.value for e in uow.banks.entries_live()] == [PDQ]
    assert switches == [(1,)]
