"""Migration 0018 keeps the accounts already stored: each reads back with no stated ages and
the band it had, and holds for review start empty; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.domain.accounts import AgeBand
from tests.conftest import TEST_KEY

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_existing_accounts_read_back_with_no_stated_ages(database_url: str) -> None:
    cipher = ContentCipher(*parse_key_ring(TEST_KEY))
    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine, "0017", cipher=cipher)
        accounts = sa.Table("accounts", sa.MetaData(), autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(
                accounts.insert(),
                {
                    "account_id": "kid",
                    "first_seen_at": T0,
                    "age_band": "under_13",
                    "declared_ages": [{"age": 11, "declared_at": T0.isoformat()}],
                    "assurance": None,
                },
            )
        migrate.upgrade(engine, cipher=cipher)
        with engine.connect() as conn:
            holds = conn.execute(sa.text("SELECT count(*) FROM review_holds")).scalar_one()
    finally:
        engine.dispose()
    store = SqlStore(database_url, cipher)
    try:
        with store.read() as uow:
            kid = uow.accounts.get(["kid"])["kid"]
            assert uow.conversations.holds_among({("adult", "kid")}) == set()
    finally:
        store.close()
    assert (kid.stated_ages, kid.age_band, holds) == ((), AgeBand.UNDER_13, 0)
