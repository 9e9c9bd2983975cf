"""Output conventions every command follows.

- Tables are for people: on a terminal they are drawn with Rich; when standard output is not a
  terminal (a pipe, a file) each table is written plain, one tab-separated line per row after
  a header line, never wrapped, cut or boxed, so ``safeguarding reports list | cut -f1`` works.
- ``--output -`` means standard output, as for most Unix tools.
- List commands take ``--format json`` for one JSON array on standard output.
- Binary documents (PDF) are never written to a terminal: the command refuses, exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.errors import MarkupError
from rich.table import Table
from rich.text import Text

STDOUT = "-"


class Listing(StrEnum):
    """How a list command prints: a table (plain when piped), or JSON."""

    TEXT = "text"
    JSON = "json"


LISTING = typer.Option(Listing.TEXT, "--format", help="text (a table; plain when piped) or json.")


class PlainWhenPiped(Console):
    """A console that writes tables as tab-separated lines when its file is not a terminal."""

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if self.is_terminal or not any(isinstance(o, Table) for o in objects):
            super().print(*objects, **kwargs)
            return
        for item in objects:
            if isinstance(item, Table):
                self.file.write(plain_table(item))
            else:
                super().print(item, **kwargs)
        self.file.flush()


def plain_table(grid: Table) -> str:
    """The table as its title (if any), a header line and one line per row, tab-separated."""
    columns = [[_plain(c.header), *(_plain(cell) for cell in c.cells)] for c in grid.columns]
    rows = zip(*columns, strict=True) if columns else iter(())
    lines = [_plain(grid.title)] if grid.title else []
    lines += ["\t".join(row) for row in rows]
    return "".join(line + "\n" for line in lines)


def _plain(cell: Any) -> str:
    if isinstance(cell, Text):
        text = cell.plain
    elif isinstance(cell, str):
        try:
            text = Text.from_markup(cell).plain
        except MarkupError:
            text = cell
    else:
        text = str(cell)
    return " ".join(text.split())


def is_stdout(path: Path | None) -> bool:
    return path is not None and str(path) == STDOUT


def refuse_binary_on_terminal(what: str) -> None:
    """Exit 2 rather than write ``what`` (a binary document) to a terminal."""
    if sys.stdout.isatty():
        sys.stderr.write(
            f"error: will not write {what} to a terminal; "
            "give --output FILE, or redirect standard output to a file or a pipe\n"
        )
        raise typer.Exit(2)


def write_stdout(chunks: Iterable[bytes]) -> None:
    for chunk in chunks:
        sys.stdout.buffer.write(chunk)
    sys.stdout.buffer.flush()


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def print_json(rows: Any) -> None:
    """JSON on standard output, whole, never wrapped or highlighted."""
    sys.stdout.write(json.dumps(rows, indent=2, default=_jsonable) + "\n")
    sys.stdout.flush()
