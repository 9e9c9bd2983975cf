"""Migration 0024 keeps the bank change log readable: changes logged before it name no hash,
so every process rebuilds after them (as every change did before), and the banks still match;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.detectors.media.bank_index import IndexHolder
from safeguarding.domain.banks import UploadHashes
from safeguarding.services.banks import BankService
from tests.conftest import TEST_KEY

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


class Fixed:
    def now(self) -> datetime:
        return T0


def test_changes_logged_before_it_read_as_changes_to_banks(database_url: str) -> None:
    cipher = ContentCipher(*parse_key_ring(TEST_KEY))
    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine, "0022", cipher=cipher)
        meta = sa.MetaData()
        banks = sa.Table("banks", meta, autoload_with=engine)
        hashes = sa.Table("bank_hashes", meta, autoload_with=engine)
        changes = sa.Table("bank_changes", meta, autoload_with=engine)
        with engine.begin() as conn:
            old = {"name": "old", "kind": "block", "description": "", "enabled": True}
            old |= {"pdq_threshold": 31, "vpdq_match_percent": 80.0, "created_at": T0, "version": 1}
            conn.execute(banks.insert(), old)
            conn.execute(
                hashes.insert(),
                {"bank": "old", "hash_type": "pdq", "value": PDQ, "added_version": 1},
            )
            conn.execute(changes.insert(), [{"at": T0}, {"at": T0}])
        migrate.upgrade(engine, cipher=cipher)
    finally:
        engine.dispose()
    store = SqlStore(database_url, cipher)
    try:
        with store.read() as uow:
            logged = uow.bank_changes_since(0)
        assert [(c.change_id, c.hashes_only) for c in logged] == [(1, False), (2, False)]
        index = BankService(store, Fixed(), IndexHolder()).catch_up()
        assert index.revision == 2
        assert [m.bank for m in index.match(UploadHashes(pdq=PDQ))] == ["old"]
    finally:
        store.close()
