"""`safeguarding db`: schema migrations."""

from __future__ import annotations

import typer

from safeguarding.adapters.cli.common import console, friendly_errors, settings
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.bootstrap import build

app = typer.Typer(help="Database schema: upgrade and inspect.", no_args_is_help=True)


@app.command("upgrade")
@friendly_errors
def upgrade() -> None:
    """Bring the schema to the newest revision and store the first policy if none is stored."""
    container = build(settings())
    try:
        revision = migrate.current_revision(container.store.engine)
    finally:
        container.close()
    console.print(f"Database schema is at revision {revision}.")


@app.command("current")
@friendly_errors
def current() -> None:
    """Print the schema revision and whether it is the newest."""
    container = build(settings(), migrate_schema=False)
    try:
        now = migrate.current_revision(container.store.engine)
        head = migrate.head_revision(container.store.engine)
    finally:
        container.close()
    if now is None:
        console.print(f"no schema yet; run `safeguarding db upgrade` (newest revision is {head})")
        return
    state = (
        "up to date" if now == head else f"behind; run `safeguarding db upgrade` (newest is {head})"
    )
    console.print(f"revision {now}: {state}")
