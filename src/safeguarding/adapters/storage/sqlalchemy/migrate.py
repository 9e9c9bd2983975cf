"""Schema migrations with Alembic, run programmatically (``safeguarding db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

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


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None (another database, or SQLite in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def has_schema(url: str) -> bool:
    """Whether the database at ``url`` holds a schema already, found without creating it: a
    missing SQLite file is not opened (SQLite would create it); in-memory SQLite has none."""
    path = sqlite_file(url)
    if make_url(url).get_backend_name() == "sqlite" and (path is None or not path.exists()):
        return False
    engine = create_engine(url, poolclass=NullPool)
    try:
        return current_revision(engine) is not None
    finally:
        engine.dispose()


def head_revision(engine: Engine | None = None) -> str | None:
    """The newest revision of the migration scripts (no database is read)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()
