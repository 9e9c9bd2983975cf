"""Migrations build exactly the schema the code declares, on every backend, and rerun safely."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.adapters.storage.sqlalchemy.tables import metadata
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
