"""Migration 0026 gives every bank made before it the harm it always had, abuse imagery, so
its matches open the same cases and drafts as before; on SQLite and PostgreSQL."""

from __future__ import annotations

from safeguarding.detectors.media.bank_index import IndexHolder
from safeguarding.domain.banks import BankHarm, UploadHashes
from safeguarding.services.banks import BankService
from tests.contracts.migrating import engine_at, store_over, upgrade_to_head
from tests.contracts.test_migration_0020 import PDQ, insert_old_bank
from tests.contracts.test_migration_0024 import Fixed


def test_banks_made_before_it_hold_abuse_imagery(database_url: str) -> None:
    with engine_at(database_url, "0025") as engine:
        with engine.begin() as conn:
            insert_old_bank(conn)
        upgrade_to_head(engine)
    with store_over(database_url) as store:
        with store.read() as uow:
            assert [(b.name, b.harm) for b in uow.banks.listed()] == [
                ("old", BankHarm.ABUSE_IMAGERY)
            ]
        index = BankService(store, Fixed(), IndexHolder()).rebuild()
        (match,) = index.match(UploadHashes(pdq=PDQ))
        assert (match.bank, match.harm) == ("old", BankHarm.ABUSE_IMAGERY)
