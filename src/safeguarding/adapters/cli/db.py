"""`safeguarding db`: schema migrations, backups and restores."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from safeguarding.adapters.cli.audit import check_chain
from safeguarding.adapters.cli.common import (
    announce_database,
    console,
    err,
    friendly_errors,
    open_container,
    settings,
)
from safeguarding.adapters.storage import backup as backups
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.bootstrap import build
from safeguarding.operations import schema_revisions
from safeguarding.urls import mask_url
from safeguarding.wiring import checkpoint_folder

app = typer.Typer(help="Database schema, backups and restores.", no_args_is_help=True)


@app.command("upgrade")
@friendly_errors
def upgrade() -> None:
    """Bring the schema to the newest revision and store the first policy if none is stored."""
    with open_container(create=True) as container:
        revision = schema_revisions(container)[0]
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
        now = schema_revisions(container)[0]
    finally:
        container.close()
    state = (
        "up to date" if now == head else f"behind; run `safeguarding db upgrade` (newest is {head})"
    )
    console.print(f"revision {now}: {state}")


@app.command("backup")
@friendly_errors
def backup(
    out: Path = typer.Argument(..., dir_okay=False, help="The backup file to write (new)."),
) -> None:
    """Back the database up to OUT while the service runs, then check the audit chain.

    SQLite: a consistent snapshot through SQLite's online backup API, whose audit chain is then
    verified against the newest signed checkpoint held when it began. PostgreSQL:
    `pg_dump --format=custom` (the command is printed), then the chain of the database dumped
    is verified. The backup holds
    content sealed with the key ring and not the key ring: back the keys up separately.
    Exit 1 if the chain does not verify.
    """
    configured = settings()
    announce_database(configured)
    # Checkpoints taken while the backup runs may be newer than its snapshot: only those
    # already held must be reached.
    held = checkpoint_folder(configured).read_all()
    ran = backups.backup(configured.database_url, out)
    if ran:
        console.print(f"ran: {shlex.join(ran)}", highlight=False)
    console.print(
        f"backup of {mask_url(configured.database_url)} written to {out}", highlight=False
    )
    checked = configured.database_url if ran else f"sqlite:///{out.resolve()}"
    container = build(settings(database_url=checked), migrate_schema=False)
    try:
        verified = check_chain(container, held=held)
    finally:
        container.close()
    if not verified:
        raise typer.Exit(1)


@app.command("restore")
@friendly_errors
def restore(
    source: Path = typer.Argument(..., dir_okay=False, help="A file made by `db backup`."),
    yes: bool = typer.Option(
        False, "--yes", help="Replace everything in the configured database with the backup."
    ),
) -> None:
    """Replace the database with a backup, bring its schema up to date, and check the audit
    chain against the newest signed checkpoint, so a restore that lost records says so.

    Stop the service (serve and every worker) first. Exit 1 if the restored chain does not
    reach the newest checkpoint or does not verify; exit 2 without --yes.
    """
    configured = settings()
    announce_database(configured)
    target = mask_url(configured.database_url)
    if not yes:
        err.print(
            f"restore replaces everything in {target}; stop the service, then run again with --yes",
            highlight=False,
        )
        raise typer.Exit(2)
    ran = backups.restore(configured.database_url, source)
    if ran:
        console.print(f"ran: {shlex.join(ran)}", highlight=False)
    container = build(configured)
    try:
        console.print(f"restored {source} into {target}", highlight=False)
        verified = check_chain(container)
    finally:
        container.close()
    if not verified:
        err.print(
            "the restored database is not the one the checkpoints saw: records named above "
            "were lost or changed since this backup was taken",
            highlight=False,
        )
        raise typer.Exit(1)
