"""A new user's first commands, run as they run them: `safeguarding ...` (and `make`) in a
fresh folder, as subprocesses with only the settings they set (issue 18, points 1 to 3)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding.settings import PREFIX

ROOT = Path(__file__).parents[2]
SAFEGUARDING = [sys.executable, "-m", "safeguarding.adapters.cli.main"]


def safeguarding(folder: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`safeguarding ARGS` run in ``folder``, with only the SAFEGUARDING_ settings given."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    environment.update({PREFIX + name.upper(): value for name, value in settings.items()})
    return subprocess.run(
        [*SAFEGUARDING, *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def database_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("database: ")]


# -- point 1: one database, named, never made by accident -----------------------------------
def test_commands_after_the_demo_read_the_demos_database_and_name_it(tmp_path: Path) -> None:
    loaded = safeguarding(tmp_path, "demo", "--no-serve")
    assert loaded.returncode == 0, loaded.stderr
    default_database = tmp_path / ".safeguarding" / "safeguarding.db"
    assert database_lines(loaded.stderr) == [f"database: sqlite:///{default_database}"]

    verified = safeguarding(tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert database_lines(verified.stderr) == [f"database: sqlite:///{default_database}"]
    records = re.search(r"audit chain verifies: (\d+) records", verified.stdout)
    assert records is not None, verified.stdout
    assert int(records.group(1)) > 1  # the demo's keys and events, not a new database's one


def test_a_command_stops_rather_than_create_an_empty_database(tmp_path: Path) -> None:
    for command in (["audit", "verify"], ["policy", "show"], ["keys", "list"]):
        refused = safeguarding(tmp_path, *command)
        assert refused.returncode == 2, refused.stderr
        assert "no database at" in refused.stderr
        assert "--create" in refused.stderr
        assert refused.stdout == ""
        assert not (tmp_path / ".safeguarding" / "safeguarding.db").exists()

    made = safeguarding(tmp_path, "--create", "keys", "list")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / ".safeguarding" / "safeguarding.db").exists()
    assert safeguarding(tmp_path, "keys", "list").returncode == 0


def test_db_upgrade_creates_the_database_and_db_current_does_not(tmp_path: Path) -> None:
    current = safeguarding(tmp_path, "db", "current")
    assert "no schema yet" in current.stdout
    assert not (tmp_path / ".safeguarding" / "safeguarding.db").exists()
    upgraded = safeguarding(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / ".safeguarding" / "safeguarding.db").exists()


def test_the_database_named_on_stderr_has_its_password_masked(tmp_path: Path) -> None:
    url = "postgresql+psycopg://engine:s3cret-pw@127.0.0.1:1/safeguarding"  # nothing listens
    failed = safeguarding(tmp_path, "keys", "list", database_url=url)
    assert failed.returncode == 2
    assert database_lines(failed.stderr) == [
        "database: postgresql+psycopg://engine:**********@127.0.0.1:1/safeguarding"
    ]
    assert "cannot open the database" in failed.stderr
    assert "s3cret-pw" not in failed.stderr + failed.stdout
    assert "Traceback" not in failed.stderr


def test_the_demo_will_not_delete_data_it_did_not_make(tmp_path: Path) -> None:
    kept = tmp_path / ".safeguarding" / "safeguarding.db"
    kept.parent.mkdir()
    kept.write_bytes(b"someone's data")
    refused = safeguarding(tmp_path, "demo", "--no-serve")
    assert refused.returncode == 2
    assert "holds data the demo did not make" in refused.stderr
    assert kept.read_bytes() == b"someone's data"


# -- point 2: the demo's address ---------------------------------------------------------------
@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("how", ["option", "setting"])
def test_the_demo_on_a_taken_port_says_so_before_loading_or_printing(
    tmp_path: Path, taken_port: int, how: str
) -> None:
    if how == "option":
        started = safeguarding(tmp_path, "demo", "--port", str(taken_port))
    else:
        started = safeguarding(tmp_path, "demo", port=str(taken_port))
    assert started.returncode == 2, started.stdout + started.stderr
    assert f"cannot listen on 127.0.0.1:{taken_port}" in started.stderr
    assert "--port" in started.stderr
    assert started.stdout == ""  # no keys or URLs printed for a server that never ran
    assert not (tmp_path / ".safeguarding").exists()  # nothing loaded


def test_serve_on_a_taken_port_says_so(tmp_path: Path, taken_port: int) -> None:
    started = safeguarding(tmp_path, "serve", "--port", str(taken_port))
    assert started.returncode == 2
    assert f"cannot listen on 127.0.0.1:{taken_port}" in started.stderr


def test_make_demo_passes_port_and_host_on(tmp_path: Path) -> None:
    planned = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "demo", "PORT=8001", "HOST=0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "safeguarding demo --port 8001 --host 0.0.0.0" in planned.stdout


# -- point 3: help points at files that exist ------------------------------------------------
def test_score_conversations_help_points_at_the_docs(tmp_path: Path) -> None:
    shown = safeguarding(tmp_path, "score-conversations", "--help")
    assert shown.returncode == 0
    assert "docs/grooming.md" in shown.stdout
    assert "DESIGN.md" not in shown.stdout
    assert (ROOT / "docs" / "grooming.md").exists()
