"""Migration 0024 keeps the bank change log readable: changes logged before it name no hash,
so every process rebuilds after them (as every change did before), and the banks still match;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from safeguarding.detectors.media.bank_index import IndexHolder
from safeguarding.domain.banks import UploadHashes
from safeguarding.services.banks import BankService
from tests.contracts.migrating import engine_at, store_over, upgrade_to_head
from tests.contracts.test_migration_0020 import PDQ, T0, insert_old_bank


class Fixed:
    def now(self) -> datetime:
        return T0


def test_changes_logged_before_it_read_as_changes_to_banks(database_url: str) -> None:
    with engine_at(database_url, "0022") as engine:
        changes = sa.Table("bank_changes", sa.MetaData(), autoload_with=engine)
        with engine.begin() as conn:
            insert_old_bank(conn)
            conn.execute(changes.insert(), [{"at": T0}, {"at": T0}])
        upgrade_to_head(engine)
    with store_over(database_url) as store:
        with store.read() as uow:
            logged = uow.banks.changes_since(0)
        assert [(c.change_id, c.hashes_only) for c in logged] == [(1, False), (2, False)]
        index = BankService(store, Fixed(), IndexHolder()).catch_up()
        assert index.revision == 2
        assert [m.bank for m in index.match(UploadHashes(pdq=PDQ))] == ["old"]
