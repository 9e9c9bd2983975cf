"""Backing the database up and restoring it.

SQLite is copied with its online backup API, which reads one consistent snapshot while the
service keeps writing (a plain file copy during ingest can catch a half-applied WAL).
PostgreSQL is dumped and restored with ``pg_dump`` and ``pg_restore`` in their custom format,
the tools its operators already trust; the connection's password travels in ``PGPASSWORD``,
never on a command line another local account could read.

A backup holds content sealed with the key ring and nothing of the key ring itself: a stolen
backup without the keys reads as noise, and the keys must be backed up separately.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from safeguarding.adapters.private_files import PRIVATE_FILE, private_dir
from safeguarding.domain.errors import InvalidInput

PG_DUMP = ("pg_dump", "--format=custom", "--no-owner", "--no-privileges")
PG_RESTORE = ("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction")


def backup(database_url: str, out: Path) -> list[str]:
    """Write a backup of the database to ``out`` (0600); the command run, for PostgreSQL."""
    url = make_url(database_url)
    if out.exists():
        raise InvalidInput(f"{out} already exists; name a new file for the backup")
    private_dir(out.parent)
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        _check_sqlite_schema(source, "the database")
        _sqlite_copy(source, out, create=True)
        return []
    command = [*PG_DUMP, f"--file={out}"]
    _run_pg(command, url)
    out.chmod(PRIVATE_FILE)
    return command


def restore(database_url: str, source: Path) -> list[str]:
    """Replace the database's contents with the backup's; the command run, for PostgreSQL."""
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _check_sqlite_schema(source, "the backup")
        target = _sqlite_path(url)
        private_dir(target.parent)
        _sqlite_copy(source, target, create=not target.exists())
        return []
    _run_pg(["pg_restore", "--list", str(source)], url, what=f"read the backup {source}")
    command = [*PG_RESTORE, str(source)]
    _run_pg(command, url)
    return command


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise InvalidInput("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path, *, create: bool) -> None:
    """Copy one consistent snapshot of ``source`` into ``target`` page by page."""
    if create:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    with _connect(source) as src, _connect(target) as dst:
        src.backup(dst)


def _check_sqlite_schema(source: Path, what: str) -> None:
    """Refuse a file that is not a SQLite database with this engine's schema in it."""
    if not source.is_file():
        raise InvalidInput(f"{what} {source} does not exist")
    try:
        with _connect(source) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError:
        raise InvalidInput(f"{what} {source} is not a SQLite database") from None
    if "alembic_version" not in tables or "audit_log" not in tables:
        raise InvalidInput(f"{what} {source} holds no Safeguarding schema")


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path)
    try:
        yield conn
    finally:
        conn.close()


def _run_pg(command: list[str], url: URL, what: str = "") -> None:
    """Run a PostgreSQL client tool against ``url``; its error output becomes the error."""
    if shutil.which(command[0]) is None:
        raise InvalidInput(
            f"{command[0]} is not installed; install PostgreSQL's client tools "
            "(Debian: postgresql-client)"
        )
    done = subprocess.run(
        [*command, "--dbname", url.database or "postgres"],
        env={**os.environ, **pg_environment(url)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        raise InvalidInput(f"{command[0]} could not {what or 'finish'}: {reason}")


def pg_environment(url: URL) -> dict[str, str]:
    """libpq's variables for the URL's server, user and password."""
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
    }
    return {name: value for name, value in values.items() if value}
