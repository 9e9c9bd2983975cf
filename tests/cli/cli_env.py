"""What the in-process CLI tests share: a clean environment, the command, reading its output."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from safeguarding.adapters.cli import common
from safeguarding.adapters.cli.main import app
from safeguarding.bootstrap import Container, build
from safeguarding.settings import load_settings
from tests.conftest import TEST_KEY


def cli_environment(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    *,
    database_url: str | None = None,
    width: int = 160,
    **settings: str,
) -> Path:
    """Only our SAFEGUARDING_ variables: the database (a SQLite file in tmp_path unless one is
    given), a data folder in tmp_path, the test content key and ``settings`` (by lower-case
    name); a terminal ``width`` wide; tmp_path as the working directory."""
    for name in list(os.environ):
        # The suite's own SAFEGUARDING_TEST_POSTGRES_URL would be refused as an unknown setting.
        if name.startswith("SAFEGUARDING_"):
            monkeypatch.delenv(name)
    url = database_url or f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SAFEGUARDING_DATABASE_URL", url)
    monkeypatch.setenv("SAFEGUARDING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SAFEGUARDING_CONTENT_KEY", TEST_KEY)
    for name, value in settings.items():
        monkeypatch.setenv(f"SAFEGUARDING_{name.upper()}", value)
    set_width(monkeypatch, width)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def set_width(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    """Give the command a terminal this wide.

    Rich fixes a console's width from COLUMNS when it is created, at import, and pytest-xdist
    workers run with COLUMNS=80; so the consoles themselves are set, and COLUMNS for Typer's help.
    """
    monkeypatch.setenv("COLUMNS", str(columns))
    for console in (common.console, common.err):
        monkeypatch.setattr(console, "_width", columns)


def run(*args: str, code: int = 0) -> Result:
    """Run `safeguarding ARGS`; fail with its output unless it exits with ``code``."""
    result = CliRunner().invoke(app, ["--create", *args], prog_name="safeguarding")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, f"exit {result.exit_code}, wanted {code}:\n{result.output}"
    return result


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
Check = Callable[[str, str], None]
"""A golden-file check: ``check(name, text)`` compares text with tests/golden/NAME."""


def plain(text: str) -> str:
    """Output as a person reads it: no colour codes, no trailing spaces, one final newline."""
    lines = [line.rstrip() for line in ANSI.sub("", text).splitlines()]
    return "\n".join(lines).strip("\n") + "\n"


def words(text: str) -> str:
    """Output with every run of whitespace made one space, for checks that ignore wrapping."""
    return " ".join(ANSI.sub("", text).split())


@contextmanager
def opened() -> Iterator[Container]:
    """A container over the same database the command used, built from the same environment."""
    container = build(load_settings())
    try:
        yield container
    finally:
        container.close()


def transcript(*args: str, code: int) -> str:
    """A command and everything it printed, as a section of a golden file."""
    result = run(*args, code=code)
    return f"$ safeguarding {' '.join(args)}\n[exit {code}]\n{plain(result.output)}"


def write_jsonl(
    path: Path, events: list[dict[str, Any]], bad: dict[int, str] | None = None
) -> Path:
    """Events one per line; ``bad`` puts a raw line at a 1-based line number."""
    lines = [json.dumps(e) for e in events]
    for number, raw in sorted((bad or {}).items()):
        lines.insert(number - 1, raw)
    path.write_text("\n".join(lines) + "\n")
    return path
