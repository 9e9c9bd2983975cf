"""Migration 0019 keeps the connections and accounts already stored: each reads back with no
relationship, no date and no guardian links (nothing was known before), still connected;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from safeguarding.domain.accounts import AgeBand
from safeguarding.domain.relationships import ConnectionLink
from tests.contracts.migrating import engine_at, store_over, upgrade_to_head

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_existing_connections_and_accounts_read_back_with_nothing_known(
    database_url: str,
) -> None:
    with engine_at(database_url, "0018") as engine:
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
        upgrade_to_head(engine)
    with store_over(database_url) as store, store.read() as uow:
        kid = uow.accounts.get(["kid"])["kid"]
        links = uow.accounts.connection_links_among([("kid", "gran")])
        connected = uow.accounts.connections_among([("gran", "kid")])
    assert (kid.guardian_of, kid.guardians, kid.age_band) == ((), (), AgeBand.UNDER_13)
    assert links == {("kid", "gran"): ConnectionLink("kid", "gran", None, None)}
    assert connected == {("gran", "kid")}
