"""What every command shares: loading settings and the container, and error display."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from safeguarding.adapters.cli.output import PlainWhenPiped
from safeguarding.bootstrap import Container, build
from safeguarding.domain.errors import SafeguardingError
from safeguarding.settings import Settings, load_settings

# soft_wrap: long lines (keys, YAML, file:line:col messages) are never broken by the console;
# tables are plain tab-separated lines when stdout is not a terminal (see output.py).
console = PlainWhenPiped(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


def table(*columns: str, title: str | None = None) -> Table:
    """A Rich table whose cells fold rather than cut, so no value is ever shown with '…'."""
    made = Table(title=title)
    for column in columns:
        made.add_column(column, overflow="fold")
    return made


def settings(**overrides: Any) -> Settings:
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def open_container(**overrides: Any) -> Container:
    return build(settings(**overrides))


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
