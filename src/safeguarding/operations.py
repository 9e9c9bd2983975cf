"""What the CLI and the readiness check may do with the store beyond the services: read the
schema revision, and build the retention run. Wired here, beside ``bootstrap.py``, so that no
route or command touches the store itself."""

from __future__ import annotations

from sqlalchemy import text

from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.bootstrap import Container
from safeguarding.services.retention import RetentionService


def schema_revisions(container: Container) -> tuple[str | None, str | None]:
    """The database's schema revision and the code's newest; raises when the database does
    not answer (readiness and ``safeguarding db`` read it)."""
    engine = container.store.engine
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return migrate.current_revision(engine), migrate.head_revision(engine)


def retention_service(container: Container) -> RetentionService:
    """The retention run of ``safeguarding retention run``, over the container's store."""
    settings = container.settings
    return RetentionService(
        container.store,
        container.clock,
        container.evidence,
        settings.content_retention_days,
        settings.content_retention_by_type,
        container.reports.sender,
    )
