"""Migrations build exactly the schema the code declares, on every backend, and rerun safely."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, select

from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.tables import accounts, metadata
from safeguarding.bootstrap import Container


def test_migrated_schema_matches_the_tables(container: Container) -> None:
    with container.store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_upgrade_is_idempotent_and_at_head(container: Container) -> None:
    migrate.upgrade(container.store.engine)
    assert migrate.current_revision(container.store.engine) == migrate.head_revision(
        container.store.engine
    )


def test_0014_rebands_accounts_as_the_domain_now_reads_them(database_url: str) -> None:
    """A child who later declared an adult's age was stored as an adult; 0014 stores the child's
    band the account keeps (the youngest it has claimed), and leaves a plain account alone."""
    engine = create_engine(database_url)
    try:
        migrate.upgrade(engine, "0010")
        declared = [
            {"age": 11, "declared_at": "2024-01-01T00:00:00+00:00"},
            {"age": 30, "declared_at": "2026-01-01T00:00:00+00:00"},
        ]
        plain = [{"age": 35, "declared_at": "2026-01-01T00:00:00+00:00"}]
        at = datetime(2024, 1, 1, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                accounts.insert(),
                [
                    {"account_id": "kid", "first_seen_at": at, "age_band": "adult",
                     "declared_ages": declared, "assurance": None},
                    {"account_id": "grown", "first_seen_at": at, "age_band": "adult",
                     "declared_ages": plain, "assurance": None},
                ],
            )  # fmt: skip
        migrate.upgrade(engine)
        with engine.connect() as conn:
            bands = dict(conn.execute(select(accounts.c.account_id, accounts.c.age_band)).all())
        assert bands == {"kid": "13_15", "grown": "adult"}
    finally:
        engine.dispose()
