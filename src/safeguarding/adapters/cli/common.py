"""What every command shares: loading settings and the container, and error display."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from safeguarding.adapters.cli.output import PlainWhenPiped
from safeguarding.adapters.storage.sqlalchemy import migrate
from safeguarding.bootstrap import Container, build
from safeguarding.domain.errors import InvalidInput, SafeguardingError
from safeguarding.settings import Settings, load_settings
from safeguarding.urls import mask_url

# soft_wrap: long lines (keys, YAML, file:line:col messages) are never broken by the console;
# tables are plain tab-separated lines when stdout is not a terminal (see output.py).
console = PlainWhenPiped(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])
NO_DATABASE_EXIT = 2
# The root `--create` option of the command line being run (set by its callback every run).
_create_asked = {"value": False}


def table(*columns: str, title: str | None = None) -> Table:
    """A Rich table whose cells fold rather than cut, so no value is ever shown with '…'."""
    made = Table(title=title)
    for column in columns:
        made.add_column(column, overflow="fold")
    return made


def settings(**overrides: Any) -> Settings:
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def open_container(*, create: bool = False, say: bool = True, **overrides: Any) -> Container:
    """The container over the database the settings name, said on stderr (unless ``say`` is
    off: `serve` and `worker` log it as JSON). A database with no schema yet is made only
    with ``create`` (serve, db upgrade) or the root `--create`: otherwise a mistyped or unset
    URL would quietly give the command a new, empty one."""
    chosen = settings(**overrides)
    if say:
        announce_database(chosen)
    if not (create or _create_asked["value"]) and not _has_schema(chosen):
        _refuse_new_database(chosen)
    return build(chosen)


def _has_schema(chosen: Settings) -> bool:
    try:
        return migrate.has_schema(chosen.database_url)
    except SQLAlchemyError as exc:  # the driver's reason names host and port, not the password
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise InvalidInput(
            f"cannot open the database at {database_label(chosen)}: {reason}"
        ) from None


def database_label(chosen: Settings) -> str:
    """The database URL with any password masked; a SQLite file by its absolute path, so the
    folder a relative URL reads from is plain."""
    path = migrate.sqlite_file(chosen.database_url)
    return f"sqlite:///{path.resolve()}" if path is not None else mask_url(chosen.database_url)


def announce_database(chosen: Settings) -> None:
    err.print(f"database: {database_label(chosen)}", markup=False, highlight=False)


def allow_create(value: bool) -> None:
    """The root `--create`: let this run's command create a database that is not there."""
    _create_asked["value"] = value


def _refuse_new_database(chosen: Settings) -> None:
    err.print(
        f"[bold red]error:[/] no database at {escape(database_label(chosen))}; this command would "
        "create a new, empty one. Point SAFEGUARDING_DATABASE_URL at the database you meant "
        "(`safeguarding demo` fills the default one), create it with `safeguarding db "
        "upgrade`, or put --create before the command (`safeguarding --create COMMAND ...`) to "
        "create it here.",
        highlight=False,
        markup=True,
    )
    raise typer.Exit(NO_DATABASE_EXIT)


def friendly_errors(func: F) -> F:
    """Show a SafeguardingError as one red message and exit 2, not as a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SafeguardingError as exc:
            err.print(f"[bold red]error:[/] {exc.detail}", highlight=False, markup=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
