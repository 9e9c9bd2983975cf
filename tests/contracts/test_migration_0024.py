"""Migration 0024 keeps the bank change log readable: changes logged before it name no hash,
so every process rebuilds after them (as every change did before), and the banks still match;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.detectors.media.bank_index import IndexHolder
from safeguarding.domain.banks import UploadHashes
from safeguarding.services.banks import BankService
from tests.conftest import TEST_KEY
from tests.contracts.test_migration_0020 import PDQ, T0, insert_old_bank


class Fixed:
    def now(self) -> datetime:
        return T0


def test_changes_logged_before_it_read_as_changes_to_banks(database_url: str) -> None:
    cipher = ContentCipher(*parse_key_ring(TEST_KEY))
    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine, "0022", cipher=cipher)
        changes = sa.Table("bank_changes", sa.MetaData(), autoload_with=engine)
        with engine.begin() as conn:
            insert_old_bank(conn)
            conn.execute(changes.insert(), [{"at": T0}, {"at": T0}])
        migrate.upgrade(engine, cipher=cipher)
    finally:
        engine.dispose()
    store = SqlStore(database_url, cipher)
    try:
        with store.read() as uow:
            logged = uow.banks.changes_since(0)
        assert [(c.change_id, c.hashes_only) for c in logged] == [(1, False), (2, False)]
        index = BankService(store, Fixed(), IndexHolder()).catch_up()
        assert index.revision == 2
        assert [m.bank for m in index.match(UploadHashes(pdq=PDQ))] == ["old"]
    finally:
        store.close()
