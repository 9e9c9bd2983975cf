"""Schema migrations with Alembic, run programmatically (``safeguarding db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from safeguarding.adapters.storage.crypto import ContentCipher

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head", cipher: ContentCipher | None = None) -> None:
    """Bring the schema up to ``revision``; running it again does nothing. Migrations that seal
    stored content need the key ring, ``cipher``."""
    config = alembic_config(engine)
    config.attributes["cipher"] = cipher
    before = current_revision(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    if engine.dialect.name == "sqlite" and current_revision(engine) != before:
        _forget_cleared_pages(engine)


def _forget_cleared_pages(engine: Engine) -> None:
    """Write the WAL into the database and empty it, so the clear pages a migration replaced
    (zeroed there by ``secure_delete``) are not left in the WAL file."""
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
