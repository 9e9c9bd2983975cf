"""Fixtures the in-process CLI tests share: a plain command environment and golden files.

Human-facing text (policy errors, the ingest summary) is compared with golden files in
tests/golden/. After an intended change, rewrite them with
``pytest tests/cli --write-outputs`` and review the diff before committing.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.cli.cli_env import Check, cli_environment

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: only our SAFEGUARDING_ variables, a fixed width, cwd in tmp_path."""
    return cli_environment(monkeypatch, tmp_path, width=100)


@pytest.fixture
def golden(request: pytest.FixtureRequest, tmp_path: Path) -> Check:
    """Compare text with tests/golden/NAME, or rewrite the file under --write-outputs."""
    rewrite = bool(request.config.getoption("--write-outputs"))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        text = text.replace(str(tmp_path), "<tmp>")
        if rewrite:
            path.write_text(text)
            return
        if not path.exists():
            pytest.fail(f"{path} does not exist; create it with --write-outputs and review it")
        expected = path.read_text()
        if text != expected:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"tests/golden/{name} (expected)",
                    tofile="actual output",
                )
            )
            pytest.fail(
                f"output differs from tests/golden/{name}; if the change is intended, "
                f"rerun with --write-outputs and review the diff:\n{diff}",
                pytrace=False,
            )

    return check
