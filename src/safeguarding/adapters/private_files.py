"""What the service keeps on disk is its own: folders it makes are 0700, files 0600.

The database, its WAL and shared-memory files, the key ring, the session secret and reports
hold content or the means to read it; another local account must not be able to read them.
Modes are set explicitly, not left to the umask. SQLite gives its ``-wal`` and ``-shm`` files
the mode of the database file, so making that one 0600 covers them too.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Make the folder 0700 if it does not exist (an existing one is the operator's choice)."""
    if not path.exists():
        path.mkdir(parents=True, mode=PRIVATE_DIR, exist_ok=True)
        path.chmod(PRIVATE_DIR)  # mkdir's mode is narrowed by the umask, never widened
    return path


def private_file(path: Path) -> Path:
    """Create the file empty and 0600 if missing; narrow an existing one of ours to 0600."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        narrow(path)
    return path


def narrow(path: Path) -> None:
    """Take group and other access off a file this process owns (left as it is otherwise)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.stat().st_mode & 0o077:
            path.chmod(path.stat().st_mode & PRIVATE_DIR)


def write_private(path: Path, text: str) -> None:
    """Write a new file that is 0600 from its first byte."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
