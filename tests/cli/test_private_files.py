"""What the service writes under its data folder is its own: the folder 0700, files 0600,
checked on real processes (``safeguarding db upgrade``, then ``serve`` with the WAL in use)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from safeguarding.domain.access import Role
from safeguarding.settings import PREFIX
from tests.factories import message
from tests.servers import process_env, running_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_in(folder: Path) -> dict[str, int]:
    return {p.name: mode(p) for p in folder.iterdir() if p.is_file()}


def test_db_upgrade_then_serve_keep_the_data_folder_and_its_files_private(tmp_path) -> None:
    data = tmp_path / "fresh" / "data"
    database = data / "safeguarding.db"
    environment = {PREFIX + "DATA_DIR": str(data), PREFIX + "DATABASE_URL": f"sqlite:///{database}"}
    command = [sys.executable, "-m", "safeguarding.adapters.cli.main", "db", "upgrade"]
    done = subprocess.run(
        command, env=process_env(environment), capture_output=True, umask=0o022, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert mode(data) == 0o700
    made = files_in(data)
    assert {"safeguarding.db", "content.key", "session.secret"} <= set(made)
    assert set(made.values()) == {0o600}, made

    with running_server(data, database_url=f"sqlite:///{database}") as server:
        answer = httpx.post(
            f"{server.base_url}/v1/events", json=message(), headers=server.auth(Role.PLATFORM)
        )
        assert answer.status_code == 200, answer.text
        running = {name: m for name, m in files_in(data).items() if not name.startswith("server.")}
        assert {"safeguarding.db-wal", "safeguarding.db-shm"} <= set(running)
        assert set(running.values()) == {0o600}, running
    assert os.stat(data).st_mode & 0o077 == 0
