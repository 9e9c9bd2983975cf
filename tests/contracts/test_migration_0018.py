"""Migration 0018 keeps the accounts already stored: each reads back with no stated ages and
the band it had, and holds for review start empty; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from safeguarding.domain.accounts import AgeBand
from tests.contracts.migrating import engine_at, store_over, upgrade_to_head

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_existing_accounts_read_back_with_no_stated_ages(database_url: str) -> None:
    with engine_at(database_url, "0017") as engine:
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
        upgrade_to_head(engine)
        with engine.connect() as conn:
            holds = conn.execute(sa.text("SELECT count(*) FROM review_holds")).scalar_one()
    with store_over(database_url) as store, store.read() as uow:
        kid = uow.accounts.get(["kid"])["kid"]
        assert uow.conversations.holds_among({("adult", "kid")}) == set()
    assert (kid.stated_ages, kid.age_band, holds) == ((), AgeBand.UNDER_13, 0)
