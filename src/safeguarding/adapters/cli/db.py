"""`safeguarding db`: schema migrations."""

from __future__ import annotations

import typer

from safeguarding.adapters.cli.common import (
    announce_database,
    console,
    friendly_errors,
    open_container,
    settings,
)
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.bootstrap import build

app = typer.Typer(help="Database schema: upgrade and inspect.", no_args_is_help=True)


@app.command("upgrade")
@friendly_errors
def upgrade() -> None:
    """Bring the schema to the newest revision and store the first policy if none is stored."""
    container = open_container(create=True)
    try:
        revision = migrate.current_revision(container.store.engine)
    finally:
        container.close()
    console.print(f"Database schema is at revision {revision}.")


@app.command("current")
@friendly_errors
def current() -> None:
    """Print the schema revision and whether it is the newest."""
    chosen = settings()
    announce_database(chosen)
    head = migrate.head_revision()
    if not migrate.has_schema(chosen.database_url):  # said without creating an empty file
        console.print(f"no schema yet; run `safeguarding db upgrade` (newest revision is {head})")
        return
    container = build(chosen, migrate_schema=False)
    try:
        now = migrate.current_revision(container.store.engine)
    finally:
        container.close()
    state = (
        "up to date" if now == head else f"behind; run `safeguarding db upgrade` (newest is {head})"
    )
    console.print(f"revision {now}: {state}")
