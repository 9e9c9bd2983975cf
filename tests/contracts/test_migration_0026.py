"""Migration 0026 gives every bank made before it the harm it always had, abuse imagery, so
its matches open the same cases and drafts as before; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.detectors.media.bank_index import IndexHolder
from safeguarding.domain.banks import BankHarm, UploadHashes
from safeguarding.services.banks import BankService
from tests.conftest import TEST_KEY
from tests.contracts.test_migration_0020 import PDQ, insert_old_bank
from tests.contracts.test_migration_0024 import Fixed


def test_banks_made_before_it_hold_abuse_imagery(database_url: str) -> None:
    cipher = ContentCipher(*parse_key_ring(TEST_KEY))
    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine, "0025", cipher=cipher)
        with engine.begin() as conn:
            insert_old_bank(conn)
        migrate.upgrade(engine, cipher=cipher)
    finally:
        engine.dispose()
    store = SqlStore(database_url, cipher)
    try:
        with store.read() as uow:
            assert [(b.name, b.harm) for b in uow.banks.listed()] == [
                ("old", BankHarm.ABUSE_IMAGERY)
            ]
        index = BankService(store, Fixed(), IndexHolder()).rebuild()
        (match,) = index.match(UploadHashes(pdq=PDQ))
        assert (match.bank, match.harm) == ("old", BankHarm.ABUSE_IMAGERY)
    finally:
        store.close()
