"""Migration 0019 keeps the connections and accounts already stored: each reads back with no
relationship, no date and no guardian links (nothing was known before), still connected;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from safeguarding.adapters.storage.crypto import ContentCipher, parse_key_ring
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.store import SqlStore
from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.relationships import ConnectionLink
from tests.conftest import TEST_KEY

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_existing_connections_and_accounts_read_back_with_nothing_known(
    database_url: str,
) -> None:
    cipher = ContentCipher(*parse_key_ring(TEST_KEY))
    engine = sa.create_engine(database_url)
    try:
        migrate.upgrade(engine, "0018", cipher=cipher)
        meta = sa.MetaData()
        accounts = sa.Table("accounts", meta, autoload_with=engine)
        connections = sa.Table("connections", meta, autoload_with=engine)
        declared = [{"age": 11, "declared_at": T0.isoformat()}]
        with engine.begin() as conn:
            conn.execute(
                accounts.insert(),
                {"account_id": "kid", "first_seen_at": T0, "age_band": "under_13",
                 "declared_ages": declared, "assurance": None, "stated_ages": []},
            )  # fmt: skip
            conn.execute(connections.insert(), {"account_a": "gran", "account_b": "kid"})
        migrate.upgrade(engine, cipher=cipher)
    finally:
        engine.dispose()
    store = SqlStore(database_url, cipher)
    try:
        with store.read() as uow:
            kid = uow.accounts.get(["kid"])["kid"]
            links = uow.accounts.connection_links_among([("kid", "gran")])
            connected = uow.accounts.connections_among([("gran", "kid")])
    finally:
        store.close()
    assert (kid.guardian_of, kid.guardians, kid.age_band) == ((), (), AgeBand.UNDER_13)
    assert links == {("kid", "gran"): ConnectionLink("kid", "gran", None, None)}
    assert connected == {("gran", "kid")}
